package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/handshake"
)

// HandshakeHello is the message every accepting handshake case echoes.
const HandshakeHello = "Hello, handshake"

// handshakeTimeout bounds a handshake case: the exchange, a control or
// recheck handshake, and a short session, each with its own deadline.
const handshakeTimeout = 20 * time.Second

// JudgeCouldNotConnect fills r for a handshake case that could not even
// connect to the target.
func JudgeCouldNotConnect(r *Result, err error) {
	r.Behavior, r.BehaviorClose = Failed, CloseFailed
	r.Reason, r.CloseReason = "could not connect: "+err.Error(), "no connection"
}

// JudgeHeld adds to a stall case's verdict how long the target held the
// connection before answering (or giving up).
func JudgeHeld(r *Result, held time.Duration) {
	held = held.Round(10 * time.Millisecond)
	r.Reason += fmt.Sprintf(" (the connection was held for %v)", held)
	r.Observed = append(r.Observed, fmt.Sprintf("connection held for %v", held))
}

// JudgeSessionNotOpened is the close verdict of a case whose session never
// started because the opening handshake failed.
func JudgeSessionNotOpened(r *Result) {
	r.BehaviorClose, r.CloseReason = CloseFailed, "the opening handshake did not complete"
}

// HandshakeOnly marks the close verdict of a case that never opens a
// WebSocket connection: there is no closing handshake to judge.
func HandshakeOnly(r *Result) {
	r.BehaviorClose = CloseOK
	r.CloseReason = "handshake-only case: no WebSocket connection is meant to exist, so there is no closing handshake to judge"
	if r.Behavior == Informational {
		r.BehaviorClose = CloseInformational
	}
}

// JudgeSession judges the session of an accepted handshake case (the echo,
// if the case asks for one, then a normal close) as a scripted case is
// judged, by the case's Expect and Close.
func JudgeSession(r *Result, c *Case, events []observed.Event, st observed.CloseState) {
	r.Close = &st
	r.Observed = append(r.Observed, eventStrings(events)...)
	judge(r, c, events, st)
	r.Reason = "The opening handshake succeeded (a valid 101). " + r.Reason
	if c.Handshake.Accept.Session.Lost == Informational && !r.Passes(true) {
		// The case cannot hold this against the target (see its description).
		r.Behavior, r.BehaviorClose = Informational, CloseInformational
		r.Reason += " (recorded only)"
	}
}

// JudgeHandshake sets the main verdict of a handshake case from the answer
// to its request (JudgeHandshakeAnswer) and, when the answer FAILS or is
// NON-STRICT, the rule it broke: the first rule of a 101 a client must
// reject, else the rule the case's table checks.
func JudgeHandshake(r *Result, x *HandshakeExchange, a HandshakeAnswer, c Control) {
	r.Behavior, r.Reason = JudgeHandshakeAnswer(x, a, c)
	if r.Behavior != Failed && r.Behavior != NonStrict {
		return
	}
	if a.Response != nil && a.Response.Status == 101 && len(a.Violations) > 0 {
		r.Rule, r.RuleSection = a.Violations[0].Rule, a.Violations[0].Section
		return
	}
	r.Rule, r.RuleSection = x.Accept.Breaks.ID, x.Accept.Breaks.Section
}

// JudgeRecheck: after a request that may have hurt the server, a valid
// request on a new connection must still be accepted (§10.4:
// implementations MUST protect themselves against exceeding their limits).
// got is its answer in words, accepted whether it was a valid 101.
func JudgeRecheck(r *Result, got string, accepted bool, violations []handshake.Violation) {
	r.Observed = append(r.Observed, "then, on a new connection, a valid request: "+got)
	if !accepted {
		r.Behavior = Failed
		r.Rule, r.RuleSection = RuleRequestBrokeServer.ID, RuleRequestBrokeServer.Section
		if len(violations) > 0 {
			got += ", " + violationDetails(violations)
		}
		r.Reason += fmt.Sprintf("; afterwards a valid handshake on a new connection got: %s. The request broke the server: §10.4 says implementations MUST protect themselves against exceeding their limits", got)
		return
	}
	r.Reason += "; a valid handshake on a new connection afterwards still succeeded"
}

// brokenAcceptReason is the verdict text of a case whose valid opening
// handshake got a 101 that a client must reject.
func brokenAcceptReason(vs []handshake.Violation) string {
	return "We sent a valid opening handshake and the target answered 101, but " + violationDetails(vs) +
		"; a client MUST fail such a connection (RFC 6455 §4.1), so the case's frames were never sent"
}
