package netfuzz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// result is what one session did to the target.
type result struct {
	// answer is the shape of the target's answer (see answerOf): the
	// feedback that decides whether a mutated session joins the corpus.
	answer string
	// finding, if set, is a problem the session showed (not yet confirmed).
	finding *Finding
	// suspect: the connection ended in a way a crashed target ends it (no
	// HTTP answer, or TCP gone without a close frame), so the target's
	// liveness is checked.
	suspect bool
}

// maxWritesPerStep bounds the TCP writes of one chopped step: chopping is
// about where the cuts fall at the start of a frame, and a chopped
// megabyte would cost a second.
const maxWritesPerStep = 256

// quietWait is how long a session that is owed nothing waits for the
// target to say something anyway, before we drop the connection.
const quietWait = 20 * time.Millisecond

// execute sends s in one connection and reads the target's answer. The
// error is for a session that could not be run at all because ctx ended.
// With logged, a finding carries the connection's wire log; the fuzzing
// loop runs with the log off (describing every frame cost a tenth of a
// session's CPU), as its findings are replayed, logged, to be confirmed.
func execute(ctx context.Context, t probe.Target, deadline time.Duration, s Session, logged bool) (result, error) {
	log := probe.NewWireLog(time.Now())
	if !logged {
		log.SetEnabled(false) // frames and octets are counted, not described
	}
	slack := s.slack()
	ictx, cancel := context.WithTimeout(ctx, 4*deadline+slack) // the whole connection, whatever happens
	defer cancel()
	to := probe.Timeouts{Dial: deadline, Handshake: deadline, CloseWait: deadline, DropWait: deadline}
	edit := func(r *handshake.Request) {
		if s.Request != nil {
			*r = *s.Request.Clone()
		}
	}
	c, hs, agreed, err := probe.OpenDeflateEdit(ictx, t, to, log, s.offers(), edit)
	if ended(ctx) {
		return result{}, cmp.Or(ctx.Err(), context.DeadlineExceeded)
	}
	if err != nil {
		return handshakeResult(s, hs, err, log), nil
	}
	hsAnswer := "101"
	if agreed != nil {
		hsAnswer = "101+deflate"
	}
	want := judge(s.wire(), agreed != nil)
	if want.Boundary {
		// Nothing owed: end with a closing handshake of ours, which the
		// server must answer at once, rather than wait to see whether it
		// says anything.
		s = s.withClose()
		want = judge(s.wire(), agreed != nil)
	}
	for _, st := range s.Steps {
		chop := st.Chop
		if chop > 0 {
			// a bounded number of writes per step, whatever its size
			chop = max(chop, st.size()/maxWritesPerStep)
		}
		// A send fails once the server has closed on us, which is what a
		// broken rule earlier in the session should cause.
		if st.Raw != nil {
			err = c.WriteRaw(st.Raw, chop)
		} else {
			err = c.SendFrame(st.Frame, probe.Piece{Chop: chop, Unmasked: !st.Frame.Header.Masked, Force: true})
		}
		if err != nil {
			break
		}
	}
	sent := time.Now()
	end := waitForEnd(ictx, c, deadline+slack, want.MustEnd)
	took := time.Since(sent)
	c.Abort()
	<-c.Done()
	if ended(ctx) {
		return result{}, cmp.Or(ctx.Err(), context.DeadlineExceeded)
	}

	st := c.State()
	r := result{answer: answerOf(hsAnswer, c.Events(), st, end, took, deadline)}
	// A hang is checked too: a connection that hangs in a process that
	// still serves others is a hang; a wedged process is a crash.
	r.suspect = end == endTCP || want.MustEnd && end == endSilent
	switch {
	case st.PeerViolation != "":
		r.finding = &Finding{Kind: KindViolation, Rule: st.PeerRule, Detail: "the server broke " + st.PeerViolation}
	case want.MustEnd && end == endSilent:
		r.finding = &Finding{Kind: KindHang, Rule: want.Rule, Detail: fmt.Sprintf("no close frame and no TCP close within %v", deadline+slack)}
	case want.MustEnd && end == endTCP:
		how := "closed TCP (EOF)"
		if st.TCPError != "" {
			how = "reset TCP (" + st.TCPError + ")"
		}
		r.finding = &Finding{Kind: KindDrop, Rule: want.Rule,
			Detail: "the server " + how + " without a close frame where it owed one (RFC 6455 §7.1.7: it SHOULD send a close frame first); a handler that panics looks like this"}
	}
	if r.finding != nil {
		r.finding.Expect = want.Why
		r.finding.Close = st
		r.finding.Wire = log.Entries()
	}
	return r, nil
}

// handshakeResult is the result of a session whose opening handshake did
// not give a usable connection.
func handshakeResult(s Session, hs *observed.Handshake, err error, log *probe.WireLog) result {
	switch {
	case hs == nil:
		return result{answer: "unreachable", suspect: true}
	case hs.TimedOut:
		return result{answer: "handshake silent"}
	case hs.Status == 0:
		return result{answer: "handshake closed", suspect: true}
	case hs.Status != 101:
		return result{answer: fmt.Sprintf("handshake %d", hs.Status)}
	}
	f := &Finding{Kind: KindViolation, Rule: "deflate-response", Detail: err.Error(), Wire: log.Entries(),
		Expect: "a 101 answer must satisfy RFC 6455 §4.1 (and RFC 7692 §7 for an accepted offer)"}
	if len(hs.Violations) > 0 {
		f.Rule = hs.Violations[0].Rule
	}
	return result{answer: "handshake 101 broken " + f.Rule, finding: f}
}

// How a session's connection ended, once our octets were out.
type endKind string

const (
	endClose  endKind = "close frame" // the server sent a close frame
	endTCP    endKind = "tcp"         // TCP ended with no close frame from the server
	endSilent endKind = "silent"      // an answer was owed and none came before the deadline
	endQuiet  endKind = "quiet"       // nothing was owed and nothing came
)

// waitForEnd waits for the server's close frame or TCP close. When one is
// owed it waits up to deadline; otherwise it gives the server quietWait. A
// frame of the server's that broke a rule ends the wait at once. Once the
// server has sent its close frame, the closing handshake is let finish so
// that every frame the server sent is checked.
func waitForEnd(ctx context.Context, c *probe.Conn, deadline time.Duration, owed bool) endKind {
	wait := deadline
	if !owed {
		wait = quietWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		wake := c.Wake()
		st := c.State()
		if st.PeerViolation != "" {
			return endClose // already a finding; no need to wait for the rest
		}
		if st.ReceivedClose {
			break
		}
		select {
		case <-c.Done():
			if c.State().ReceivedClose {
				return endClose
			}
			return endTCP
		case <-wake:
		case <-timer.C:
			if owed {
				return endSilent
			}
			return endQuiet
		case <-ctx.Done():
			return endSilent
		}
	}
	select {
	case <-c.Done():
	case <-ctx.Done():
	}
	return endClose
}

// answerOf is the shape of the target's answer: the handshake, the kinds
// and size classes of the frames it sent (runs collapsed, at most eight),
// how the connection ended and with which close code, the rule it broke,
// and a coarse timing bucket. Two sessions with the same shape taught the
// fuzzer nothing new about the target.
func answerOf(hs string, events []observed.Event, st observed.CloseState, end endKind, took, deadline time.Duration) string {
	var b strings.Builder
	b.WriteString(hs)
	last, n := "", 0
	for _, e := range events {
		tok := eventToken(e)
		if tok == last {
			continue
		}
		if n++; n > 8 {
			b.WriteString(" …")
			break
		}
		b.WriteString(" " + tok)
		last = tok
	}
	b.WriteString(" | " + string(end))
	if st.ReceivedClose {
		if st.RemoteCode != nil {
			fmt.Fprintf(&b, " %d", *st.RemoteCode)
		} else {
			b.WriteString(" no-code")
		}
		if st.ClosedByMe {
			b.WriteString(" (answer)")
		}
	}
	if st.PeerRule != "" {
		b.WriteString(" broke " + st.PeerRule)
	}
	if end == endClose || end == endTCP {
		b.WriteString(" " + timingBucket(took, deadline))
	}
	return b.String()
}

func eventToken(e observed.Event) string {
	switch e.Kind {
	case observed.Message:
		t := "text"
		if e.Binary {
			t = "binary"
		}
		return t + sizeClass(e.PayloadLen())
	case observed.Ping, observed.Pong:
		return string(e.Kind) + sizeClass(e.PayloadLen())
	}
	return string(e.Kind)
}

// sizeClass follows the length encodings of §5.2.
func sizeClass(n int) string {
	switch {
	case n == 0:
		return "/0"
	case n <= frame.MaxControlPayload:
		return "/s"
	case n <= 65535:
		return "/m"
	}
	return "/l"
}

// timingBucket: fast, within a tenth of the deadline, or slow.
func timingBucket(d, deadline time.Duration) string {
	switch {
	case d < 10*time.Millisecond:
		return "fast"
	case d < deadline/10:
		return "soon"
	}
	return "slow"
}

// ended reports whether ctx is done or past its deadline. A dial that hits
// the deadline can return before ctx's own timer marks it done.
func ended(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

// alive opens a connection and completes the opening handshake. Its error
// wraps errTargetDown.
func alive(ctx context.Context, t probe.Target, deadline time.Duration) error {
	if down, err := liveness(ctx, t, deadline); down != "" {
		return fmt.Errorf("%w (%s): %v", errTargetDown, down, err)
	}
	return nil
}

// Why a target failed the liveness check made after a session that ended
// the way a dying process ends connections. These are the crash findings'
// rules.
const (
	// RuleTargetDown: nothing accepts connections at the target's address
	// any more (connection refused): the process is gone, its listener
	// with it.
	RuleTargetDown = "target-down"
	// RuleTargetUnresponsive: TCP is still accepted but no opening
	// handshake completes within the deadline (a process that is wedged,
	// or stopped serving).
	RuleTargetUnresponsive = "target-unresponsive"
	// RuleTargetRestarted: a new connection is served, but the canary (an
	// idle connection opened before the session) was lost too: the
	// process went down and a supervisor had it back at once.
	RuleTargetRestarted = "target-restarted"
)

// liveness opens a connection and completes the opening handshake: down
// is "" when it did, else RuleTargetDown or RuleTargetUnresponsive, with
// the error that showed it.
func liveness(ctx context.Context, t probe.Target, deadline time.Duration) (down string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 2*deadline)
	defer cancel()
	to := probe.Timeouts{Dial: deadline, Handshake: deadline, CloseWait: deadline, DropWait: deadline}
	c, _, err := probe.Open(ctx, t, to, probe.NewWireLog(time.Now()), nil)
	switch {
	case err == nil:
		c.Abort()
		<-c.Done()
		return "", nil
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOENT): // ENOENT: a Unix socket's file is gone
		return RuleTargetDown, err
	}
	return RuleTargetUnresponsive, err
}

// checkAfterSuspect runs the liveness check after a session that ended
// the way a crash ends connections (TCP lost without a close frame, or no
// answer at all): when the target is down the finding becomes a crash;
// when it is up, the dropped or hanging connection was the only one
// affected and the finding says so. It reports whether the target is down.
//
// k, if set, is the canary: when it was lost since start (the session's
// start) the process went down, however soon it was back.
func checkAfterSuspect(ctx context.Context, t probe.Target, deadline time.Duration, r *result, k *canary, start time.Time) bool {
	down, err := liveness(ctx, t, deadline)
	if ended(ctx) {
		return false // a check cut short by the run's end proves nothing
	}
	if down != "" {
		r.finding = crashFinding(down, err)
		return true
	}
	if k.lostSince(start) {
		r.finding = crashFinding(RuleTargetRestarted, nil)
		return true
	}
	switch {
	case r.finding == nil:
	case r.finding.Kind == KindDrop:
		r.finding.Detail += "; the target still accepted a new connection and completed its opening handshake right after, so only this connection was lost (not a crash)"
	case r.finding.Kind == KindHang:
		r.finding.Detail += "; the target still completed an opening handshake on a new connection, so only this connection hangs"
	}
	return false
}

// crashFinding is the finding of a target that failed the liveness check.
func crashFinding(down string, err error) *Finding {
	f := &Finding{Kind: KindCrash, Rule: down}
	switch down {
	case RuleTargetRestarted:
		f.Detail = "this session's connection and an idle one opened before it were both lost without a close frame, though a new connection right after was served: the server process went down and was back at once (restarted)"
	case RuleTargetDown:
		f.Detail = fmt.Sprintf("after this session nothing accepted connections at the target's address (%v): the server process went down, and every connection with it", err)
	default:
		f.Detail = fmt.Sprintf("after this session the target accepted TCP but completed no opening handshake (%v): it stopped serving", err)
	}
	f.Expect = "a server must survive any octets a client sends: at most it fails that one connection (RFC 6455 §7.1.7)"
	return f
}
