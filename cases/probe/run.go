package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
)

// Env is where and how cases run.
type Env struct {
	Target   Target
	Timeouts Timeouts
	Scale    float64 // timeout multiplier for slow targets (Run makes 0 mean 1)
	// Keys, when testing clients, holds the Sec-WebSocket-Key of every
	// connection of the run (16.2.2 asks whether a key came before).
	Keys *KeyLog
	// Origin, when the target is an intermediary in front of an origin
	// server of ours (run --upstream), is that server: section 19 cases
	// compare what reached it with what we sent.
	Origin *Origin
}

// scaled is d stretched by the timeout multiplier.
func (e Env) scaled(d time.Duration) time.Duration { return time.Duration(float64(d) * e.Scale) }

// timeouts are the connection timeouts stretched by the multiplier.
func (e Env) timeouts() Timeouts { return e.Timeouts.Scale(e.Scale) }

// Run runs one case of the catalogue against env's target on real
// connections and has the case's pure judges (package cases) decide its
// verdicts. It never returns before the connection is gone, and never later
// than the case's deadline (or ctx).
func Run(ctx context.Context, c *cases.Case, env Env) cases.Result {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	ctx, cancel := context.WithTimeout(ctx, c.Deadline(env.Scale))
	defer cancel()
	start := time.Now()
	var r cases.Result
	switch {
	case c.API != nil || c.ClientRule != nil: // cases.Select never picks them
		r = cases.NotRunResult(c, "a case that tests clients: only `wsconform clients` plays it")
	case env.Target.HTTP2 && c.NotOverHTTP2() != "":
		r = cases.NotRunResult(c, "not run over HTTP/2: "+c.NotOverHTTP2())
	case c.H2 != nil:
		r = runH2(ctx, c, env, start)
	case c.Handshake != nil:
		r = runHandshake(ctx, c, env)
	case c.Compression != nil:
		r = runCompression(ctx, c, env, start)
	case c.Resource != nil:
		r = runResource(ctx, c, env, start)
	case c.Intermediary != nil:
		r = runIntermediary(ctx, c, env, start)
	default:
		r = runScript(ctx, c, env, start)
	}
	cases.Complete(&r, c, start)
	return r
}

// runScript plays a case's Steps and its timer, closing as soon as the
// events match an expected outcome.
func runScript(ctx context.Context, c *cases.Case, env Env, start time.Time) cases.Result {
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	log := NewWireLog(start)
	var conn *Conn
	var hs *observed.Handshake
	var err error
	if c.Deflate != nil {
		var agreed *deflate.Params
		conn, hs, agreed, err = OpenDeflate(ctx, env.Target, env.timeouts(), log, c.Deflate.Offers)
		if err == nil && agreed == nil {
			r.Handshake = hs
			closeNormally(ctx, conn, &r)
			cases.JudgeDeflateDeclined(&r, c, c.Deflate.Declined, conn.State())
			r.WireLog = log.Entries()
			return r
		}
	} else {
		conn, hs, err = Open(ctx, env.Target, env.timeouts(), log, nil)
	}
	r.Handshake = hs
	if err != nil {
		if c.Deflate == nil || !cases.JudgeRefusedDeflateAnswer(&r, c, hs) {
			openFailed(&r, err, hs, log)
		}
		r.WireLog = log.Entries()
		return r
	}
	return driveScript(ctx, c, env, conn, hs, log, start)
}

// driveScript runs c's steps on an open connection (either role), arms its
// timer, waits for the connection to end and judges what happened.
func driveScript(ctx context.Context, c *cases.Case, env Env, conn *Conn, hs *observed.Handshake, log *WireLog, start time.Time) cases.Result {
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	r.Handshake = hs
	if c.Echoes != nil {
		conn.Quiet(true) // bulk transfer: keep the notes, not megabytes of previews
	}
	// Performance-style durations run from the first frame to the last
	// echo, read off the event timestamps (same clock as the wire log).
	stepsStartAt := time.Since(start)
	stepsDone := make(chan struct{})
	go func() {
		defer close(stepsDone)
		runSteps(ctx, conn, c)
	}()

	// Autobahn closes as soon as the events match an expected outcome (once
	// every frame is out), so happy paths end fast instead of at the timer.
	autoClosed := false
	closeIfExpected := func() {
		if c.Close.ClosedByMe && !autoClosed && !conn.Closing() && expectedReached(c, conn) {
			autoClosed = true
			log.Note("events match an expected outcome: closing normally")
			conn.SendClose(1000, "")
		}
	}
	var timer <-chan time.Time
	steps := stepsDone
	for done := false; !done; {
		wake := conn.Wake()
		if steps == nil {
			closeIfExpected()
		}
		select {
		case <-steps:
			steps = nil
			t := time.NewTimer(env.scaled(c.Timer.After))
			defer t.Stop()
			timer = t.C
			log.Note(fmt.Sprintf("all frames sent; timer armed: %s after %v", c.Timer.Kind, c.Timer.After))
		case <-timer:
			timer = nil
			if conn.Closing() {
				continue
			}
			log.Note("timer fired: " + c.Timer.Kind.String())
			r.EndedAtOurTimer = true
			if c.Timer.Kind == cases.KillAfter {
				conn.Fail(1001, "Going Away")
			} else {
				conn.SendEmptyClose()
			}
		case <-wake:
		case <-conn.Done():
			done = true
		case <-ctx.Done():
			conn.Abandon(outstanding(c.Deadline(env.Scale), steps != nil, conn.State()))
			<-conn.Done()
			done = true
			stopped(ctx, &r)
		}
	}
	<-stepsDone
	r.WireLog = log.Entries()
	r.Duration = time.Since(start)
	cases.JudgeScript(&r, c, cases.ScriptRun{
		Events:         conn.Events(),
		Close:          conn.State(),
		FailFastOffset: conn.OctetsSentAtRemoteClose(),
		StepsStartedAt: stepsStartAt,
	})
	return r
}

// openFailed fills r for a case whose connection never opened; a refused
// dial is marked so the engine can tell a crashed target from a bad one.
func openFailed(r *cases.Result, err error, hs *observed.Handshake, log *WireLog) {
	cases.JudgeNoConnection(r, err, hs)
	var op *net.OpError
	if hs == nil && errors.As(err, &op) && op.Op == "dial" {
		r.MarkUnreachable(err)
	}
	r.WireLog = log.Entries()
}

// closeNormally starts a normal close (unless one is under way) and waits
// for the connection to end, or abandons it at ctx's deadline.
func closeNormally(ctx context.Context, conn *Conn, r *cases.Result) {
	if !conn.Closing() {
		conn.SendClose(1000, "")
	}
	select {
	case <-conn.Done():
	case <-ctx.Done():
		conn.Abandon(outstanding(0, false, conn.State()))
		<-conn.Done()
		stopped(ctx, r)
	}
}

// stopped records why ctx ended a case: its deadline (ours, so the case
// ended at our timer) or the run being interrupted.
func stopped(ctx context.Context, r *cases.Result) {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		r.Error, r.EndedAtOurTimer = "case deadline exceeded", true
		return
	}
	r.Error = "run interrupted"
}

// outstanding says what we were still doing or waiting for when our case
// deadline (of deadline, if known) ended the connection.
func outstanding(deadline time.Duration, sending bool, st observed.CloseState) string {
	at := ""
	if deadline > 0 {
		at = fmt.Sprintf("of %v ", deadline)
	}
	switch {
	case sending:
		return at + "while our frames were still being sent"
	case st.HandshakeDone():
		return at + "while waiting for " + st.Peer() + " to close TCP after the closing handshake"
	case st.SentClose:
		return at + "while waiting for " + st.Peer() + "'s answer to our close frame"
	case st.ReceivedClose:
		return at + "while answering " + st.Peer() + "'s close frame"
	}
	return at + "while waiting for " + st.Peer() + "'s answer"
}

// runSteps plays the case's steps in order, corking the runs of steps
// marked Corked into one TCP write.
func runSteps(ctx context.Context, conn *Conn, c *cases.Case) {
	corked := false
	defer func() {
		if corked {
			conn.Uncork()
		}
	}()
	for _, s := range c.Steps {
		if ctx.Err() != nil {
			return
		}
		if s.Corked && !corked {
			conn.Cork()
			corked = true
		}
		if !runStep(ctx, conn, s) {
			return
		}
		if corked && !s.Corked {
			corked = false
			if err := conn.Uncork(); err != nil {
				return
			}
		}
	}
}

// runStep performs one step; false ends the script (the connection is
// closing or gone).
func runStep(ctx context.Context, conn *Conn, s cases.Step) bool {
	switch {
	case s.Frame != nil:
		p := Piece{Chop: s.Chop, Unmasked: s.Unmasked, Force: true, Raw: true}
		for _, cut := range s.Cuts {
			at := cut.At
			if conn.server && !s.Frame.Header.Masked {
				// Cuts count the header as a client sends it; a server's
				// carries no 4-octet masking key, and the cut must fall
				// at the same payload octet.
				at -= 4
			}
			p.Cuts = append(p.Cuts, at)
		}
		p.Between = func(i int) bool { return pause(ctx, conn, s.Cuts[i].Pause, s.Cuts[i].Marker) }
		base := conn.MessageCount()
		for i := range max(1, s.RoundTrips) {
			if err := conn.SendFrame(*s.Frame, p); err != nil {
				return false
			}
			if s.RoundTrips > 0 && !awaitMessages(ctx, conn, base+i+1) {
				return false
			}
		}
	case s.Close != nil:
		if err := conn.SendCloseRaw(s.Close); err != nil {
			return false
		}
	case s.Message != nil:
		for f := range s.Message.Frames() {
			if err := conn.SendFrame(f, Piece{Chop: s.Chop, Unmasked: s.Unmasked, Force: true, Raw: true}); err != nil {
				return false
			}
		}
	case s.Raw != nil:
		if err := conn.WriteRaw(s.Raw, s.Chop); err != nil {
			return false
		}
	case s.AwaitEcho > 0:
		if !awaitMessages(ctx, conn, s.AwaitEcho) {
			return false
		}
	case s.Pause > 0:
		if !pause(ctx, conn, s.Pause, s.Marker) {
			return false
		}
	}
	return true
}

// pause waits d; it reports false if the connection started closing, and
// records the marker if it did not (Autobahn's continueLater).
func pause(ctx context.Context, conn *Conn, d time.Duration, marker string) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-conn.Done():
			return false
		case <-t.C:
			if conn.Closing() {
				return false
			}
			if marker != "" {
				conn.Mark(marker)
			}
			return true
		}
	}
}

func awaitMessages(ctx context.Context, conn *Conn, n int) bool {
	for {
		wake := conn.Wake()
		if conn.MessageCount() >= n {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-conn.Done():
			return false
		case <-wake:
		}
	}
}

// expectedReached: every echo of a performance case is back (counted, not
// copied: these cases exchange thousands of messages), or the events so far
// equal an acceptable outcome.
func expectedReached(c *cases.Case, conn *Conn) bool {
	if c.Echoes != nil {
		return conn.MessageCount() >= c.Echoes.Count
	}
	// Counted first: a target flooding events must not make every wake-up
	// copy the whole record.
	n := conn.EventCount()
	if !slices.ContainsFunc(c.Expect, func(o cases.Outcome) bool { return len(o.Events) == n }) {
		return false
	}
	return c.MatchedOutcome(conn.Events()) != nil
}
