package serverfuzz

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/fuzz/serverfuzz/internal/planted"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

var update = flag.Bool("update", false, "rewrite testdata/seeds from Seeds()")

// TestSeedsReachFrames: the seeds are sessions the reference server accepts
// and answers frame by frame, without a finding; the decoder's valid
// choices are valid.
func TestSeedsReachFrames(t *testing.T) {
	for i, seed := range Seeds() {
		s := Decode(seed)
		o := referenceTarget.runSession(s)
		if o.finding != nil {
			t.Errorf("seed %d: %v", i, o.finding)
			continue
		}
		status, _, _ := handshake.ValidateRequest(s.Request)
		if status == 101 && o.status != 101 {
			t.Errorf("seed %d: valid request answered %d\n%s", i, o.status, s)
		}
		if len(s.Steps) > 0 && strings.Contains(s.Steps[0].Desc, "message") && o.status == 101 && o.received == 0 {
			t.Errorf("seed %d: a message sent, nothing came back\n%s", i, s)
		}
	}
}

// TestDecodeBounded: any input decodes, deterministically, to a bounded
// session.
func TestDecodeBounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	inputs := Generate(500)
	for range 500 {
		b := make([]byte, rng.IntN(600))
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		inputs = append(inputs, b)
	}
	for _, in := range inputs {
		s := Decode(in)
		if len(s.Steps) > maxSteps {
			t.Fatalf("%d steps from %x", len(s.Steps), in)
		}
		// A few fixed payloads (long lengths, bombs) aside, the wire grows
		// with the input.
		if n := s.WireSize(); n > 64*(1<<20) {
			t.Fatalf("%d octets from %d", n, len(in))
		}
		if again := Decode(in); again.String() != s.String() {
			t.Fatalf("decoding %x twice differs", in)
		}
	}
}

// TestPlantedPanicFound: driven over the seeds and deterministic mutations
// of them, the body finds the planted panic (a 1-octet close body), with a
// reproducer that names it; the same inputs give the same server without
// the bug, and the reference server, no finding.
func TestPlantedPanicFound(t *testing.T) {
	inputs := Generate(3000)
	found := -1
	for i, in := range inputs {
		f := plantedTarget.Check(in)
		if f == nil {
			continue
		}
		if f.Kind != "panic" || !strings.Contains(f.Session.String(), "1-octet body") {
			t.Fatalf("input %d: unexpected finding %v", i, f)
		}
		found = i
		t.Logf("planted panic found at input %d of %d:\n%s", i+1, len(inputs), f.String())
		break
	}
	if found < 0 {
		t.Fatalf("the planted panic was not found in %d inputs", len(inputs))
	}
	for _, tg := range []struct {
		name string
		h    *Harness
	}{{"clean", cleanTarget}, {"reference", referenceTarget}} {
		for i, in := range inputs[:found+1] {
			if f := tg.h.Check(in); f != nil {
				t.Errorf("%s: input %d: %v", tg.name, i, f)
			}
		}
	}
}

// TestFuzzPanicsOnFinding: the go-fuzz body reports a finding by panicking
// with its reproducer, and returns 1 for an accepted session.
func TestFuzzPanicsOnFinding(t *testing.T) {
	trigger := cat(handshakeOctet(0, false), []byte{kindClose, 1, 0xAB})
	func() {
		defer func() {
			r := recover()
			if r == nil || !strings.Contains(fmt.Sprint(r), "close, 1-octet body") {
				t.Errorf("Fuzz did not panic with the reproducer: %v", r)
			}
		}()
		plantedTarget.Fuzz(trigger)
	}()
	if got := cleanTarget.Fuzz(trigger); got != 1 {
		t.Errorf("clean server, accepted session: Fuzz = %d, want 1", got)
	}
}

// Small servers with one defect each, for the finding kinds.

func answer(c net.Conn) (*bufio.Reader, bool) {
	br := bufio.NewReader(c)
	_, ok, err := handshake.Answer(c, br)
	return br, ok && err == nil
}

// untilFrame answers the handshake, waits for the first frame header, then
// runs act.
func untilFrame(act func(c net.Conn, h frame.Header)) func(net.Conn) {
	return func(c net.Conn) {
		br, ok := answer(c)
		if !ok {
			return
		}
		h, err := frame.NewReader(br).Next()
		if err != nil {
			return
		}
		act(c, h)
	}
}

// readForever reads and never closes; it returns once the harness, having
// given up on it, closes the connection.
func readForever(c net.Conn) {
	buf := make([]byte, 4096)
	for {
		if _, err := c.Read(buf); errors.Is(err, net.ErrClosed) {
			return
		}
		time.Sleep(time.Millisecond) // after EOF, Read returns at once
	}
}

func TestFindingKinds(t *testing.T) {
	echo := cat(handshakeOctet(0, false), textMsg(1, 0, "Hello"), closeCode(0))
	tests := []struct {
		name     string
		h        *Harness
		timeout  time.Duration // the default if zero
		kind     string
		rule     string
		inDetail string
	}{
		{"panic in a conn server", ForConn(untilFrame(func(net.Conn, frame.Header) { panic("planted") })), 0, "panic", "", "planted"},
		{"panic in an http.Handler after hijack", ForHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, _, err := http.NewResponseController(w).Hijack(); err == nil {
				panic("hijacked")
			}
		})), 0, "panic", "", "hijacked"},
		{"hang", ForConn(readForever), 300 * time.Millisecond, "hang", "", "did not close"},
		{"memory", ForConn(untilFrame(func(_ net.Conn, h frame.Header) {
			b := make([]byte, 256<<20) // as if allocating an announced length
			time.Sleep(50 * time.Millisecond)
			runtime.KeepAlive(b)
		})), 0, "memory", "", "allocated"},
		{"masked frame", ForConn(untilFrame(func(c net.Conn, h frame.Header) {
			c.Write(frame.New(frame.OpText, []byte("hi")).Masked([4]byte{1, 2, 3, 4}).Bytes())
		})), 0, "violation", frame.RuleServerFrameMasked, "masked"},
		{"data after close", ForConn(untilFrame(func(c net.Conn, h frame.Header) {
			c.Write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Bytes())
			c.Write(frame.New(frame.OpText, []byte("late")).Bytes())
		})), 0, "violation", RuleDataAfterClose, "after its close frame"},
		{"invalid close code", ForConn(untilFrame(func(c net.Conn, h frame.Header) {
			c.Write(frame.New(frame.OpClose, frame.ClosePayload(1005, "")).Bytes())
		})), 0, "violation", frame.RuleCloseCodeInvalid, "1005"},
		{"wrong accept key", ForConn(func(c net.Conn) {
			handshake.ReadRequest(bufio.NewReader(c))
			c.Write(handshake.BuildServerResponse(101, []handshake.Field{
				{Name: "Upgrade", Value: "websocket"}, {Name: "Connection", Value: "Upgrade"},
				{Name: "Sec-WebSocket-Accept", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="}}))
		}), 0, "violation", "response-accept-mismatch", "accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.timeout > 0 {
				tt.h.Timeout = tt.timeout
			}
			f := tt.h.Check(echo)
			if f == nil {
				t.Fatal("no finding")
			}
			if f.Kind != tt.kind || f.Rule != tt.rule || !strings.Contains(strings.ToLower(f.Detail), strings.ToLower(tt.inDetail)) {
				t.Fatalf("finding %s/%s %q; want %s/%s mentioning %q", f.Kind, f.Rule, f.Detail, tt.kind, tt.rule, tt.inDetail)
			}
		})
	}
}

// TestWaive: a waived rule is not a finding.
func TestWaive(t *testing.T) {
	h := ForConn(untilFrame(func(c net.Conn, _ frame.Header) {
		c.Write(frame.New(frame.OpClose, frame.ClosePayload(1005, "")).Bytes())
	}))
	h.Waive = func(rule string) bool { return rule == frame.RuleCloseCodeInvalid }
	if f := h.Check(cat(handshakeOctet(0, false), textMsg(1, 0, "x"))); f != nil {
		t.Fatalf("waived rule reported: %v", f)
	}
}

// TestPipe: the in-memory connection behaves as TCP where the harness and
// net/http rely on it.
func TestPipe(t *testing.T) {
	tests := []struct {
		name string
		run  func(c, s *pipeEnd) error
	}{
		{"half-close: the peer reads the data, then EOF, and can still write back", func(c, s *pipeEnd) error {
			c.Write([]byte("abc"))
			c.CloseWrite()
			got, err := io.ReadAll(s)
			if string(got) != "abc" || err != nil {
				return fmt.Errorf("read %q, %v", got, err)
			}
			if _, err := s.Write([]byte("back")); err != nil {
				return err
			}
			s.Close()
			got, err = io.ReadAll(c)
			if string(got) != "back" || err != nil {
				return fmt.Errorf("read back %q, %v", got, err)
			}
			return nil
		}},
		{"a deadline in the past wakes a blocked read", func(c, s *pipeEnd) error {
			errc := make(chan error, 1)
			go func() { _, err := s.Read(make([]byte, 1)); errc <- err }()
			time.Sleep(10 * time.Millisecond)
			s.SetReadDeadline(time.Unix(1, 0))
			if err := <-errc; !errors.Is(err, os.ErrDeadlineExceeded) {
				return fmt.Errorf("read error %v", err)
			}
			s.SetReadDeadline(time.Time{})
			c.Write([]byte("x"))
			_, err := s.Read(make([]byte, 1))
			return err
		}},
		{"writes to a closed peer fail", func(c, s *pipeEnd) error {
			s.Close()
			if _, err := c.Write([]byte("x")); err == nil {
				return errors.New("write succeeded")
			}
			return nil
		}},
		{"a full buffer blocks the writer until read", func(c, s *pipeEnd) error {
			done := make(chan error, 1)
			go func() { _, err := c.Write(make([]byte, 3*pipeBuffer)); done <- err }()
			n, err := io.ReadFull(s, make([]byte, 3*pipeBuffer))
			if err != nil || n != 3*pipeBuffer {
				return fmt.Errorf("read %d, %v", n, err)
			}
			return <-done
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s := newPipe(pipeBuffer)
			defer c.Close()
			defer s.Close()
			if err := tt.run(c, s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestSeedFiles: testdata/seeds holds Seeds() as files, the seed corpus of
// `make gofuzz` for the server targets (-update rewrites it).
func TestSeedFiles(t *testing.T) {
	dir := filepath.Join("testdata", "seeds")
	seeds := Seeds()
	if *update {
		os.RemoveAll(dir)
		os.MkdirAll(dir, 0o755)
		for i, s := range seeds {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)), s, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(seeds) {
		t.Fatalf("%d seed files, %d seeds: run go test ./fuzz/serverfuzz -run TestSeedFiles -update", len(entries), len(seeds))
	}
	for i, s := range seeds {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("seed-%02d", i)))
		if err != nil || !bytes.Equal(b, s) {
			t.Fatalf("seed-%02d differs from Seeds()[%d] (%v): run with -update", i, i, err)
		}
	}
}

// TestReplayGoFuzzCorpus: the corpus and crashers go-fuzz runs left in
// testdata/gofuzz/<target>/ (make gofuzz writes there) replay without a
// finding through the servers that have no planted bug, so what go-fuzz
// learned stays a regression test of plain go test.
func TestReplayGoFuzzCorpus(t *testing.T) {
	targets := map[string]*Harness{"FuzzRawReference": referenceTarget, "FuzzRawPlantedClean": cleanTarget}
	n := 0
	for name, h := range targets {
		for _, sub := range []string{"corpus", "crashers"} {
			dir := filepath.Join("testdata", "gofuzz", name, sub)
			entries, err := os.ReadDir(dir)
			if os.IsNotExist(err) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				if strings.HasSuffix(e.Name(), ".quoted") || strings.HasSuffix(e.Name(), ".output") {
					continue
				}
				b, err := os.ReadFile(filepath.Join(dir, e.Name()))
				if err != nil {
					t.Fatal(err)
				}
				if f := h.Check(b); f != nil {
					t.Errorf("%s/%s: %s", dir, e.Name(), f)
				}
				n++
			}
		}
	}
	if n == 0 {
		t.Fatal("no go-fuzz corpus under testdata/gofuzz/: the replay covers nothing")
	}
	t.Logf("%d go-fuzz inputs replayed", n)
}

// TestGoFuzzPlantedCrasher: the crasher `make gofuzz
// GOFUZZ_TARGET=FuzzRawPlantedClose` found (and minimized to 3 octets)
// still makes the planted server panic, and the clean twin does not.
func TestGoFuzzPlantedCrasher(t *testing.T) {
	dir := filepath.Join("testdata", "gofuzz", "FuzzRawPlantedClose", "crashers")
	b, err := os.ReadFile(filepath.Join(dir, "3089281e44f72987c8e57e0eca15099f967b3609"))
	if err != nil {
		t.Fatal(err)
	}
	if f := plantedTarget.Check(b); f == nil || f.Kind != "panic" {
		t.Fatalf("planted server on the go-fuzz crasher %q: %v", b, f)
	}
	if f := cleanTarget.Check(b); f != nil {
		t.Fatalf("clean server on the go-fuzz crasher: %v", f)
	}
}

// BenchmarkSession: one session per op, the seeds in turn, without a
// fuzzing engine: the harness's own ceiling for execs/s, with the
// goroutine leak check off, at its default (every 16th session) and after
// every session.
func BenchmarkSession(b *testing.B) {
	seeds := Seeds()
	for _, tg := range []struct {
		name  string
		serve func(net.Conn)
	}{{"reference", server.New(server.Config{MaxMessageSize: 1 << 20}).ServeConn}, {"planted-clean", planted.EchoServer(false)}} {
		for _, every := range []int{-1, DefaultLeakEvery, 1} {
			b.Run(fmt.Sprintf("%s/leak-every=%d", tg.name, every), func(b *testing.B) {
				h := ForConn(tg.serve)
				h.LeakEvery = every
				i := 0
				for b.Loop() {
					h.Fuzz(seeds[i%len(seeds)])
					i++
				}
			})
		}
	}
}
