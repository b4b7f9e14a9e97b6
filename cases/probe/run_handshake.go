package probe

import (
	"context"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// runHandshake runs a HandshakeExchange case: the request as the case
// writes it, the answer judged by JudgeHandshakeAnswer, then (for a valid 101 the
// rules call OK) the session, or (for a decline that would count against
// the target) the control handshake.
func runHandshake(ctx context.Context, c *cases.Case, env Env) (r cases.Result) {
	x := c.Handshake
	r = cases.NewResult(c)
	req := x.Request(env.Target.NewRequest(), handshake.NewKey)
	wire := x.Wire(req)
	if x.Pipelined {
		wire = frame.New(frame.OpText, []byte(cases.HandshakeHello)).Masked(NewMaskKey()).Append(wire)
	}
	wait := env.timeouts().Handshake
	if x.Wait > 0 {
		wait = env.scaled(x.Wait)
	}
	ex := roundTripWait(ctx, env, req, wire, x.Chop, env.scaled(x.Drip), wait)
	defer ex.done(&r) // r is the named result: done sees its final value
	if ex.dialErr != nil {
		cases.JudgeCouldNotConnect(&r, ex.dialErr)
		return r
	}
	if x.Accept.CheckDeflate && ex.resp != nil && ex.resp.Status == 101 {
		ex.hs.Violations = append(ex.hs.Violations, cases.CheckDeflateResponse(req, ex.resp)...)
	}
	ans := ex.answer()
	ans.DeflateOffered = x.Accept.CheckDeflate
	var ctl cases.Control
	if x.Accept.NeedsControl(ans) {
		ex.conn.Abort()
		var dialErr error
		ctl, dialErr = controlHandshake(ctx, env)
		if dialErr != nil {
			r.MarkUnreachable(dialErr) // the engine checks whether the target went down
		}
		r.Observed = append(r.Observed, "then, on a new connection, the minimal valid request: "+ctl.Observed)
		ex.log.Note("control handshake on a new connection: " + ctl.Observed)
	}
	if x.Accept.NeedsDeflateControl(ans) {
		ctl.DeflateRan, ctl.DeflateAccepted, ctl.Observed = deflateControl(ctx, env)
		r.Observed = append(r.Observed, "then, on a new connection, a plain permessage-deflate offer: "+ctl.Observed)
		ex.log.Note("deflate control on a new connection: " + ctl.Observed)
	}
	cases.JudgeHandshake(&r, x, ans, ctl)
	if x.StopAfter != "" || x.Drip > 0 {
		cases.JudgeHeld(&r, ex.hs.Duration)
	}

	s := x.Accept.Session
	switch {
	case s != nil && ans.Valid101() && r.Behavior == cases.OK:
		ex.log.Note(fmt.Sprintf("opening handshake done in %v", ex.hs.Duration.Round(time.Microsecond)))
		runSession(ctx, env, c, ex, &r)
	case s != nil && r.Behavior == cases.Failed:
		cases.JudgeSessionNotOpened(&r)
	default:
		cases.HandshakeOnly(&r)
	}
	if x.Accept.Recheck {
		recheck(ctx, env, ex, &r)
	}
	return r
}

// answer is the exchange as the judges see it.
func (x *exchange) answer() cases.HandshakeAnswer {
	a := cases.HandshakeAnswer{Response: x.resp, Violations: x.hs.Violations}
	if x.resp == nil {
		a.NoResponse, a.TimedOut = describeNoResponse(x.noResponse), isTimeout(x.noResponse)
	}
	return a
}

// controlHandshake sends the minimal valid request on a new connection;
// the error is set when it could not even connect.
func controlHandshake(ctx context.Context, env Env) (cases.Control, error) {
	after := sendWhole(ctx, env, env.Target.NewRequest())
	if after.conn != nil {
		after.conn.Abort()
	}
	accepted := after.resp != nil && after.resp.Status == 101 && len(after.hs.Violations) == 0
	return cases.Control{Ran: true, Accepted: accepted, Observed: after.observed()}, after.dialErr
}

// deflateControl offers a plain permessage-deflate on a new connection: does
// the target implement RFC 7692 at all?
func deflateControl(ctx context.Context, env Env) (ran, accepted bool, observed string) {
	req := env.Target.NewRequest()
	req.Set("Sec-WebSocket-Extensions", "permessage-deflate")
	after := sendWhole(ctx, env, req)
	if after.conn != nil {
		after.conn.Abort()
	}
	accepted = after.resp != nil && after.resp.Status == 101 && len(after.hs.Violations) == 0 && cases.OfferedDeflateAccepted(after.resp)
	observed = after.observed()
	if after.resp != nil && after.resp.Status == 101 {
		observed += fmt.Sprintf(", Sec-WebSocket-Extensions %q", after.resp.Values("Sec-WebSocket-Extensions"))
	}
	return after.dialErr == nil, accepted, observed
}

// recheck: after a request that may have hurt the server, a valid request
// on a new connection must still be accepted (§10.4: implementations MUST
// protect themselves against exceeding their limits).
func recheck(ctx context.Context, env Env, ex *exchange, r *cases.Result) {
	if ex.conn != nil {
		ex.conn.Abort()
	}
	after := sendWhole(ctx, env, env.Target.NewRequest())
	if after.conn != nil {
		after.conn.Abort()
	}
	ex.log.Note("second connection, a valid request: " + after.observed())
	if after.dialErr != nil {
		r.MarkUnreachable(after.dialErr)
	}
	accepted := after.resp != nil && after.resp.Status == 101 && len(after.hs.Violations) == 0
	cases.JudgeRecheck(r, after.observed(), accepted, after.hs.Violations)
}

// runSession proves an accepted connection works: the echo (if the case
// asks for one), then a normal close, judged by the case's Expect and
// Close as a scripted case is.
func runSession(ctx context.Context, env Env, c *cases.Case, ex *exchange, r *cases.Result) {
	x, s := c.Handshake, c.Handshake.Accept.Session
	conn := ex.conn
	conn.nc.SetDeadline(time.Time{})
	ext := frame.Extensions{}
	if cases.OfferedDeflateAccepted(ex.resp) {
		ext = frame.PerMessageDeflate
	}
	conn.Start(ext)
	if s.Echo {
		if !x.Pipelined {
			conn.SendFrame(frame.New(frame.OpText, []byte(cases.HandshakeHello)), Piece{})
		}
		// As the scripted cases' killAfter(time.Second): an echo of a few
		// octets that has not come back by then is not coming.
		echoCtx, cancel := context.WithTimeout(ctx, env.scaled(time.Second))
		awaitMessages(echoCtx, conn, 1)
		cancel()
	}
	closeNormally(ctx, conn, r)
	cases.JudgeSession(r, c, conn.Events(), conn.State())
}
