package cases

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
)

// errTargetDown is the error text of a case that could not even connect
// (see Result.Unreachable).
var errTargetDown = errors.New("target not accepting connections")

// Execute runs one case against env's target and judges it. It never
// returns before the connection is gone, and never later than the case's
// deadline (or ctx).
func Execute(ctx context.Context, c *Case, env Env) Result {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	ctx, cancel := context.WithTimeout(ctx, c.Deadline(env.Scale))
	defer cancel()
	start := time.Now()
	var r Result
	switch {
	case c.Handshake != nil:
		r = runHandshake(ctx, c, env)
	case c.Compression != nil:
		r = runCompression(ctx, c, env, start)
	default:
		r = runScript(ctx, c, env, start)
	}
	fill(&r, c, start)
	return r
}

func fill(r *Result, c *Case, start time.Time) {
	r.ID, r.Title, r.Description, r.Clauses, r.Level, r.Labels = c.ID, c.Title, c.Description, c.Clauses, c.Level, c.Labels
	r.Started = start
	if r.Duration == 0 {
		r.Duration = time.Since(start)
	}
	if r.Observed == nil {
		r.Observed = []string{}
	}
	if r.Expected == nil {
		r.Expected = expectedOutcomes(c.Expect)
		if c.Handshake != nil && c.Handshake.Accept.Session == nil {
			r.Expected = c.Handshake.Accept.expectedAnswers()
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

func eventStrings(es []probe.Event) []string {
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

func runScript(ctx context.Context, c *Case, env Env, start time.Time) Result {
	r := baseResult(c)
	r.FailFastOffset = -1
	log := probe.NewWireLog(start)
	to := env.timeouts()
	conn, hs, err := probe.Open(ctx, env.Target, to, log, nil)
	r.Handshake = hs
	if err != nil {
		openFailed(&r, err, hs, log)
		return r
	}
	return driveScript(ctx, c, env, conn, hs, log, start)
}

// driveScript runs c's steps on an open connection (either role), arms its
// timer, waits for the connection to end and judges what happened.
func driveScript(ctx context.Context, c *Case, env Env, conn *probe.Conn, hs *probe.Handshake, log *probe.WireLog, start time.Time) Result {
	r := baseResult(c)
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
			log.Note(fmt.Sprintf("all frames sent; timer armed: %s after %v", timerName(c.Timer.Kind), c.Timer.After))
		case <-timer:
			timer = nil
			if conn.Closing() {
				continue
			}
			log.Note("timer fired: " + timerName(c.Timer.Kind))
			if c.Timer.Kind == KillAfter {
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
			r.Error = "case deadline exceeded"
		}
	}
	<-stepsDone
	st := conn.State()
	r.Close = &st
	events := conn.Events()
	r.Observed = eventStrings(events)
	r.FailFastOffset = conn.OctetsSentAtRemoteClose()
	r.WireLog = log.Entries()
	r.Duration = time.Since(start)
	judge(&r, c, events, st)
	if c.FailFastAt > 0 {
		at := c.FailFastAt
		if conn.IsServer() {
			at = firstInvalidOctet(c.Steps, true)
		}
		r.Reason += failFastNote(at, r.FailFastOffset)
	}
	if c.Echoes != nil {
		judgeEchoes(&r, c, events, lastEchoAt(events, c.Echoes)-stepsStartAt)
	}
	return r
}

// openFailed fills r for a case whose connection never opened; a refused
// dial is marked so the engine can tell a crashed target from a bad one.
func openFailed(r *Result, err error, hs *probe.Handshake, log *probe.WireLog) {
	r.Behavior, r.BehaviorClose = Failed, CloseFailed
	r.Reason = "no WebSocket connection: " + err.Error()
	if hs != nil && len(hs.Violations) > 0 {
		r.Reason = brokenAcceptReason(hs.Violations)
	}
	r.CloseReason = "the opening handshake did not complete"
	var op *net.OpError
	if hs == nil && errors.As(err, &op) && op.Op == "dial" {
		r.markUnreachable(err)
	}
	r.WireLog = log.Entries()
}

// closeNormally starts a normal close (unless one is under way) and waits
// for the connection to end, or abandons it at ctx's deadline.
func closeNormally(ctx context.Context, conn *probe.Conn, r *Result) {
	if !conn.Closing() {
		conn.SendClose(1000, "")
	}
	select {
	case <-conn.Done():
	case <-ctx.Done():
		conn.Abandon(outstanding(0, false, conn.State()))
		<-conn.Done()
		r.Error = "case deadline exceeded"
	}
}

// outstanding says what we were still doing or waiting for when our case
// deadline (of deadline, if known) ended the connection.
func outstanding(deadline time.Duration, sending bool, st probe.CloseState) string {
	at := ""
	if deadline > 0 {
		at = fmt.Sprintf("of %v ", deadline)
	}
	switch {
	case sending:
		return at + "while our frames were still being sent"
	case st.HandshakeDone():
		return at + "while waiting for the target to close TCP after the closing handshake"
	case st.SentClose:
		return at + "while waiting for the target's answer to our close frame"
	case st.ReceivedClose:
		return at + "while answering the target's close frame"
	}
	return at + "while waiting for the target's answer"
}

func timerName(k TimerKind) string {
	if k == KillAfter {
		return "fail the connection"
	}
	return "close normally"
}

func runSteps(ctx context.Context, conn *probe.Conn, c *Case) {
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
func runStep(ctx context.Context, conn *probe.Conn, s Step) bool {
	switch {
	case s.Frame != nil:
		p := probe.Piece{Chop: s.Chop, Unmasked: s.Unmasked, Force: true, Raw: true}
		for _, cut := range s.Cuts {
			at := cut.At
			if conn.IsServer() && !s.Frame.Header.Masked {
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
			if err := conn.SendFrame(f, probe.Piece{Chop: s.Chop, Unmasked: s.Unmasked, Force: true, Raw: true}); err != nil {
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
func pause(ctx context.Context, conn *probe.Conn, d time.Duration, marker string) bool {
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

func awaitMessages(ctx context.Context, conn *probe.Conn, n int) bool {
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
func expectedReached(c *Case, conn *probe.Conn) bool {
	if c.Echoes != nil {
		return conn.MessageCount() >= c.Echoes.Count
	}
	// Counted first: a target flooding events must not make every wake-up
	// copy the whole record.
	n := conn.EventCount()
	if !slices.ContainsFunc(c.Expect, func(o Outcome) bool { return len(o.Events) == n }) {
		return false
	}
	events := conn.Events()
	for _, o := range c.Expect {
		if eventsEqual(o.Events, events) {
			return true
		}
	}
	return false
}

func eventsEqual(want, got []probe.Event) bool {
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
func judge(r *Result, c *Case, events []probe.Event, st probe.CloseState) {
	var matched *Outcome
	r.Behavior = Failed
	for i := range c.Expect {
		if eventsEqual(c.Expect[i].Events, events) {
			matched = &c.Expect[i]
			r.Behavior = matched.Verdict
			break
		}
	}
	r.Reason = mainReason(c, events, st, matched)

	want := c.Close
	nonStrictCode := st.RemoteCode != nil && codeIn(*st.RemoteCode, want.NonStrictCodes)
	// A code the RFC allows but Autobahn rejects (1004) breaks our close
	// code rule; that rule alone does not make the close frame bad.
	badCloseFrame := st.RemoteCloseViolation != "" && !(nonStrictCode && st.RemoteCloseRule == frame.RuleCloseCodeInvalid)
	r.Rule = st.PeerRule
	if badCloseFrame {
		r.Rule = st.RemoteCloseRule
	}
	badClose := false
	switch {
	case st.ClosedByMe != want.ClosedByMe:
		r.BehaviorClose = CloseFailed
		if st.ClosedByMe {
			r.CloseReason = sentence(weSent(c) + whatWeDid(c, st) + "; " + failRequirement(c))
		} else {
			r.CloseReason = sentence(fmt.Sprintf("%s%s; %s require%s the target to process it, keep the connection open until our close frame and answer that", weSent(c), targetEnded(st), clausesText(c.Clauses), plural(c.Clauses)))
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
			r.CloseReason = sentence(weSent(c) + "the target's close frame breaks " + st.RemoteCloseViolation)
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
		r.CloseReason = sentence(fmt.Sprintf("%sthe target accepted it and answered with close code %s; RFC 6455 §7.4.1 only reserves %s without forbidding it, so this passes, though Autobahn expects %s", weSent(c), st.RemoteCode, codeText(st.LocalCode), codesText(want.Codes)))
		if r.Behavior == OK {
			r.Behavior, r.Reason = NonStrict, r.CloseReason
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
		r.Behavior, r.Reason = Failed, r.CloseReason
	}
	if want.WrongCodeFails && (r.BehaviorClose == CloseWrongCode || badClose) {
		r.Behavior, r.Reason = Failed, r.CloseReason
	}
	if want.Informational {
		r.Behavior, r.BehaviorClose = Informational, CloseInformational
		r.Reason = sentence(fmt.Sprintf("%s%s; %s leave%s this behaviour to the implementation, so it is recorded only", weSent(c), describeEvents(events, st), clausesText(c.Clauses), plural(c.Clauses)))
		r.CloseReason = r.Reason
	}
}

// closedAsRequired describes a close that passed.
func closedAsRequired(c *Case, st probe.CloseState) string {
	switch {
	case st.ClosedByMe && st.ReceivedClose && st.IsServer:
		return "the client answered our close with " + codeText(st.RemoteCode) + " and we closed TCP as the server, as RFC 6455 §5.5.1 and §7.1.1 require"
	case st.ClosedByMe && st.ReceivedClose:
		return "the target answered our close with " + codeText(st.RemoteCode) + " and closed TCP, as RFC 6455 §5.5.1 and §7.1.1 require"
	case st.ReceivedClose:
		return fmt.Sprintf("the target failed the connection with %s, as %s require%s", codeText(st.RemoteCode), clausesText(c.Clauses), plural(c.Clauses))
	}
	return "the target dropped TCP without a close frame, which failing the connection allows (RFC 6455 §7.1.7)"
}

// failFastNote says where the target gave up relative to the first invalid
// octet (Autobahn only says "early" or "late").
func failFastNote(invalidAt, closedAt int64) string {
	if closedAt < 0 {
		return fmt.Sprintf("; the first invalid octet was octet %d of what we sent; the target sent no close frame before we stopped", invalidAt)
	}
	return fmt.Sprintf("; the first invalid octet was octet %d of what we sent, the target's close frame arrived after %d octets (%d past it)",
		invalidAt, closedAt, closedAt-invalidAt)
}

func describeEvents(events []probe.Event, st probe.CloseState) string {
	s := cameBack(events, st)
	if st.ReceivedClose {
		s += "; the target's close frame had " + codeText(st.RemoteCode)
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
func lastEchoAt(events []probe.Event, want *EchoCheck) time.Duration {
	n := 0
	for _, e := range events {
		if e.Kind == probe.Message {
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
func judgeEchoes(r *Result, c *Case, events []probe.Event, took time.Duration) {
	want := c.Echoes
	var got int
	var octets int64
	for _, e := range events {
		if e.Kind == probe.Omitted && got < want.Count {
			r.Behavior = Failed
			r.Reason = fmt.Sprintf("%d echoes checked, then the target sent more events than the probe records (%s): the rest cannot be checked",
				got, e.Omitted)
			return
		}
		if e.Kind != probe.Message {
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
