package cases

import (
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/handshake"
)

// HandshakeAnswer is what came back for one opening-handshake request, as
// the judges need it: no socket, no clock.
type HandshakeAnswer struct {
	Response *handshake.Response // nil: no response head came
	// Violations are the rules a 101 breaks (§4.1, and RFC 7692 when the
	// case checks permessage-deflate).
	Violations []handshake.Violation
	NoResponse string // why no response head came, in words
	TimedOut   bool   // none came because our deadline passed with the connection open
	// DeflateOffered: the request offered permessage-deflate, so a valid
	// 101 is also classed by whether it accepted it.
	DeflateOffered bool
}

// Control is what the control handshake (the minimal valid request on a
// new connection) got, for a case whose rules ask for one.
type Control struct {
	Ran      bool
	Accepted bool
	Observed string // its answer in words
	// DeflateRan and DeflateAccepted are the deflate control's (see
	// Acceptance.DeflateControl): a plain "permessage-deflate" offer on a
	// new connection, and whether a valid 101 accepted it.
	DeflateRan, DeflateAccepted bool
}

// describe says what came back, for a verdict text.
func (a HandshakeAnswer) describe() string {
	switch {
	case a.Response == nil:
		return a.NoResponse
	case a.Response.Status == 101 && len(a.Violations) > 0:
		return "the server answered 101 but " + violationDetails(a.Violations)
	}
	s := fmt.Sprintf("the server answered %d %q", a.Response.Status, a.Response.Reason)
	if vs := a.Response.Values("Sec-WebSocket-Version"); len(vs) > 0 && a.Response.Status != 101 {
		s += fmt.Sprintf(" with Sec-WebSocket-Version %q", vs)
	}
	return s
}

// Observed is the answer in one line, for Result.Observed.
func (a HandshakeAnswer) Observed() string {
	if a.Response == nil {
		return a.NoResponse
	}
	return fmt.Sprintf("response %d %s", a.Response.Status, a.Response.Reason)
}

// violationDetails says what each broken rule is, with its id and clause.
func violationDetails(vs []handshake.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%s [%s, %s]", v.Detail, v.Rule, v.Section)
	}
	return strings.Join(parts, "; ")
}

// AnswerClasses lists the classes a belongs to, from the most specific to
// the most general; a rule table is read in this order.
func AnswerClasses(a HandshakeAnswer) []Answer {
	resp := a.Response
	switch {
	case resp == nil && a.TimedOut:
		return []Answer{AnswerSilent, AnswerNone, AnswerDeclined}
	case resp == nil:
		return []Answer{AnswerClosed, AnswerNone, AnswerDeclined}
	case resp.Status == 101 && len(a.Violations) > 0:
		return []Answer{AnswerBroken101}
	case resp.Status == 101 && a.DeflateOffered && OfferedDeflateAccepted(resp):
		return []Answer{AnswerDeflateAccepted, AnswerValid101}
	case resp.Status == 101 && a.DeflateOffered:
		return []Answer{AnswerDeflateDeclined, AnswerValid101}
	case resp.Status == 101:
		return []Answer{AnswerValid101}
	}
	var out []Answer
	isError := resp.Status >= 400 && resp.Status < 600
	if isError && listsVersion13(resp) {
		if resp.Status == 426 {
			out = append(out, Answer426Version)
		}
		out = append(out, AnswerErrorVersion)
	}
	switch resp.Status / 100 {
	case 4:
		out = append(out, Answer4xx)
	case 5:
		out = append(out, Answer5xx)
	default:
		out = append(out, AnswerNotError)
	}
	return append(out, AnswerDeclined)
}

func listsVersion13(resp *handshake.Response) bool {
	for _, v := range resp.Values("Sec-WebSocket-Version") {
		for _, t := range handshake.Tokens(v) {
			if t == "13" {
				return true
			}
		}
	}
	return false
}

// Rule is the first rule of the table that covers a.
func (acc Acceptance) Rule(a HandshakeAnswer) (AnswerRule, bool) {
	for _, class := range AnswerClasses(a) {
		for _, r := range acc.Rules {
			if r.Answer == class {
				return r, true
			}
		}
	}
	return AnswerRule{}, false
}

// NeedsControl says whether a decline must be compared with the minimal
// valid request before it can be held against the target.
func (acc Acceptance) NeedsControl(a HandshakeAnswer) bool {
	r, ok := acc.Rule(a)
	return ok && acc.Control && declines[r.Answer] && (r.Verdict == Failed || r.Verdict == NonStrict)
}

// Valid101 reports whether a is a valid 101 (whatever it did with the
// extensions offered).
func (a HandshakeAnswer) Valid101() bool {
	return a.Response != nil && a.Response.Status == 101 && len(a.Violations) == 0
}

// NeedsDeflateControl says whether the answer, a valid 101 without
// permessage-deflate, must be compared with a plain offer on a new
// connection before its rule applies.
func (acc Acceptance) NeedsDeflateControl(a HandshakeAnswer) bool {
	r, ok := acc.Rule(a)
	return ok && acc.DeflateControl && r.Answer == AnswerDeflateDeclined
}

// JudgeHandshakeAnswer is the verdict on the answer to x's request, and why in one
// sentence: what we sent, what came back, what the RFC requires. A valid
// 101 that the rules call OK is judged further by the session, if any.
func JudgeHandshakeAnswer(x *HandshakeExchange, a HandshakeAnswer, c Control) (Verdict, string) {
	got := a.describe()
	r, ok := x.Accept.Rule(a)
	if !ok {
		return Informational, fmt.Sprintf("We sent %s; %s, an answer this case has no rule for (recorded only)", x.Sent, got)
	}
	if x.Accept.NeedsControl(a) && c.Ran && !c.Accepted {
		return Informational, fmt.Sprintf("We sent %s; %s, but the minimal valid request on a new connection was declined too (%s), "+
			"so the refusal says nothing about this request; §4.2.2 lets a server refuse a handshake (recorded only)", x.Sent, got, c.Observed)
	}
	if x.Accept.NeedsDeflateControl(a) && c.DeflateRan && !c.DeflateAccepted {
		return Unimplemented, fmt.Sprintf("We sent %s; %s, and a plain permessage-deflate offer on a new connection was declined too (%s): "+
			"the target does not implement RFC 7692, which is optional, so the case does not apply", x.Sent, got, c.Observed)
	}
	return r.Verdict, fmt.Sprintf("We sent %s; %s. %s", x.Sent, got, r.Rule)
}
