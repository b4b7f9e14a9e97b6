package netfuzz

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for i := range 50 {
		a, b := Generate(42, i), Generate(42, i)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("iteration %d: two calls gave different sequences", i)
		}
	}
	if reflect.DeepEqual(Generate(1, 0), Generate(2, 0)) && reflect.DeepEqual(Generate(1, 1), Generate(2, 1)) {
		t.Fatal("seeds 1 and 2 give the same sequences")
	}
}

// TestStepRecordsRoundTrip: a reproducer's hex decodes to frames that put
// the same octets on the wire, length lies and bare frames included.
func TestStepRecordsRoundTrip(t *testing.T) {
	lies := 0
	for i := range 500 {
		steps := Generate(7, i)
		for j, r := range records(steps) {
			s, err := r.step()
			if err != nil {
				t.Fatalf("iteration %d step %d: %v", i, j, err)
			}
			if got, want := s.Frame.Bytes(), steps[j].Frame.Bytes(); !bytes.Equal(got, want) {
				t.Fatalf("iteration %d step %d: % x, want % x", i, j, got, want)
			}
			if s.Frame.LengthOverride != nil {
				lies++
			}
		}
	}
	if lies == 0 {
		t.Fatal("500 iterations without a length that lies")
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
	tests := []struct {
		name   string
		frames []frame.Frame
		owed   bool
		rule   string
	}{
		{"close is answered", []frame.Frame{closeFrame}, true, RuleAnswerClose},
		{"no close, nothing owed", []frame.Frame{masked(frame.New(frame.OpPing, nil))}, false, ""},
		{"long ping", []frame.Frame{masked(frame.New(frame.OpPing, make([]byte, 126))), closeFrame}, true, frame.RuleControlTooLong},
		{"unmasked", []frame.Frame{frame.New(frame.OpText, nil)}, true, frame.RuleClientFrameUnmasked},
		{"length lies upward: the server may wait", []frame.Frame{lying, closeFrame}, false, ""},
		{"non-minimal length is tolerated", []frame.Frame{nonMinimal, closeFrame}, true, RuleAnswerClose},
		{"UTF-8 split across fragments is judged at the end", []frame.Frame{first, masked(frame.New(frame.OpContinuation, []byte{0x82, 0xAC}))}, false, ""},
		{"text ends invalid", []frame.Frame{first, masked(frame.New(frame.OpContinuation, []byte{0x82}))}, true, RuleTextUTF8},
		{"bad close code", []frame.Frame{masked(frame.New(frame.OpClose, frame.ClosePayload(1005, "")))}, true, frame.RuleCloseCodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var steps []Step
			for _, f := range tt.frames {
				steps = append(steps, Step{Frame: f})
			}
			v := judge(wireOf(steps))
			if v.MustEnd != tt.owed || v.Rule != tt.rule || v.Why == "" {
				t.Fatalf("judge = %+v, want owed=%t rule %q", v, tt.owed, tt.rule)
			}
		})
	}
}

// TestReferenceServerHasNoFindings: the strict reference server answers or
// fails every sequence in time and never breaks §5 itself.
func TestReferenceServerHasNoFindings(t *testing.T) {
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const n = 300
	rep, err := Run(context.Background(), Config{Target: url, Seed: 1, Iterations: n, Deadline: 2 * time.Second, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Iterations != n || len(rep.Findings) != 0 || rep.Repeats != 0 {
		t.Fatalf("%d iterations, findings %+v (+%d repeats)", rep.Iterations, rep.Findings, rep.Repeats)
	}
	if rep.Owed < n/2 {
		t.Fatalf("only %d of %d iterations owed an answer: the generator rarely ends in a judgeable state", rep.Owed, n)
	}
	t.Logf("%d iterations in %v, %d owed an answer and got it", rep.Iterations, rep.Elapsed, rep.Owed)
}

// TestPlantedBugsAreFoundAndReplayed: with a fixed seed the fuzzer finds
// each planted bug within a bounded number of iterations, writes a
// reproducer, and the reproducer shows the bug again on a fresh instance
// and nothing on the reference server.
func TestPlantedBugsAreFoundAndReplayed(t *testing.T) {
	tests := []struct {
		bug  bug
		kind Kind
		rule string
	}{
		{crashOnTopBitLength, KindCrash, "target-down"},
		{hangOnLongControl, KindHang, frame.RuleControlTooLong},
		{maskedPong, KindViolation, frame.RuleServerFrameMasked},
	}
	ref, refURL, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	for _, tt := range tests {
		t.Run(string(tt.kind), func(t *testing.T) {
			cfg := Config{Target: startBugServer(t, tt.bug), Seed: 1, Iterations: 200, Deadline: time.Second,
				MaxFindings: 1, Out: t.TempDir()}
			rep, err := Run(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Findings) != 1 {
				t.Fatalf("after %d iterations: findings %+v", rep.Iterations, rep.Findings)
			}
			f := rep.Findings[0]
			if f.Kind != tt.kind || f.Rule != tt.rule {
				t.Fatalf("iteration %d: %s %s (%s), want %s %s", f.Iteration, f.Kind, f.Rule, f.Detail, tt.kind, tt.rule)
			}
			t.Logf("found at iteration %d: %s; expect: %s", f.Iteration, f.Detail, f.Expect)

			loaded, err := Load(f.Path)
			if err != nil {
				t.Fatal(err)
			}
			if loaded.Seed != 1 || loaded.Iteration != f.Iteration || !reflect.DeepEqual(loaded.Steps, records(Generate(1, f.Iteration))) {
				t.Fatalf("reproducer %s does not hold iteration %d of seed 1", f.Path, f.Iteration)
			}
			again, err := Replay(context.Background(), Config{Target: startBugServer(t, tt.bug), Deadline: cfg.Deadline}, loaded)
			if err != nil {
				t.Fatal(err)
			}
			if again == nil || again.Kind != tt.kind || again.Rule != tt.rule {
				t.Fatalf("replay on a fresh buggy server found %+v", again)
			}
			fixed, err := Replay(context.Background(), Config{Target: refURL, Deadline: time.Second}, loaded)
			if err != nil || fixed != nil {
				t.Fatalf("replay on the reference server: %+v, %v", fixed, err)
			}
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
	_, err = Run(context.Background(), Config{Target: url, Iterations: 1, Deadline: 200 * time.Millisecond})
	if err == nil || !errors.Is(err, errTargetDown) {
		t.Fatalf("Run against a closed port: %v", err)
	}
}

// TestRunStopsOnTimeAndCancel: Duration and ctx end a run promptly (within
// the iteration in flight), with what was done so far and no error.
func TestRunStopsOnTimeAndCancel(t *testing.T) {
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	const deadline = time.Second
	inFlight := 3*deadline + time.Second // one iteration's worst case, and slack for a loaded machine

	rep, err := Run(context.Background(), Config{Target: url, Seed: 5, Duration: 300 * time.Millisecond, Deadline: deadline})
	if err != nil || rep.Elapsed < 300*time.Millisecond || rep.Elapsed > 300*time.Millisecond+inFlight || rep.Iterations == 0 {
		t.Fatalf("Duration 300ms: %d iterations in %v, %v", rep.Iterations, rep.Elapsed, err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	rep, err = Run(ctx, Config{Target: url, Seed: 5, Iterations: 1 << 30, Deadline: deadline})
	if took := time.Since(start); err != nil || took > time.Second+inFlight || rep.Iterations == 0 || len(rep.Findings) != 0 {
		t.Fatalf("cancelled after 1s: %d iterations in %v, findings %v, %v", rep.Iterations, took, rep.Findings, err)
	}
}
