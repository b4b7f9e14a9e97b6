package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// helloText is the message every accepting handshake case echoes.
const helloText = "Hello, handshake"

// handshakeTimeout bounds a handshake case: the exchange, a control or
// recheck handshake, and a short session, each with its own deadline.
const handshakeTimeout = 20 * time.Second

// runHandshake runs a HandshakeExchange case: the request as the case
// writes it, the answer judged by JudgeHandshakeAnswer, then (for a valid 101 the
// rules call OK) the session, or (for a decline that would count against
// the target) the control handshake.
func runHandshake(ctx context.Context, c *Case, env Env) (r Result) {
	x := c.Handshake
	r = baseResult(c)
	req := x.Request(env.Target.NewRequest(), handshake.NewKey)
	wire := x.Wire(req)
	if x.Pipelined {
		wire = frame.New(frame.OpText, []byte(helloText)).Masked(probe.NewMaskKey()).Append(wire)
	}
	wait := env.timeouts().Handshake
	if x.Wait > 0 {
		wait = env.scaled(x.Wait)
	}
	ex := roundTripWait(ctx, env, req, wire, x.Chop, wait)
	defer ex.done(&r) // r is the named result: done sees its final value
	if ex.dialErr != nil {
		r.Behavior, r.BehaviorClose = Failed, CloseFailed
		r.Reason, r.CloseReason = "could not connect: "+ex.dialErr.Error(), "no connection"
		return r
	}
	if x.Accept.CheckDeflate && ex.resp != nil && ex.resp.Status == 101 {
		ex.hs.Violations = append(ex.hs.Violations, checkDeflateResponse(req, ex.resp)...)
	}
	ans := ex.answer()
	var ctl Control
	if x.Accept.NeedsControl(ans) {
		ex.conn.Abort()
		var dialErr error
		ctl, dialErr = controlHandshake(ctx, env)
		if dialErr != nil {
			r.markUnreachable(dialErr) // the engine checks whether the target went down
		}
		r.Observed = append(r.Observed, "then, on a new connection, the minimal valid request: "+ctl.Observed)
		ex.log.Note("control handshake on a new connection: " + ctl.Observed)
	}
	r.Behavior, r.Reason = JudgeHandshakeAnswer(x, ans, ctl)
	if x.StopAfter != "" {
		held := ex.hs.Duration.Round(10 * time.Millisecond)
		r.Reason += fmt.Sprintf(" (the connection was held for %v)", held)
		r.Observed = append(r.Observed, fmt.Sprintf("connection held for %v", held))
	}

	s := x.Accept.Session
	switch {
	case s != nil && ans.Valid101() && r.Behavior == OK:
		ex.log.Note(fmt.Sprintf("opening handshake done in %v", ex.hs.Duration.Round(time.Microsecond)))
		runSession(ctx, env, c, ex, &r)
	case s != nil && r.Behavior == Failed:
		r.BehaviorClose, r.CloseReason = CloseFailed, "the opening handshake did not complete"
	default:
		handshakeOnly(&r)
	}
	if x.Accept.Recheck {
		recheck(ctx, env, ex, &r)
	}
	return r
}

// answer is the exchange as the judges see it.
func (x *exchange) answer() HandshakeAnswer {
	a := HandshakeAnswer{Response: x.resp, Violations: x.hs.Violations}
	if x.resp == nil {
		a.NoResponse, a.TimedOut = describeNoResponse(x.noResponse), isTimeout(x.noResponse)
	}
	return a
}

// controlHandshake sends the minimal valid request on a new connection;
// the error is set when it could not even connect.
func controlHandshake(ctx context.Context, env Env) (Control, error) {
	after := sendWhole(ctx, env, env.Target.NewRequest())
	if after.conn != nil {
		after.conn.Abort()
	}
	accepted := after.resp != nil && after.resp.Status == 101 && len(after.hs.Violations) == 0
	return Control{Ran: true, Accepted: accepted, Observed: after.observed()}, after.dialErr
}

// recheck: after a request that may have hurt the server, a valid request
// on a new connection must still be accepted (§10.4: implementations MUST
// protect themselves against exceeding their limits).
func recheck(ctx context.Context, env Env, ex *exchange, r *Result) {
	if ex.conn != nil {
		ex.conn.Abort()
	}
	after := sendWhole(ctx, env, env.Target.NewRequest())
	if after.conn != nil {
		after.conn.Abort()
	}
	r.Observed = append(r.Observed, "then, on a new connection, a valid request: "+after.observed())
	ex.log.Note("second connection, a valid request: " + after.observed())
	if after.dialErr != nil {
		r.markUnreachable(after.dialErr)
	}
	if after.resp == nil || after.resp.Status != 101 || len(after.hs.Violations) > 0 {
		r.Behavior = Failed
		got := after.observed()
		if len(after.hs.Violations) > 0 {
			got += ", " + violationDetails(after.hs.Violations)
		}
		r.Reason += fmt.Sprintf("; afterwards a valid handshake on a new connection got: %s. The request broke the server: §10.4 says implementations MUST protect themselves against exceeding their limits", got)
		return
	}
	r.Reason += "; a valid handshake on a new connection afterwards still succeeded"
}

// runSession proves an accepted connection works: the echo (if the case
// asks for one), then a normal close, judged by the case's Expect and
// Close as a scripted case is.
func runSession(ctx context.Context, env Env, c *Case, ex *exchange, r *Result) {
	x, s := c.Handshake, c.Handshake.Accept.Session
	conn := ex.conn
	conn.SetDeadline(time.Time{})
	ext := frame.Extensions{}
	if offeredDeflateAccepted(ex.resp) {
		ext = frame.PerMessageDeflate
	}
	conn.Start(ext)
	if s.Echo {
		if !x.Pipelined {
			conn.SendFrame(*textFrame(helloText), probe.Piece{})
		}
		// As the scripted cases' killAfter(time.Second): an echo of a few
		// octets that has not come back by then is not coming.
		echoCtx, cancel := context.WithTimeout(ctx, env.scaled(time.Second))
		awaitMessages(echoCtx, conn, 1)
		cancel()
	}
	closeNormally(ctx, conn, r)
	st := conn.State()
	r.Close = &st
	events := conn.Events()
	r.Observed = append(r.Observed, eventStrings(events)...)
	judge(r, c, events, st)
	r.Reason = "The opening handshake succeeded (a valid 101). " + r.Reason
	if s.Lost == Informational && !r.Passes(true) {
		// The case cannot hold this against the target (see its description).
		r.Behavior, r.BehaviorClose = Informational, CloseInformational
		r.Reason += " (recorded only)"
	}
}
