package cases

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/handshake"
)

// HandshakeExchange is an opening-handshake case (section 15) as data: one
// request, a valid RFC 6455 request changed by Edits, written to the wire
// in a particular way, and the table that turns the answer into a verdict.
// Execute runs it; JudgeHandshakeAnswer and the other judging functions need no
// socket.
type HandshakeExchange struct {
	Sent  string        // the request in words, for the verdict text
	Edits []RequestEdit // applied in order to a valid request
	// Chop writes the request this many octets per TCP write (0: one write).
	Chop int
	// Drip pauses this long between those writes (a slow client); the
	// answer is read meanwhile, so a server that gives up ends the drip.
	Drip time.Duration
	// Pipelined puts a masked text frame (HandshakeHello) in the same TCP write,
	// right behind the request's empty line.
	Pipelined bool
	// PadTo pads the header block with unknown 1000-octet fields
	// (X-Wsconform-Padding-N) until the request is at least this long.
	PadTo int
	// StopAfter writes the request only up to the end of the first
	// occurrence of this text, then nothing (a stalled client).
	StopAfter string
	// Wait is how long we wait for the answer (0: the handshake timeout).
	Wait   time.Duration
	Accept Acceptance
}

// Acceptance is how an answer is judged: the first rule whose class the
// answer belongs to (classes go from specific to general, see AnswerClasses)
// gives the verdict and the requirement it rests on.
type Acceptance struct {
	Rules []AnswerRule
	// Session, for a valid 101 that the rules call OK, proves the
	// connection works; nil: the connection is dropped after the answer.
	Session *Session
	// CheckDeflate judges an accepted permessage-deflate by RFC 7692 as
	// well as by the generic §4.1 check.
	CheckDeflate bool
	// Control: a decline earns its rule's verdict only if the minimal valid
	// request is accepted on a new connection right after. A server that
	// declines that too declines everything (load, authentication, a
	// policy): its refusal says nothing about what this case varies, and
	// §4.2.2 lets a server refuse, so the verdict is INFORMATIONAL.
	Control bool
	// Recheck: after the exchange, a valid request on a new connection must
	// still be accepted, or the case FAILS (the request broke the server).
	Recheck bool
	// DeflateControl: a valid 101 without permessage-deflate earns its
	// rule's verdict only if a plain "permessage-deflate" offer is accepted
	// on a new connection right after; a server that declines that too does
	// not implement RFC 7692 (optional), and the case is UNIMPLEMENTED.
	DeflateControl bool
	// Breaks is the rule an answer that FAILS or is NON-STRICT by Rules
	// breaks (a 101 a client must reject names the rule it broke instead).
	Breaks RuleRef
}

// RuleRef names a rule: its stable id (reports and gates key on it) and
// the RFC section that states it.
type RuleRef struct {
	ID      string `json:"id"`
	Section string `json:"section"`
}

// Session is what runs on a connection the target accepted: one echoed
// text message (Echo) or none, then a normal close, judged by the case's
// Expect and Close like a scripted case.
type Session struct {
	Echo bool
	// Lost is the verdict when the session does not match Expect/Close.
	Lost Verdict
}

// AnswerRule maps one class of answer to a verdict.
type AnswerRule struct {
	Answer  Answer
	Verdict Verdict
	Rule    string // the requirement, with its clause, as the verdict text quotes it
}

// Answer is a class of answers to an opening-handshake request.
type Answer string

const (
	AnswerValid101 Answer = "a valid 101"
	// The two kinds of valid 101 to a request that offered
	// permessage-deflate (more specific than AnswerValid101).
	AnswerDeflateAccepted Answer = "a valid 101 accepting permessage-deflate"
	AnswerDeflateDeclined Answer = "a valid 101 without permessage-deflate"
	AnswerBroken101       Answer = "a 101 a client must reject (§4.1)"
	Answer426Version      Answer = "426 with Sec-WebSocket-Version listing 13"
	AnswerErrorVersion    Answer = "an error status with Sec-WebSocket-Version listing 13"
	Answer4xx             Answer = "a 4xx status"
	Answer5xx             Answer = "a 5xx status"
	AnswerNotError        Answer = "a 1xx-3xx status other than 101"
	AnswerClosed          Answer = "the connection closed or reset without an HTTP response"
	AnswerSilent          Answer = "no HTTP response before our deadline, connection held open"
	AnswerNone            Answer = "no HTTP response"
	AnswerDeclined        Answer = "anything but a 101"
)

// declines are the classes a refusal (no WebSocket) can match.
var declines = map[Answer]bool{Answer426Version: true, AnswerErrorVersion: true, Answer4xx: true, Answer5xx: true,
	AnswerNotError: true, AnswerClosed: true, AnswerSilent: true, AnswerNone: true, AnswerDeclined: true}

// EditOp is one kind of change to the valid request.
type EditOp string

const (
	EditMethod EditOp = "method"      // the method becomes Value
	EditProto  EditOp = "proto"       // the HTTP version becomes Value
	EditTarget EditOp = "target"      // the request target becomes Value
	EditSet    EditOp = "set"         // Name: Value replaces every field of that name (first position kept) or is appended
	EditAdd    EditOp = "add"         // Name: Value is appended, even if one exists
	EditDel    EditOp = "del"         // every field named Name is removed
	EditNames  EditOp = "field-names" // every field name is respelled in Value case: "lower" or "upper"
	EditBody   EditOp = "body"        // Value follows the empty line
)

// RequestEdit is one change to the valid request. In Value, {host} stands
// for the request's Host, {path} for its original target and {newkey} for
// a fresh Sec-WebSocket-Key.
type RequestEdit struct {
	Op    EditOp
	Name  string
	Value string
}

func editMethod(v string) RequestEdit       { return RequestEdit{Op: EditMethod, Value: v} }
func editProto(v string) RequestEdit        { return RequestEdit{Op: EditProto, Value: v} }
func editTarget(v string) RequestEdit       { return RequestEdit{Op: EditTarget, Value: v} }
func editSet(n, v string) RequestEdit       { return RequestEdit{Op: EditSet, Name: n, Value: v} }
func editAdd(n, v string) RequestEdit       { return RequestEdit{Op: EditAdd, Name: n, Value: v} }
func editDel(n string) RequestEdit          { return RequestEdit{Op: EditDel, Name: n} }
func editNames(spelling string) RequestEdit { return RequestEdit{Op: EditNames, Value: spelling} }
func editBody(v string) RequestEdit         { return RequestEdit{Op: EditBody, Value: v} }

// String renders the edit for the catalogue.
func (e RequestEdit) String() string {
	switch e.Op {
	case EditSet, EditAdd:
		return fmt.Sprintf("%s %s: %q", e.Op, e.Name, e.Value)
	case EditDel:
		return fmt.Sprintf("%s %s", e.Op, e.Name)
	}
	return fmt.Sprintf("%s %q", e.Op, e.Value)
}

// apply changes req; newKey makes the value {newkey} stands for.
func (e RequestEdit) apply(req *handshake.Request, path string, newKey func() string) {
	host, _ := req.Get("Host")
	v := strings.NewReplacer("{host}", host, "{path}", path).Replace(e.Value)
	if strings.Contains(v, "{newkey}") {
		v = strings.ReplaceAll(v, "{newkey}", newKey())
	}
	switch e.Op {
	case EditMethod:
		req.Method = v
	case EditProto:
		req.Proto = v
	case EditTarget:
		req.Target = v
	case EditSet:
		req.Set(e.Name, v)
	case EditAdd:
		req.Add(e.Name, v)
	case EditDel:
		req.Del(e.Name)
	case EditNames:
		spell := strings.ToLower
		if v == "upper" {
			spell = strings.ToUpper
		}
		for i := range req.Header {
			req.Header[i].Name = spell(req.Header[i].Name)
		}
	case EditBody:
		req.Body = []byte(v)
	default:
		panic("cases: unknown request edit " + string(e.Op))
	}
}

// Request builds the request from base (a valid request for the target).
func (x *HandshakeExchange) Request(base *handshake.Request, newKey func() string) *handshake.Request {
	req := base.Clone()
	path := req.Target
	for _, e := range x.Edits {
		e.apply(req, path, newKey)
	}
	if x.PadTo > 0 {
		padHeader(req, x.PadTo)
	}
	return req
}

// Wire is what goes on the wire for req, before any pipelined frame: the
// whole request, or its first part when the case stalls.
func (x *HandshakeExchange) Wire(req *handshake.Request) []byte {
	wire := req.Bytes()
	if x.StopAfter != "" {
		if i := strings.Index(string(wire), x.StopAfter); i >= 0 {
			return wire[:i+len(x.StopAfter)]
		}
	}
	return wire
}

// paddingField is the filler padHeader repeats.
var paddingField = strings.Repeat("a", 1000)

// padHeader adds unknown fields of 1000 octets until the request head is
// at least size octets long.
func padHeader(req *handshake.Request, size int) {
	for i := 1; len(req.Bytes()) < size; i++ {
		req.Add(fmt.Sprintf("X-Wsconform-Padding-%d", i), paddingField)
	}
}

// Catalogue rendering: the request as it goes on the wire, for a target at
// ws://target.invalid/ and with placeholder keys, so the golden file shows
// every octet a case controls and nothing random.
const (
	renderURL       = "ws://target.invalid/"
	renderKey       = "<key>"
	renderSecondKey = "<another key>"
)

// HandshakeView is a handshake case as the catalogue shows it.
type HandshakeView struct {
	Request   string           `json:"request"` // for ws://target.invalid/; <key> is a fresh key per run
	Edits     []string         `json:"edits,omitempty"`
	Chop      int              `json:"chopOctets,omitempty"`
	Pipelined string           `json:"pipelinedFrame,omitempty"`
	PadTo     int              `json:"padHeaderTo,omitempty"`
	StopAfter string           `json:"stopAfter,omitempty"`
	Wait      string           `json:"wait,omitempty"`
	Answers   []AnswerRuleView `json:"answers"`
	Session   string           `json:"session,omitempty"`
	Deflate   bool             `json:"checkPermessageDeflate,omitempty"`
	Control   bool             `json:"controlOnDecline,omitempty"`
	Recheck   bool             `json:"recheckAfter,omitempty"`
	// DeflateControl: see Acceptance.DeflateControl.
	DeflateControl bool   `json:"deflateControlOnDecline,omitempty"`
	Drip           string `json:"pauseBetweenWrites,omitempty"`
	// Breaks is the rule a FAILED or NON-STRICT answer breaks.
	Breaks *RuleRef `json:"breaks,omitempty"`
}

// AnswerRuleView is one row of the status-to-verdict table.
type AnswerRuleView struct {
	Answer  Answer  `json:"answer"`
	Verdict Verdict `json:"verdict"`
	Rule    string  `json:"rule"`
}

// View renders the exchange for the catalogue.
func (x *HandshakeExchange) View() *HandshakeView {
	u, _ := url.Parse(renderURL)
	unpadded := *x
	unpadded.PadTo = 0 // the padding is shown as a number, not 64 KiB of filler
	req := unpadded.Request(handshake.NewClientRequest(u, renderKey), func() string { return renderSecondKey })
	v := &HandshakeView{Request: string(x.Wire(req)), Chop: x.Chop, PadTo: x.PadTo, StopAfter: x.StopAfter,
		Deflate: x.Accept.CheckDeflate, Control: x.Accept.Control, Recheck: x.Accept.Recheck, DeflateControl: x.Accept.DeflateControl}
	if x.Accept.Breaks != (RuleRef{}) {
		breaks := x.Accept.Breaks
		v.Breaks = &breaks
	}
	for _, e := range x.Edits {
		v.Edits = append(v.Edits, e.String())
	}
	if x.Pipelined {
		v.Pipelined = fmt.Sprintf("masked text frame, FIN, payload %q, in the same TCP write as the request", HandshakeHello)
	}
	if x.Wait > 0 {
		v.Wait = x.Wait.String()
	}
	if x.Drip > 0 {
		v.Drip = x.Drip.String()
	}
	for _, r := range x.Accept.Rules {
		v.Answers = append(v.Answers, AnswerRuleView(r))
	}
	if s := x.Accept.Session; s != nil {
		v.Session = "close normally"
		if s.Echo && x.Pipelined {
			v.Session = "wait for the echo of the pipelined frame, then close normally"
		} else if s.Echo {
			v.Session = fmt.Sprintf("send a masked text frame %q, wait for its echo, then close normally", HandshakeHello)
		}
		v.Session += fmt.Sprintf("; anything else: %s", s.Lost)
	}
	return v
}

// judgesClose says whether the case's Close expectation is used (and so
// shown): every case but a handshake case without a session.
func (c *Case) judgesClose() bool {
	return c.API == nil && c.ClientRule == nil && c.Intermediary == nil && (c.Handshake == nil || c.Handshake.Accept.Session != nil)
}

// expectedAnswers renders the table of a handshake-only case for a result,
// so that a report shows which answer earns which verdict.
func (acc Acceptance) expectedAnswers() []ExpectedOutcome {
	out := make([]ExpectedOutcome, len(acc.Rules))
	for i, r := range acc.Rules {
		out[i] = ExpectedOutcome{Verdict: r.Verdict, Events: []string{"answer: " + string(r.Answer)}}
	}
	return out
}
