package cases

import (
	"errors"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// errTargetDown is the error text of a case that could not even connect
// (see Result.Unreachable).
var errTargetDown = errors.New("target not accepting connections")

// Complete fills what every result carries from its case (ids, texts,
// what was expected) once the case has run; start is when it began.
func Complete(r *Result, c *Case, start time.Time) {
	r.ID, r.Title, r.Description, r.Clauses, r.Level, r.Labels = c.ID, c.Title, c.Description, c.Clauses, c.Level, c.Labels
	r.Started = start
	if r.Duration == 0 {
		r.Duration = time.Since(start)
	}
	if r.Observed == nil {
		r.Observed = []string{}
	}
	if r.Expected == nil {
		switch {
		case c.Compression != nil:
			r.Expected = c.Compression.expected()
		case c.Handshake != nil && c.Handshake.Accept.Session == nil:
			r.Expected = c.Handshake.Accept.expectedAnswers()
		default:
			r.Expected = expectedOutcomes(c.Expect)
		}
	}
	if r.ExpectedClose == nil && c.judgesClose() {
		r.ExpectedClose = c.Close.View()
	}
}

func expectedOutcomes(outcomes []Outcome) []ExpectedOutcome {
	var out []ExpectedOutcome
	for _, o := range outcomes {
		out = append(out, ExpectedOutcome{Verdict: o.Verdict, Events: eventStrings(o.Events)})
	}
	return out
}

// View renders the close expectation for reports.
func (e CloseExpect) View() *CloseExpectView {
	v := &CloseExpectView{ClosedByMe: e.ClosedByMe, RequireClean: e.RequireClean, Codes: []int{}}
	for _, code := range e.Codes {
		v.Codes = append(v.Codes, int(code))
	}
	return v
}

// A result lists at most ObservedHead+ObservedTail events, the first and
// the last, with a line saying how many are left out between them: the
// probe records thousands from a flooding target, a reader needs the edges.
const (
	ObservedHead = 80
	ObservedTail = 20
)

func eventStrings(es []observed.Event) []string {
	const head, tail = ObservedHead, ObservedTail
	if len(es) <= head+tail {
		out := make([]string, 0, len(es))
		for _, e := range es {
			out = append(out, e.String())
		}
		return out
	}
	out := make([]string, 0, head+tail+1)
	for _, e := range es[:head] {
		out = append(out, e.String())
	}
	out = append(out, fmt.Sprintf("… truncated: %d more events not listed …", len(es)-head-tail))
	for _, e := range es[len(es)-tail:] {
		out = append(out, e.String())
	}
	return out
}

// ScriptRun is what running a scripted case (Steps) showed.
type ScriptRun struct {
	Events []observed.Event
	Close  observed.CloseState
	// FailFastOffset is how many octets of the script we had written when
	// the target's close frame arrived (-1: it did not close first).
	FailFastOffset int64
	// StepsStartedAt is when the first step began, on the events' clock:
	// performance-style durations run from there to the last echo.
	StepsStartedAt time.Duration
}

// JudgeScript sets both verdicts of a scripted case, and what the result
// shows of the run.
func JudgeScript(r *Result, c *Case, run ScriptRun) {
	st := run.Close
	r.Close = &st
	r.Observed = eventStrings(run.Events)
	r.FailFastOffset = run.FailFastOffset
	judge(r, c, run.Events, st)
	if c.FailFastAt > 0 {
		at := c.FailFastAt
		if st.IsServer {
			at = firstInvalidOctet(c.Steps, true)
		}
		r.Reason += failFastNote(at, r.FailFastOffset, st)
	}
	if c.Echoes != nil {
		judgeEchoes(r, c, run.Events, lastEchoAt(run.Events, c.Echoes)-run.StepsStartedAt, st)
		judgeDataAfterClose(r, c, st)
	}
	nameScriptRule(r, c, run.Events, st)
}

// JudgeNoConnection fills r for a case whose WebSocket connection never
// opened: err says why, hs is the opening handshake if one was attempted
// (a 101 that breaks a rule a client must enforce names that rule).
func JudgeNoConnection(r *Result, err error, hs *observed.Handshake) {
	r.Behavior, r.BehaviorClose = Failed, CloseFailed
	r.Reason = "no WebSocket connection: " + err.Error()
	if hs != nil && len(hs.Violations) > 0 {
		r.Reason = brokenAcceptReason(hs.Violations)
		r.Rule, r.RuleSection = hs.Violations[0].Rule, hs.Violations[0].Section
	}
	r.CloseReason = "the opening handshake did not complete"
}

// MatchedOutcome is the expected outcome that events equal, or nil.
func (c *Case) MatchedOutcome(events []observed.Event) *Outcome {
	for i := range c.Expect {
		if eventsEqual(c.Expect[i].Events, events) {
			return &c.Expect[i]
		}
	}
	return nil
}

func eventsEqual(want, got []observed.Event) bool {
	if len(want) != len(got) {
		return false
	}
	for i := range want {
		w, g := want[i], got[i]
		if w.Kind != g.Kind || w.Binary != g.Binary || w.Tag != g.Tag || !g.SamePayload(w.Payload) {
			return false
		}
	}
	return true
}

// judge computes both verdicts the way Autobahn does (see
// shared/research/autobahn.md §3), including its cross-links, and judges
// the target's close frame whoever sent the first one.
func judge(r *Result, c *Case, events []observed.Event, st observed.CloseState) {
	r.Behavior = Failed
	matched := c.MatchedOutcome(events)
	if matched != nil {
		r.Behavior = matched.Verdict
	}
	r.Reason = mainReason(c, events, st, matched)
	r.ReasonIsClose = false

	want := c.Close
	nonStrictCode := st.RemoteCode != nil && codeIn(*st.RemoteCode, want.NonStrictCodes)
	// A code the RFC allows but Autobahn rejects (1004) breaks our close
	// code rule; that rule alone does not make the close frame bad.
	badCloseFrame := st.RemoteCloseViolation != "" && !(nonStrictCode && st.RemoteCloseRule == frame.RuleCloseCodeInvalid)
	r.Rule, r.RuleSection = st.PeerRule, st.PeerSection
	if badCloseFrame {
		r.Rule, r.RuleSection = st.RemoteCloseRule, st.RemoteCloseSection
	}
	badClose := false
	switch {
	case st.ClosedByMe != want.ClosedByMe:
		r.BehaviorClose = CloseFailed
		if st.ClosedByMe {
			r.CloseReason = sentence(weSent(c) + whatWeDid(c, st) + "; " + failRequirement(c, st))
		} else {
			r.CloseReason = sentence(fmt.Sprintf("%s%s; %s require%s %s to process it, keep the connection open until our close frame and answer that", weSent(c), targetEnded(st), clausesText(c.Clauses), plural(c.Clauses), st.Peer()))
		}
	case badCloseFrame:
		// A close frame that breaks a rule is judged before the clean
		// shutdown: an UNCLEAN verdict passes a non-strict run, a broken
		// MUST must not. A code that no endpoint may send, or that the
		// case does not accept, is WRONG CODE, as Autobahn has it (7.9.1
		// echoed, 7.5.1 answered 1000 with our bad reason); any other
		// fault is FAILED. An unmasked client close frame is FAILED
		// whatever code it seems to carry: a client that masks the
		// payload but not the header sends a code that is noise.
		badClose = true
		if code := st.RemoteCode; code != nil && (!code.ValidOnWire() || !codeIn(*code, want.Codes)) && !nonStrictCode && st.RemoteCloseRule != frame.RuleClientFrameUnmasked {
			r.BehaviorClose, r.CloseReason = CloseWrongCode, wrongCodeText(c, st)
		} else {
			r.BehaviorClose = CloseFailed
			r.CloseReason = sentence(weSent(c) + st.Peer() + "'s close frame breaks " + st.RemoteCloseViolation)
		}
	case st.IsServer && st.CloseTimeout:
		// A client that leaves our close unanswered breaks §5.5.1's MUST
		// and would hold the connection half-open: FAILED, not the
		// UNCLEAN a non-strict run lets pass.
		r.BehaviorClose, r.CloseReason = CloseFailed, sentence(weSent(c)+uncleanText(st))
	case want.RequireClean && !st.Clean:
		r.BehaviorClose, r.CloseReason = CloseUnclean, sentence(weSent(c)+uncleanText(st))
	case nonStrictCode:
		r.BehaviorClose = CloseOK
		r.CloseReason = sentence(fmt.Sprintf("%s%s accepted it and answered with close code %s; RFC 6455 §7.4.1 only reserves %s without forbidding it, so this passes, though Autobahn expects %s", weSent(c), st.Peer(), st.RemoteCode, codeText(st.LocalCode), codesText(want.Codes)))
		if r.Behavior == OK {
			r.Behavior, r.Reason, r.ReasonIsClose = NonStrict, r.CloseReason, true
		}
	case st.RemoteCode != nil && !codeIn(*st.RemoteCode, want.Codes):
		r.BehaviorClose, r.CloseReason = CloseWrongCode, wrongCodeText(c, st)
	case st.DroppedByMe && !st.IsServer:
		// Against a client we are the server, whose job closing TCP is
		// (§7.1.1): there is no FAILED BY CLIENT.
		r.BehaviorClose = CloseFailedByProbe
		if st.Abandoned != "" {
			r.CloseReason = sentence(weSent(c) + "we gave up at our case deadline " + st.Abandoned + " and dropped TCP; RFC 6455 §7.1.1 requires the server to close TCP first")
		} else {
			r.CloseReason = sentence(weSent(c) + "the closing handshake completed but the target did not close TCP, so we dropped it; RFC 6455 §7.1.1 requires the server to close TCP first")
		}
	default:
		r.BehaviorClose = CloseOK
		r.CloseReason = sentence(weSent(c) + closedAsRequired(c, st))
	}

	if want.WrongEndpointFatal && st.ClosedByMe && !want.ClosedByMe {
		r.Behavior, r.Reason, r.ReasonIsClose = Failed, r.CloseReason, true
	}
	if want.WrongCodeFails && (r.BehaviorClose == CloseWrongCode || badClose) {
		r.Behavior, r.Reason, r.ReasonIsClose = Failed, r.CloseReason, true
	}
	if want.Informational {
		r.Behavior, r.BehaviorClose = Informational, CloseInformational
		r.Reason = sentence(fmt.Sprintf("%s%s; %s leave%s this behaviour to the implementation, so it is recorded only", weSent(c), describeEvents(events, st), clausesText(c.Clauses), plural(c.Clauses)))
		r.CloseReason, r.ReasonIsClose = r.Reason, true
	}
	judgeDataAfterClose(r, c, st)
}

// judgeDataAfterClose fails both verdicts of a target that sent a data
// frame after its own close frame (§5.5.1): whoever started the close and
// whatever the case tests, it broke a MUST. Judges that replace the main
// verdict (echoes, compression) call it last.
func judgeDataAfterClose(r *Result, c *Case, st observed.CloseState) {
	if st.DataAfterClose == "" {
		return
	}
	r.Rule, r.RuleSection = frame.RuleDataAfterClose, "RFC 6455 §5.5.1"
	r.Behavior, r.BehaviorClose = Failed, CloseFailed
	r.Reason = sentence(weSent(c) + st.Peer() + " broke " + st.DataAfterClose +
		"; RFC 6455 §5.5.1 requires that an endpoint send no data frame after its close frame")
	r.CloseReason, r.ReasonIsClose = r.Reason, true
}

// closedAsRequired describes a close that passed.
func closedAsRequired(c *Case, st observed.CloseState) string {
	switch {
	case st.ClosedByMe && st.ReceivedClose && st.IsServer:
		return "the client answered our close with " + codeText(st.RemoteCode) + " and we closed TCP as the server, as RFC 6455 §5.5.1 and §7.1.1 require"
	case st.ClosedByMe && st.ReceivedClose:
		return "the target answered our close with " + codeText(st.RemoteCode) + " and closed TCP, as RFC 6455 §5.5.1 and §7.1.1 require"
	case st.ReceivedClose:
		return fmt.Sprintf("%s failed the connection with %s, as %s require%s", st.Peer(), codeText(st.RemoteCode), clausesText(c.Clauses), plural(c.Clauses))
	}
	return st.Peer() + " dropped TCP without a close frame, which failing the connection allows (RFC 6455 §7.1.7)"
}

// failFastNote says where the target gave up relative to the first invalid
// octet (Autobahn only says "early" or "late").
func failFastNote(invalidAt, closedAt int64, st observed.CloseState) string {
	if closedAt < 0 {
		return fmt.Sprintf("; the first invalid octet was octet %d of what we sent; %s sent no close frame before we stopped", invalidAt, st.Peer())
	}
	return fmt.Sprintf("; the first invalid octet was octet %d of what we sent, %s's close frame arrived after %d octets (%d past it)",
		invalidAt, st.Peer(), closedAt, closedAt-invalidAt)
}

func describeEvents(events []observed.Event, st observed.CloseState) string {
	s := cameBack(events, st)
	if st.ReceivedClose {
		s += "; " + st.Peer() + "'s close frame had " + codeText(st.RemoteCode)
	}
	return s
}

func codeIn(c frame.CloseCode, list []frame.CloseCode) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// lastEchoAt is when the last expected echo arrived, or 0 if it did not.
func lastEchoAt(events []observed.Event, want *EchoCheck) time.Duration {
	n := 0
	for _, e := range events {
		if e.Kind == observed.Message {
			n++
			if n == want.Count {
				return e.At
			}
		}
	}
	return 0
}

// judgeEchoes replaces the main verdict of a performance-style case: OK
// when every echo came back with the right type and length in time.
func judgeEchoes(r *Result, c *Case, events []observed.Event, took time.Duration, st observed.CloseState) {
	r.ReasonIsClose = false
	want := c.Echoes
	var got int
	var octets int64
	for _, e := range events {
		if e.Kind == observed.Omitted && got < want.Count {
			r.Behavior = Failed
			r.Reason = fmt.Sprintf("%d echoes checked, then %s sent more events than the probe records (%s): the rest cannot be checked",
				got, st.Peer(), e.Omitted)
			return
		}
		if e.Kind != observed.Message {
			continue
		}
		if e.Binary != want.Binary || e.PayloadLen() != want.Length {
			r.Behavior = Failed
			r.Reason = sentence(fmt.Sprintf("%secho %d came back as %s; %s require%s each message back with its type and length (%s)",
				weSent(c), got+1, e.String(), clausesText(c.Clauses), plural(c.Clauses), echoShape(want)))
			return
		}
		got++
		octets += int64(e.PayloadLen())
	}
	stats := &PerfStats{Messages: got, OctetsEchoed: octets, OctetsSent: int64(want.Count) * int64(want.Length)}
	if took > 0 {
		stats.ThroughputMBps = float64(octets) / took.Seconds() / 1e6
		r.Duration = took
	}
	r.Perf = stats
	if got < want.Count {
		r.Behavior = Failed
		r.Reason = sentence(fmt.Sprintf("%s%d of %d echoes came back within our %v deadline; %s require%s every message back (%s)",
			weSent(c), got, want.Count, c.Timer.After, clausesText(c.Clauses), plural(c.Clauses), echoShape(want)))
		return
	}
	r.Behavior = OK
	all := fmt.Sprintf("all %d echoes", got)
	if got == 1 {
		all = "the echo"
	}
	round := time.Millisecond
	if took < 10*time.Millisecond {
		round = time.Microsecond
	}
	r.Reason = sentence(fmt.Sprintf("%s%s came back in %v (%.1f MB/s), as %s require%s",
		weSent(c), all, took.Round(round), stats.ThroughputMBps, clausesText(c.Clauses), plural(c.Clauses)))
}

func echoShape(want *EchoCheck) string {
	kind := "text"
	if want.Binary {
		kind = "binary"
	}
	return fmt.Sprintf("%s, %d octets", kind, want.Length)
}
