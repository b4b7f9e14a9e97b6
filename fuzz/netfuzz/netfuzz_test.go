package netfuzz

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

func testRequest() *handshake.Request {
	return handshake.NewClientRequest(&url.URL{Scheme: "ws", Host: "127.0.0.1:1", Path: "/"}, handshake.NewKey())
}

// TestSeedsCoverTheCatalogue: every case gives a starting session within
// the limits, handshake cases bring their own request and compression
// cases their offers and compressed frames.
func TestSeedsCoverTheCatalogue(t *testing.T) {
	all := cases.All()
	seeds := Seeds(all, testRequest())
	servers := 0
	for _, c := range all {
		if forServers(c) {
			servers++
		}
	}
	if len(seeds) != servers || servers < 574 {
		t.Errorf("%d sessions from %d cases for servers (%d in all)", len(seeds), servers, len(all))
	}
	var edited, compressed int
	base := string(testRequest().Bytes())
	for _, s := range seeds {
		if !s.withinLimits() {
			t.Errorf("%s: %d octets, %d steps: over the limits", s.Origin, s.Size(), len(s.Steps))
		}
		if len(s.offers()) > 0 && len(s.Steps) > 0 && s.Steps[0].Frame.Rsv&frame.RSV1 != 0 {
			compressed++
		}
		if req := string(s.Request.Bytes()); len(req) != len(base) {
			edited++
		}
	}
	if compressed < 100 || edited < 40 {
		t.Errorf("%d seeds start with a compressed message, %d carry an edited request", compressed, edited)
	}
}

// TestMutationsStayBoundedAndRepeat: the same random source gives the same
// mutant; no mutant passes the session limits, and the wire form of each
// step decodes back to the same octets (the reproducer format).
func TestMutationsStayBoundedAndRepeat(t *testing.T) {
	seeds := Seeds(cases.All(), testRequest())
	corpus := seeds[:50]
	lies := 0
	for i := range 200 {
		parent := seeds[(i*7)%len(seeds)]
		other := func(rng *rand.Rand) func() *Session {
			return func() *Session { return &corpus[rng.IntN(len(corpus))] }
		}
		r1, r2 := rand.New(rand.NewPCG(3, uint64(i))), rand.New(rand.NewPCG(3, uint64(i)))
		a, did := Mutate(r1, parent, other(r1))
		b, _ := Mutate(r2, parent, other(r2))
		if !reflect.DeepEqual(a.Request.Bytes(), b.Request.Bytes()) || !bytes.Equal(a.wire(), b.wire()) {
			t.Fatalf("mutation %d of %s (%v) did not repeat", i, parent.Origin, did)
		}
		if !a.withinLimits() {
			t.Fatalf("mutation %d (%v): %d octets, %d steps", i, did, a.Size(), len(a.Steps))
		}
		for j, r := range records(a.Steps) {
			s, err := r.step()
			if err != nil {
				t.Fatalf("mutation %d step %d: %v", i, j, err)
			}
			if !bytes.Equal(s.bytes(), a.Steps[j].bytes()) {
				t.Fatalf("mutation %d step %d: % x, want % x", i, j, s.bytes(), a.Steps[j].bytes())
			}
			if s.Frame.LengthOverride != nil {
				lies++
			}
		}
	}
	if lies == 0 {
		t.Fatal("200 mutations without a length that lies")
	}
}

func TestBombInflatesToItsSize(t *testing.T) {
	b := bomb(3)
	rsv := frame.New(frame.OpBinary, b)
	rsv.Rsv = frame.RSV1
	if got := judge(rsv.Masked([4]byte{1, 2, 3, 4}).Bytes(), true); got.MustEnd {
		t.Fatalf("a 3 MiB bomb judged as broken: %+v", got)
	}
	if len(b) > 3*(len(bombBlock())+4) || len(b) < 3*len(bombBlock()) {
		t.Fatalf("3 MiB bomb is %d octets (block %d)", len(b), len(bombBlock()))
	}
}

func TestJudge(t *testing.T) {
	masked := func(f frame.Frame) frame.Frame { return f.Masked([4]byte{9, 8, 7, 6}) }
	closeFrame := masked(frame.New(frame.OpClose, frame.ClosePayload(frame.CloseNormal, "")))
	lie := uint64(10)
	lying := masked(frame.New(frame.OpBinary, []byte("abc")))
	lying.LengthOverride = &lie
	nonMinimal := masked(frame.New(frame.OpBinary, []byte("abc")))
	nonMinimal.Encoding = frame.Length64
	first := masked(frame.New(frame.OpText, []byte{'a', 0xE2}))
	first.Fin = false
	deflated := masked(frame.New(frame.OpText, compress([]byte("héllo"))))
	deflated.Rsv = frame.RSV1
	deflatedBad := masked(frame.New(frame.OpText, compress([]byte("h\xffllo"))))
	deflatedBad.Rsv = frame.RSV1
	deflatedCut := masked(frame.New(frame.OpText, compress([]byte("caf\xc3"))))
	deflatedCut.Rsv = frame.RSV1
	bigBomb := masked(frame.New(frame.OpText, bomb(judgeInflateLimit>>20+1)))
	bigBomb.Rsv = frame.RSV1
	corrupt := masked(frame.New(frame.OpText, []byte{0xff, 0xff, 0xff}))
	corrupt.Rsv = frame.RSV1
	tests := []struct {
		name       string
		frames     []frame.Frame
		compressed bool
		owed       bool
		rule       string
	}{
		{"close is answered", []frame.Frame{closeFrame}, false, true, RuleAnswerClose},
		{"no close, nothing owed", []frame.Frame{masked(frame.New(frame.OpPing, nil))}, false, false, ""},
		{"long ping", []frame.Frame{masked(frame.New(frame.OpPing, make([]byte, 126))), closeFrame}, false, true, frame.RuleControlTooLong},
		{"unmasked", []frame.Frame{frame.New(frame.OpText, nil)}, false, true, frame.RuleClientFrameUnmasked},
		{"length lies upward: the server may wait", []frame.Frame{lying, closeFrame}, false, false, ""},
		{"non-minimal length is tolerated", []frame.Frame{nonMinimal, closeFrame}, false, true, RuleAnswerClose},
		{"UTF-8 split across fragments is judged at the end", []frame.Frame{first, masked(frame.New(frame.OpContinuation, []byte{0x82, 0xAC}))}, false, false, ""},
		{"text ends invalid", []frame.Frame{first, masked(frame.New(frame.OpContinuation, []byte{0x82}))}, false, true, RuleTextUTF8},
		{"bad close code", []frame.Frame{masked(frame.New(frame.OpClose, frame.ClosePayload(1005, "")))}, false, true, frame.RuleCloseCodeInvalid},
		{"one-octet close", []frame.Frame{masked(frame.New(frame.OpClose, []byte{3}))}, false, true, frame.RuleCloseOneOctet},
		{"compressed text, then close", []frame.Frame{deflated, closeFrame}, true, true, RuleAnswerClose},
		{"RSV1 without deflate", []frame.Frame{deflated, closeFrame}, false, true, frame.RuleRSVWithoutExtension},
		{"compressed text not UTF-8 once inflated", []frame.Frame{deflatedBad, closeFrame}, true, true, RuleTextUTF8},
		{"compressed text ends inside a code point", []frame.Frame{deflatedCut, closeFrame}, true, true, RuleTextUTF8},
		{"bomb past the oracle's limit: the server may take it", []frame.Frame{bigBomb, closeFrame}, true, true, RuleAnswerClose},
		{"corrupt compressed stream", []frame.Frame{corrupt, closeFrame}, true, true, "pmd-invalid-compressed-data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var steps []Step
			for _, f := range tt.frames {
				steps = append(steps, Step{Frame: f})
			}
			v := judge(Session{Steps: steps}.wire(), tt.compressed)
			if v.MustEnd != tt.owed || v.Rule != tt.rule || v.Why == "" {
				t.Fatalf("judge = %+v, want owed=%t rule %q", v, tt.owed, tt.rule)
			}
		})
	}
}

// testReference is the reference server with a message limit of 4 MiB
// instead of 64: it fails a bomb with 1009 as soon (and as cheaply) as the
// planted server does, which keeps the -race runs short.
var testReference = server.Config{MaxMessageSize: 4 << 20}

// testCases seed the planted-bug runs: a few plain cases (text, binary,
// ping, a fragmented message, a close) and one compression case, so that
// every bug has to be reached by mutation, not handed over by a case that
// already sends its trigger.
var testCases = []string{"1.1.2", "1.2.2", "2.2", "5.3", "7.1.1", "12.1.1"}

// Budgets of the planted-bug runs (sessions, not time).
const (
	plantedBudget   = 400
	plantedSeed     = 1
	plantedMinimize = 30
	// plantedDeadline is short, so that minimizing a hang is quick; a
	// server that is only slow under load is not reported, as a hang is
	// confirmed with a longer deadline (patience).
	plantedDeadline = 300 * time.Millisecond
)

// TestPlantedBugsAreFoundMinimizedAndReplayed: from a fixed seed and
// within a fixed budget the fuzzer finds each planted bug, confirms and
// minimizes it, writes a reproducer, and the reproducer shows the bug
// again on a fresh instance and nothing on the reference server.
func TestPlantedBugsAreFoundMinimizedAndReplayed(t *testing.T) {
	tests := []struct {
		plant plant
		kind  Kind
		rule  string
	}{
		{panicOnOneOctetClose, KindDrop, frame.RuleCloseOneOctet},
		{crashOnHugeLength, KindCrash, "target-down"},
		{allocAnnounced, KindCrash, "target-down"},
		{hangOnEmptyFinalContinuation, KindHang, ""}, // whatever the server owed when it hung
		{crashOnReservedInFragment, KindCrash, "target-down"},
		{crashOnLongHeaderLine, KindCrash, "target-down"},
		{bombUnlimited, KindCrash, "target-down"},
	}
	ref, refURL, err := server.Start("127.0.0.1:0", testReference)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	// Each planted run mostly waits (for restarts, deadlines), so they run
	// side by side.
	for _, tt := range tests {
		t.Run(plantNames[tt.plant], func(t *testing.T) {
			t.Parallel()
			srv, url := startPlanted(t, tt.plant)
			cfg := Config{Target: url, Seed: plantedSeed, Execs: plantedBudget, Parallel: 1, Deadline: plantedDeadline,
				Cases: testCases, MaxFindings: 1, Out: t.TempDir(), RecoverWait: 5 * time.Second, MinimizeRuns: plantedMinimize}
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 1 {
				t.Fatalf("after %d sessions (%d answers): findings %s", rep.Execs, rep.Answers, symptoms(rep.Findings))
			}
			f := rep.Findings[0]
			if f.Kind != tt.kind || tt.rule != "" && f.Rule != tt.rule {
				t.Fatalf("session %d: %s %s (%s), want %s %s", f.Exec, f.Kind, f.Rule, f.Detail, tt.kind, tt.rule)
			}
			if f.Saved.Octets > f.Found.Octets || f.Saved.Steps > f.Found.Steps {
				t.Errorf("minimized to %+v from %+v", f.Saved, f.Found)
			}
			t.Logf("found at session %d of %d (%d answers, corpus %d); reproducer %d octets/%d steps minimized to %d/%d in %d runs; from %s",
				f.Exec, rep.Execs, rep.Answers, rep.Corpus, f.Found.Octets, f.Found.Steps, f.Saved.Octets, f.Saved.Steps, f.MinimizeRuns, f.Origin)

			loaded, err := Load(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			_, fresh := startPlanted(t, tt.plant)
			again, err := Replay(context.Background(), Config{Target: fresh, Deadline: cfg.Deadline, RecoverWait: cfg.RecoverWait}, loaded)
			if err != nil {
				t.Fatal(err)
			}
			if again == nil || again.Symptom() != f.Symptom() {
				t.Fatalf("replay on a fresh planted server found %s", symptoms([]Finding{deref(again)}))
			}
			fixed, err := Replay(context.Background(), Config{Target: refURL, Deadline: cfg.Deadline}, loaded)
			if err != nil || fixed != nil {
				t.Fatalf("replay on the reference server: %s, %v", symptoms([]Finding{deref(fixed)}), err)
			}
			if tt.kind == KindCrash && srv.Crashes() == 0 {
				t.Fatal("a crash finding, but the planted server never crashed")
			}
		})
	}
}

// TestCleanServersHaveNoFindings: over the planted runs' budget, the
// reference server and the planted server without a bug give no finding,
// while the run still learns (the corpus grows past the seeds).
func TestCleanServersHaveNoFindings(t *testing.T) {
	ref, refURL, err := server.Start("127.0.0.1:0", testReference)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ref.Close() })
	_, cleanURL := startPlanted(t, clean)
	for _, target := range []struct {
		name, url string
		parallel  int
	}{{"reference", refURL, 4}, {"planted-clean", cleanURL, 1}} {
		t.Run(target.name, func(t *testing.T) {
			t.Parallel()
			rep, err := Run(context.Background(), Config{Target: target.url, Seed: plantedSeed, Execs: plantedBudget, Parallel: target.parallel,
				Deadline: plantedDeadline, Cases: testCases, Logf: t.Logf})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 0 || rep.Execs != plantedBudget {
				t.Fatalf("%d sessions: findings %s", rep.Execs, symptoms(rep.Findings))
			}
			if rep.Corpus <= rep.Seeds || rep.Answers < 20 {
				t.Fatalf("corpus %d from %d seeds, %d distinct answers: the run did not learn", rep.Corpus, rep.Seeds, rep.Answers)
			}
			t.Logf("%d sessions in %v (%.0f/s), corpus %d, %d distinct answers, %d unconfirmed",
				rep.Execs, rep.Elapsed.Round(time.Millisecond), rep.ExecsPerSec, rep.Corpus, rep.Answers, rep.Unconfirmed)
		})
	}
}

func TestRunRefusesAnUnreachableTarget(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "ws://" + l.Addr().String() + "/"
	l.Close() // nothing listens there now
	_, err = Run(context.Background(), Config{Target: url, Execs: 1, Deadline: 200 * time.Millisecond})
	if err == nil || !errors.Is(err, errTargetDown) {
		t.Fatalf("Run against a closed port: %v", err)
	}
}

// TestRunStopsOnTimeAndCancel: Duration and ctx end a run promptly (within
// the sessions in flight), with what was done so far and no error.
func TestRunStopsOnTimeAndCancel(t *testing.T) {
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const deadline = time.Second
	inFlight := 4*deadline + time.Second // one session's worst case, and slack for a loaded machine

	const d = 2 * time.Second
	rep, err := Run(context.Background(), Config{Target: url, Seed: 5, Duration: d, Deadline: deadline, Parallel: 2, Cases: testCases})
	if err != nil || rep.Elapsed < d || rep.Elapsed > d+inFlight || rep.Execs == 0 {
		t.Fatalf("Duration %v: %d sessions in %v, %v", d, rep.Execs, rep.Elapsed, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	rep, err = Run(ctx, Config{Target: url, Seed: 5, Execs: 1 << 30, Deadline: deadline, Parallel: 2, Cases: testCases})
	if took := time.Since(start); err != nil || took > time.Second+inFlight || len(rep.Findings) != 0 {
		t.Fatalf("cancelled after 1s: %d sessions in %v, findings %s, %v", rep.Execs, took, symptoms(rep.Findings), err)
	}
}

// symptoms is findings in a line each, for failure messages (a finding's
// wire log is too long for one).
func symptoms(fs []Finding) string {
	out := ""
	for _, f := range fs {
		out += fmt.Sprintf("\n  %s %s at session %d: %s; expected: %s; from %s", f.Kind, f.Rule, f.Exec, f.Detail, f.Expect, f.Origin)
	}
	return out
}

func deref(f *Finding) Finding {
	if f == nil {
		return Finding{Kind: "none"}
	}
	return *f
}
