package netfuzz

import (
	"cmp"
	"context"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
)

// runSteps is one iteration: open a connection, send steps, wait for the
// answer judge says is owed, then check the target still accepts
// connections. It returns the finding, if any; an error means the iteration
// could not be run (the handshake failed, or ctx ended).
func runSteps(ctx context.Context, t probe.Target, deadline time.Duration, steps []Step) (*Finding, error) {
	want := judge(wireOf(steps))
	log := probe.NewWireLog(time.Now())
	ictx, cancel := context.WithTimeout(ctx, 3*deadline) // the whole connection, whatever happens
	defer cancel()
	to := probe.Timeouts{Dial: deadline, Handshake: deadline, CloseWait: deadline, DropWait: deadline}
	c, _, err := probe.Open(ictx, t, to, log, nil)
	if err != nil {
		return nil, fmt.Errorf("opening handshake: %w", err)
	}
	for _, s := range steps {
		// A send fails once the server has closed on us, which is what a
		// broken rule earlier in the sequence should cause.
		if err := c.SendFrame(s.Frame, probe.Piece{Chop: s.Chop, Unmasked: !s.Frame.Header.Masked, Force: true}); err != nil {
			break
		}
	}
	answered := waitForEnd(ictx, c, deadline, want.MustEnd)
	c.Abort()
	<-c.Done()
	if ended(ctx) {
		return nil, cmp.Or(ctx.Err(), context.DeadlineExceeded)
	}

	st := c.State()
	var f *Finding
	switch {
	case st.PeerViolation != "":
		f = &Finding{Kind: KindViolation, Rule: st.PeerRule, Detail: "the server broke " + st.PeerViolation}
	case want.MustEnd && !answered:
		f = &Finding{Kind: KindHang, Rule: want.Rule, Detail: fmt.Sprintf("no close frame and no TCP close within %v", deadline)}
	}
	if err := alive(ctx, t, deadline); err != nil && !ended(ctx) {
		f = &Finding{Kind: KindCrash, Rule: "target-down", Detail: err.Error()}
	}
	if f != nil {
		f.Expect = want.Why
		f.Steps = records(steps)
		f.Close = st
		f.Wire = log.Entries()
	}
	return f, nil
}

// waitForEnd waits for the server's close frame or TCP close. When one is
// owed it waits up to deadline and reports whether it came; otherwise it
// gives the server a short moment (a crash shows in the liveness check).
// A frame of the server's that broke a rule ends the wait at once.
// Once the server has answered, it lets the closing handshake finish so
// that every frame the server sent is checked.
func waitForEnd(ctx context.Context, c *probe.Conn, deadline time.Duration, owed bool) (answered bool) {
	wait := deadline
	if !owed {
		wait = min(deadline/10, 50*time.Millisecond)
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		wake := c.Wake()
		st := c.State()
		if st.PeerViolation != "" {
			return true // already a finding; no need to wait for the rest
		}
		if st.ReceivedClose {
			break
		}
		select {
		case <-c.Done():
			return true
		case <-wake:
		case <-timer.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
	}
	return true
}
