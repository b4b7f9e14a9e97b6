package probe_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
)

// A send that fails because the target reset the connection is the
// connection going down, known by its errno (EPIPE, ECONNRESET), not by
// words in its text.
func TestIsClosingKnowsResetsByErrno(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		c.Read(make([]byte, 1))       // the client is connected and has written
		c.(*net.TCPConn).SetLinger(0) // close with RST
		c.Close()
	}()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write([]byte("x"))
	io.Copy(io.Discard, c) // until the reset arrives
	var errs []error
	for i := 0; i < 100 && len(errs) < 2; i++ {
		if _, err := c.Write([]byte("after the reset")); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		t.Fatal("writes after a reset all succeeded")
	}
	for _, err := range errs {
		if !errors.Is(err, syscall.EPIPE) && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("write after a reset: %v, want EPIPE or ECONNRESET", err)
		}
		if !probe.IsClosing(err) {
			t.Errorf("IsClosing(%v) = false", err)
		}
	}
	for _, err := range []error{errors.New("target said: connection reset requested"), errors.New("broken pipe in the target's log")} {
		if probe.IsClosing(err) {
			t.Errorf("IsClosing(%q) = true for an error that only says the words", err)
		}
	}
}

// Our deadline and an interrupt both end a case through its ctx; only the
// first is "ended at our timer", and the result says which it was.
func TestDeadlineAndInterruptAreTold(t *testing.T) {
	mute := startCloseBender(t, closeBender{stall: true})
	target, err := probe.ParseTarget(mute)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := cases.Lookup("1.1.1") // an echo that never comes: the kill timer fires
	env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1}
	tests := []struct {
		name     string
		ctx      func() (context.Context, context.CancelFunc)
		error    string
		ourTimer bool
	}{
		{"our timer", func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }, "", true},
		{"interrupted", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(100*time.Millisecond, cancel)
			return ctx, cancel
		}, "run interrupted", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			r := probe.Run(ctx, c, env)
			if r.Error != tc.error || r.EndedAtOurTimer != tc.ourTimer {
				t.Errorf("error %q, ended at our timer %t; want %q, %t (%s)", r.Error, r.EndedAtOurTimer, tc.error, tc.ourTimer, describeResult(r))
			}
		})
	}
}

// The terminal summary shows the close reason under the main one unless
// the close decided the main verdict (the judge says so; no text compare).
func TestSummaryShowsTheCloseReasonOnce(t *testing.T) {
	echoZero := startCloseBender(t, closeBender{reply: echoCode})
	sel := selectCases(t, []string{"7.9.1"}, nil)
	results := runCases(t, echoZero, sel)
	// 7.9.1: the target echoes code 0; WRONG CODE decides the main verdict
	// (section 7), so the summary says it once.
	wantLines := map[string]int{"7.9.1": 1}
	run := &cases.Run{Target: cases.TargetInfo{URL: echoZero, Agent: "echo-zero"}}
	for _, r := range results {
		run.Results = append(run.Results, r)
	}
	var out bytes.Buffer
	reporter.Summary(&out, run, reporter.DefaultGate(false))
	for id, want := range wantLines {
		r := results[id]
		if !r.ReasonIsClose || r.Reason != r.CloseReason {
			t.Fatalf("%s: reason is close %t: %s", id, r.ReasonIsClose, describeResult(r))
		}
		if got := strings.Count(out.String(), r.CloseReason); got != want {
			t.Errorf("%s: close reason printed %d times, want %d:\n%s", id, got, want, out.String())
		}
	}
}
