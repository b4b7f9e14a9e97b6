package cases

import (
	"fmt"
	"strings"
	"time"
)

func init() {
	sections = append(sections, http2Cases)
	sectionTitles["20"] = "WebSocket over HTTP/2 (RFC 8441)"
}

// H2Kind is what a section 20 case does on its HTTP/2 connection.
type H2Kind string

const (
	H2Settings   H2Kind = "settings"           // read the server's SETTINGS
	H2Accept     H2Kind = "accept"             // a valid extended CONNECT, its response, an echo
	H2Malformed  H2Kind = "malformed"          // an extended CONNECT the server must refuse
	H2CloseFrame H2Kind = "close-frame"        // close handshake, then how the stream ends
	H2EndStream  H2Kind = "end-stream"         // END_STREAM without a close frame
	H2ResetOne   H2Kind = "reset-then-new"     // RST_STREAM one WebSocket, open another
	H2Large      H2Kind = "large-message"      // a message past the initial window, echoed
	H2Multiplex  H2Kind = "several-websockets" // WebSockets side by side on one connection
)

// H2Field is a header field of an extended CONNECT, as sent.
type H2Field struct{ Name, Value string }

// H2Plan is a section 20 case as data: the probe opens an HTTP/2
// connection to the target (h2 by ALPN for wss://, h2c with prior
// knowledge for ws://) and does what Kind says.
type H2Plan struct {
	Kind H2Kind
	// Protocols and Extensions are offered in the extended CONNECT.
	Protocols  []string
	Extensions string
	// Drop and Set break the request (Malformed): fields removed, fields
	// set (replacing one of the same name, else added).
	Drop []string
	Set  []H2Field
	// Size is the message of Large; Streams the WebSockets of Multiplex.
	Size    int
	Streams int
	// Rule is what a failing verdict names.
	Rule RuleRef
}

// H2Run is what the probe saw on the HTTP/2 connection of a section 20
// case, for the pure judge (JudgeH2).
type H2Run struct {
	// NoH2 says the target does not speak HTTP/2 where we asked ("" if it
	// does): ALPN did not pick h2, or no SETTINGS came back.
	NoH2 string
	// NoConnection is a failure to reach the target at all.
	NoConnection string
	// Settings is the server's SETTINGS, as text; Setting is the value of
	// SETTINGS_ENABLE_CONNECT_PROTOCOL and HasSetting whether it was sent.
	Settings   string
	Setting    uint32
	HasSetting bool
	// Answer is how the (first) extended CONNECT was answered.
	Answer H2Answer
	// Echo is what became of the message(s) the case sent ("" when the
	// case sends none or all came back); Echoed says they came back.
	Echo   string
	Echoed bool
	// CloseCode is the code of the server's close frame (-1: none came).
	CloseCode int
	// ResetAfterEnd is the RST_STREAM code the server sent after its
	// END_STREAM ("" none): it ends our side, which RFC 9113 §8.1 allows
	// once the server's response is complete.
	ResetAfterEnd string
	// StreamEnd is how the server ended its side of the stream:
	// "END_STREAM", "RST_STREAM <code>", "connection closed", or "" (open
	// at the end of our wait).
	StreamEnd string
	// FlowViolation: the server sent DATA beyond the window we gave it.
	FlowViolation bool
	// Stalled: our DATA waited for WINDOW_UPDATE until our timer.
	Stalled string
	// Second is, for ResetOne and Multiplex, how the other WebSocket(s)
	// on the connection fared ("" when they were served).
	Second string
	// Limited: Multiplex opened fewer WebSockets than planned because the
	// server's SETTINGS_MAX_CONCURRENT_STREAMS allows fewer.
	Limited string
}

// H2Answer is the server's answer to an extended CONNECT.
type H2Answer struct {
	Status     int    // :status (0: none)
	Fields     string // the response header list, one line
	Reset      string // the RST_STREAM code when the stream was reset instead ("" none)
	GoAway     string // the GOAWAY the connection ended with ("" none)
	Silent     bool   // nothing came back before our timer
	HasAccept  bool   // the response carried sec-websocket-accept
	Violation  string // the rule ValidateH2Response found broken ("" none)
	VRule      RuleRef
	Extensions string // the sec-websocket-extensions answer
	Protocol   string // the sec-websocket-protocol answer
}

// Accepted is a 2xx response (RFC 8441 §5).
func (a H2Answer) Accepted() bool { return a.Status/100 == 2 }

// Refused is an answer that refuses: RST_STREAM, a non-2xx status, or
// the connection ended by GOAWAY.
func (a H2Answer) Refused() bool {
	return a.Reset != "" || a.GoAway != "" || a.Status != 0 && !a.Accepted()
}

func (a H2Answer) String() string {
	switch {
	case a.Reset != "":
		return "RST_STREAM " + a.Reset
	case a.Status != 0:
		return fmt.Sprintf("status %d (%s)", a.Status, a.Fields)
	case a.GoAway != "":
		return "GOAWAY " + a.GoAway
	case a.Silent:
		return "nothing before our timer"
	}
	return "no answer (the connection ended)"
}

// Section 20's clauses and rules.
const (
	rfc8441Setting   = "RFC 8441 §3"
	rfc8441Connect   = "RFC 8441 §4"
	rfc8441Handshake = "RFC 8441 §5"
	rfc8441Close     = "RFC 8441 §6"
	rfc9113Malformed = "RFC 9113 §8.1.1"
	rfc9113Flow      = "RFC 9113 §6.9"
	rfc9113Streams   = "RFC 9113 §5.1"
)

var (
	RuleH2SettingInvalid   = RuleRef{"h2-enable-connect-protocol-invalid", rfc8441Setting}
	RuleH2ValidRefused     = RuleRef{"h2-valid-extended-connect-refused", rfc8441Handshake}
	RuleH2NotWebSocket     = RuleRef{"h2-stream-not-echoed", rfc8441Handshake}
	RuleH2CloseNotAnswered = RuleRef{"h2-close-not-answered", "RFC 6455 §5.5.1"}
	RuleH2CloseReset       = RuleRef{"h2-close-ended-by-reset", rfc8441Close}
	RuleH2StreamHeld       = RuleRef{"h2-stream-not-ended", rfc8441Close}
	RuleH2Close1006        = RuleRef{"h2-close-code-1006-sent", "RFC 6455 §7.4.1"}
	RuleH2ResetSpread      = RuleRef{"h2-reset-ended-other-websockets", rfc8441Close}
	RuleH2FlowExceeded     = RuleRef{"h2-flow-control-window-exceeded", "RFC 9113 §6.9.1"}
	RuleH2FlowStalled      = RuleRef{"h2-flow-control-stalled", rfc9113Flow}
	RuleH2StreamsCrossed   = RuleRef{"h2-websockets-crossed", rfc9113Streams}
	RuleH2SecondRefused    = RuleRef{"h2-second-websocket-refused", rfc9113Streams}
)

// h2Timeout bounds every section 20 case (our own waits are 5 s at most).
const h2Timeout = 30 * time.Second

// http2Cases is section 20: WebSockets over HTTP/2 (RFC 8441). Every case
// opens its own HTTP/2 connection whatever transport the run uses; a
// target that does not speak HTTP/2 there, or does not advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL, gets UNIMPLEMENTED (RFC 8441 is
// optional, and §3 forbids an extended CONNECT without the setting).
func http2Cases() []*Case {
	h2 := func(id, title, desc string, level Level, clauses []string, p *H2Plan) *Case {
		return &Case{ID: id, Title: title, Description: desc + " " + h2Note, Clauses: clauses, Level: level,
			Labels: []string{"http2"}, H2: p, Timeout: h2Timeout}
	}
	out := []*Case{
		h2("20.1.1", "SETTINGS_ENABLE_CONNECT_PROTOCOL advertised",
			"Opens HTTP/2 and reads the server's first SETTINGS frame. RFC 8441 §3: a server that accepts WebSockets over HTTP/2 sends SETTINGS_ENABLE_CONNECT_PROTOCOL = 1; any value but 0 or 1 is a connection error. Advertised: OK.",
			Must, []string{rfc8441Setting}, &H2Plan{Kind: H2Settings, Rule: RuleH2SettingInvalid}),
		h2("20.1.2", "Extended CONNECT accepted with 2xx, then an echo",
			"Sends :method CONNECT, :protocol websocket, :scheme, :path, :authority and sec-websocket-version 13, then a masked text message in DATA frames. RFC 8441 §5: a server that advertised the setting processes it as a WebSocket handshake and accepts with 2xx, without Sec-WebSocket-Accept (RFC 8441 §5 has :protocol replace the key/accept exchange: a response carrying it is INFORMATIONAL); the stream then carries WebSocket frames, so the echo must come back on it.",
			Must, []string{rfc8441Handshake, rfc8441Connect}, &H2Plan{Kind: H2Accept, Rule: RuleH2ValidRefused}),
		h2("20.1.3", "Subprotocol offer answered with one offered, or none",
			"The extended CONNECT offers sec-websocket-protocol: chat, superchat. RFC 8441 §5 keeps RFC 6455's rule (§4.1, §4.2.2): the response selects at most one of the offered subprotocols.",
			Must, []string{rfc8441Handshake, "RFC 6455 §4.1"}, &H2Plan{Kind: H2Accept, Protocols: []string{"chat", "superchat"}, Rule: RuleH2ValidRefused}),
		h2("20.1.4", "Extension offer answered with an offered extension, or none",
			"The extended CONNECT offers sec-websocket-extensions: permessage-deflate; client_max_window_bits. RFC 8441 §5 keeps RFC 6455 §9.1: the response may only accept extensions offered, and an accepted permessage-deflate must be a valid answer to the offer (RFC 7692 §7.1). Then a closing handshake.",
			Must, []string{rfc8441Handshake, "RFC 6455 §9.1", "RFC 7692 §7.1"}, &H2Plan{Kind: H2Accept, Extensions: "permessage-deflate; client_max_window_bits", Rule: RuleH2ValidRefused}),
	}
	malformed := []struct {
		id, title, why string
		clauses        []string
		drop           []string
		set            []H2Field
		rule           RuleRef
	}{
		{"20.2.1", "CONNECT with :scheme and :path but no :protocol",
			"without :protocol it is a plain CONNECT, which RFC 9113 §8.5 forbids to carry :scheme or :path",
			[]string{"RFC 9113 §8.5", rfc9113Malformed}, []string{":protocol"}, nil, RuleRef{"h2-connect-scheme-path-without-protocol", "RFC 9113 §8.5"}},
		{"20.2.2", "Extended CONNECT without :path",
			"RFC 8441 §4: a request with :protocol must also carry :path",
			[]string{rfc8441Connect, rfc9113Malformed}, []string{":path"}, nil, RuleRef{"h2-extended-connect-no-path", rfc8441Connect}},
		{"20.2.3", "Extended CONNECT without :scheme",
			"RFC 8441 §4: a request with :protocol must also carry :scheme",
			[]string{rfc8441Connect, rfc9113Malformed}, []string{":scheme"}, nil, RuleRef{"h2-extended-connect-no-scheme", rfc8441Connect}},
		{"20.2.4", "Extended CONNECT without :authority",
			"a CONNECT names its authority (RFC 9113 §8.5) and RFC 8441 §5 sets it to the WebSocket URI's",
			[]string{"RFC 9113 §8.5", rfc8441Handshake}, []string{":authority"}, nil, RuleRef{"h2-connect-no-authority", "RFC 9113 §8.5"}},
		{"20.2.5", ":protocol websocket on a GET",
			"RFC 8441 §4 defines :protocol for CONNECT only, and RFC 9113 §8.3 makes a request with a pseudo-header field it may not carry malformed",
			[]string{rfc8441Connect, "RFC 9113 §8.3"}, nil, []H2Field{{":method", "GET"}}, RuleRef{"h2-protocol-on-non-connect", rfc8441Connect}},
		{"20.2.6", "Extended CONNECT with Connection and Upgrade fields",
			"RFC 9113 §8.2.2: a message with connection-specific fields (connection: upgrade, upgrade: websocket, the HTTP/1.1 handshake's) is malformed",
			[]string{"RFC 9113 §8.2.2", rfc9113Malformed}, nil, []H2Field{{"connection", "upgrade"}, {"upgrade", "websocket"}}, RuleRef{"h2-connection-specific-field", "RFC 9113 §8.2.2"}},
		{"20.2.7", "Extended CONNECT with sec-websocket-version 8",
			"RFC 8441 §5 keeps RFC 6455 §4.2.2: a version the server does not speak aborts the handshake with an error status",
			[]string{rfc8441Handshake, "RFC 6455 §4.2.2"}, nil, []H2Field{{"sec-websocket-version", "8"}}, RuleRef{"h2-websocket-version-not-13", "RFC 6455 §4.2.2"}},
		{"20.2.8", "Extended CONNECT without sec-websocket-version",
			"RFC 8441 §5 keeps RFC 6455 §4.2.1: a handshake without sec-websocket-version 13 is not a valid one and gets an error status",
			[]string{rfc8441Handshake, "RFC 6455 §4.2.1"}, []string{"sec-websocket-version"}, nil, RuleRef{"h2-websocket-version-missing", "RFC 6455 §4.2.1"}},
		{"20.2.9", "Extended CONNECT with an upper-case field name",
			"RFC 9113 §8.2.1: a field name with upper-case letters makes the request malformed (it is sent as Sec-WebSocket-Version)",
			[]string{"RFC 9113 §8.2.1", rfc9113Malformed}, []string{"sec-websocket-version"}, []H2Field{{"Sec-WebSocket-Version", "13"}}, RuleRef{"h2-field-name-upper-case", "RFC 9113 §8.2.1"}},
	}
	for _, m := range malformed {
		out = append(out, h2(m.id, m.title,
			"Sends an extended CONNECT that is broken in one way: "+m.why+". RFC 9113 §8.1.1: a malformed request is a stream error (RST_STREAM PROTOCOL_ERROR); a refusal with an error status or GOAWAY is OK too, a 2xx FAILS, no answer at all is NON-STRICT.",
			Must, m.clauses, &H2Plan{Kind: H2Malformed, Drop: m.drop, Set: m.set, Rule: m.rule}))
	}
	out = append(out,
		h2("20.3.1", "Closing handshake, then END_STREAM",
			"Opens a WebSocket, sends close 1000 and waits. RFC 6455 §5.5.1: the server answers with a close frame; RFC 8441 §6: the orderly end of the stream is END_STREAM (TCP's FIN), RST_STREAM stands for TCP's RST. A close frame then END_STREAM is OK; RST_STREAM, or a stream left open, NON-STRICT; no close frame FAILS.",
			Must, []string{rfc8441Close, "RFC 6455 §5.5.1", "RFC 6455 §7.1.1"}, &H2Plan{Kind: H2CloseFrame, Rule: RuleH2CloseNotAnswered}),
		h2("20.3.2", "END_STREAM without a close frame",
			"Opens a WebSocket and ends our side of the stream with END_STREAM at once, without a close frame: the FIN of RFC 8441 §6 with no closing handshake (RFC 6455 §7.1.5, code 1006). The server should end its side too (END_STREAM or RST_STREAM); a close frame may precede it but never with 1006 (RFC 6455 §7.4.1: FAILED). A stream still open after 5 s is NON-STRICT.",
			Should, []string{rfc8441Close, "RFC 6455 §7.1.5", "RFC 6455 §7.4.1"}, &H2Plan{Kind: H2EndStream, Rule: RuleH2StreamHeld}),
		h2("20.3.3", "RST_STREAM on one WebSocket leaves the connection serving",
			"Opens a WebSocket, resets its stream with RST_STREAM CANCEL, then opens a second WebSocket on the same HTTP/2 connection and has a message echoed. RFC 8441 §6: RST_STREAM is the stream's TCP reset, and RFC 9113 §5.4.2 makes it end that stream only; a server that drops the connection with it takes every other WebSocket down (NON-STRICT).",
			Should, []string{rfc8441Close, "RFC 9113 §5.4.2"}, &H2Plan{Kind: H2ResetOne, Rule: RuleH2ResetSpread}),
		h2("20.4.1", "A message four times the initial flow-control window, echoed",
			"Sends a 262144-octet binary message, four times the 65535-octet initial window of RFC 9113 §6.9.2, and reads its echo while giving credit only as we read. The server must open its window with WINDOW_UPDATE for our DATA to go on (else the message stalls: FAILED), must not send beyond our window (RFC 9113 §6.9.1: FAILED), and the echo must come back whole.",
			Must, []string{rfc9113Flow, "RFC 9113 §6.9.1", rfc8441Handshake}, &H2Plan{Kind: H2Large, Size: 256 << 10, Rule: RuleH2FlowStalled}),
		h2("20.5.1", "Three WebSockets on one HTTP/2 connection",
			"Opens three WebSockets on one HTTP/2 connection, sends a different message on each before reading any, and checks that each echo comes back on its own stream. RFC 8441 §1 and RFC 9113 §5: streams are independent, each an own WebSocket; crossed echoes FAIL, a refused second stream is NON-STRICT (INFORMATIONAL when the server's SETTINGS_MAX_CONCURRENT_STREAMS allows fewer).",
			Must, []string{rfc9113Streams, "RFC 8441 §1"}, &H2Plan{Kind: H2Multiplex, Streams: 3, Rule: RuleH2StreamsCrossed}),
	)
	return out
}

const h2Note = "Runs on an HTTP/2 connection of its own: h2 by ALPN for wss://, h2c with prior knowledge for ws://; a target that does not speak HTTP/2 there, or does not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL, gets UNIMPLEMENTED (RFC 8441 is optional, and §3 forbids an extended CONNECT without the setting)."

// JudgeH2 sets both verdicts of a section 20 case from its run.
func JudgeH2(r *Result, c *Case, run H2Run) {
	p := c.H2
	v, why, rule := judgeH2(p, run)
	if v == NonStrict && c.Level != Must || v == Failed && c.Level == Should {
		v = NonStrict
	}
	r.Behavior, r.Reason = v, sentence(why)
	if v != OK && v != Unimplemented && v != Informational {
		r.Rule, r.RuleSection = rule.ID, rule.Section
	}
	if run.Settings != "" {
		r.Observed = append(r.Observed, "server SETTINGS: "+run.Settings)
	}
	if run.Answer != (H2Answer{}) {
		r.Observed = append(r.Observed, "answer to the extended CONNECT: "+run.Answer.String())
	}
	if run.StreamEnd != "" {
		r.Observed = append(r.Observed, "the server ended its stream with "+run.StreamEnd)
	}
	switch r.Behavior {
	case Failed:
		r.BehaviorClose, r.CloseReason = CloseFailed, "see the main verdict"
	case Informational, Unimplemented:
		r.BehaviorClose, r.CloseReason = CloseInformational, "recorded only"
	default:
		r.BehaviorClose, r.CloseReason = CloseOK, "the stream ended as the main verdict describes"
	}
}

func judgeH2(p *H2Plan, run H2Run) (Verdict, string, RuleRef) {
	switch {
	case run.NoConnection != "":
		return Failed, "We could not reach the target: " + run.NoConnection, RuleRef{}
	case run.NoH2 != "":
		return Unimplemented, "We opened HTTP/2 to the target; " + run.NoH2 + ". RFC 8441 is optional, so the case does not apply", RuleRef{}
	case run.HasSetting && run.Setting > 1:
		return Failed, fmt.Sprintf("The server's SETTINGS (%s) gave SETTINGS_ENABLE_CONNECT_PROTOCOL the value %d; RFC 8441 §3 allows only 0 or 1, and a peer must treat another value as a connection error", run.Settings, run.Setting), RuleH2SettingInvalid
	case !run.HasSetting || run.Setting == 0:
		return Unimplemented, fmt.Sprintf("The server's SETTINGS (%s) do not enable extended CONNECT; RFC 8441 §3 forbids a client to send one then, so we did not, and the case does not apply (the server does not support WebSockets over HTTP/2)", run.Settings), RuleRef{}
	}
	a := run.Answer
	switch p.Kind {
	case H2Settings:
		return OK, fmt.Sprintf("The server's first SETTINGS (%s) enable extended CONNECT, as RFC 8441 §3 has a server supporting WebSockets over HTTP/2 do", run.Settings), RuleRef{}
	case H2Malformed:
		return judgeMalformed(p, a)
	case H2Multiplex:
		if run.Limited != "" { // nothing was sent
			return Informational, fmt.Sprintf("We meant to open %d WebSockets on one HTTP/2 connection; %s", p.Streams, run.Limited), RuleRef{}
		}
	}
	// Every other kind opened a WebSocket with a valid extended CONNECT.
	if !a.Accepted() {
		return Failed, fmt.Sprintf("The server advertised SETTINGS_ENABLE_CONNECT_PROTOCOL, and answered our valid extended CONNECT with %s; RFC 8441 §5 has a server that supports it process the request as a WebSocket handshake and accept with 2xx", a), RuleH2ValidRefused
	}
	if a.Violation != "" {
		return Failed, fmt.Sprintf("The server accepted our extended CONNECT with %s, but %s", a, a.Violation), a.VRule
	}
	switch p.Kind {
	case H2Accept:
		return judgeAccepted(p, run)
	case H2CloseFrame:
		return judgeCloseFrame(run)
	case H2EndStream:
		return judgeEndStream(run)
	case H2ResetOne:
		if run.Second != "" {
			return NonStrict, "We reset one WebSocket's stream with RST_STREAM CANCEL and opened another on the same connection; " + run.Second + ". RFC 8441 §6 makes RST_STREAM the reset of that one stream, and RFC 9113 §5.4.2 ends only it", RuleH2ResetSpread
		}
		return OK, "We reset one WebSocket's stream with RST_STREAM CANCEL; a second WebSocket on the same connection was accepted and echoed our message, as RFC 8441 §6 and RFC 9113 §5.4.2 (a stream reset ends that stream only) expect", RuleRef{}
	case H2Large:
		return judgeLarge(p, run)
	case H2Multiplex:
		return judgeMultiplex(p, run)
	}
	return Failed, "unknown plan", RuleRef{}
}

func judgeMalformed(p *H2Plan, a H2Answer) (Verdict, string, RuleRef) {
	sent := "We sent an extended CONNECT " + p.Broken()
	switch {
	case a.Accepted():
		return Failed, fmt.Sprintf("%s; the server accepted it with %s. %s: such a request is malformed, and RFC 9113 §8.1.1 requires it to be treated as a stream error, not accepted", sent, a, p.Rule.Section), p.Rule
	case a.Reset == "PROTOCOL_ERROR":
		return OK, sent + "; the server reset the stream with PROTOCOL_ERROR, the stream error RFC 9113 §8.1.1 gives a malformed request", RuleRef{}
	case a.Refused():
		return OK, fmt.Sprintf("%s; the server refused it with %s, as %s requires (RFC 9113 §8.1.1 allows an error response before the stream ends)", sent, a, p.Rule.Section), RuleRef{}
	}
	return NonStrict, fmt.Sprintf("%s; the server answered %s. RFC 9113 §8.1.1 requires a malformed request to be treated as a stream error (RST_STREAM PROTOCOL_ERROR)", sent, a), p.Rule
}

// Broken is how a Malformed plan changes a valid extended CONNECT, in
// words.
func (p *H2Plan) Broken() string {
	var parts []string
	for _, d := range p.Drop {
		parts = append(parts, "without "+d)
	}
	for _, s := range p.Set {
		parts = append(parts, "with "+s.Name+": "+s.Value)
	}
	return strings.Join(parts, " and ")
}

func judgeAccepted(p *H2Plan, run H2Run) (Verdict, string, RuleRef) {
	a := run.Answer
	sent := "We sent a valid extended CONNECT"
	if len(p.Protocols) > 0 {
		sent += " offering subprotocols " + strings.Join(p.Protocols, ", ")
	}
	if p.Extensions != "" {
		sent += " offering " + p.Extensions
	}
	got := fmt.Sprintf("the server accepted with %s", a)
	switch {
	case !run.Echoed && run.Echo != "":
		return Failed, fmt.Sprintf("%s; %s, but then %s. RFC 8441 §5: once accepted, the stream carries the WebSocket, and an echo server echoes", sent, got, run.Echo), RuleH2NotWebSocket
	case a.HasAccept:
		// RFC 8441 §5 only says the key/accept exchange is not used over
		// HTTP/2; sending the field breaks no requirement.
		return Informational, sent + "; " + got + " and echoed, carrying a sec-websocket-accept field: RFC 8441 §5 has the :protocol pseudo-header replace RFC 6455's key/accept exchange, so the field means nothing here (recorded only; a proxy passing an HTTP/1.1 origin's answer through sends it)", RuleRef{}
	case len(p.Protocols) > 0 && a.Protocol == "":
		return OK, sent + "; " + got + " selecting no subprotocol, which RFC 6455 §4.2.2 (kept by RFC 8441 §5) allows", RuleRef{}
	case len(p.Protocols) > 0:
		return OK, sent + "; " + got + " selecting " + a.Protocol + ", one of those offered, as RFC 6455 §4.1 (kept by RFC 8441 §5) requires", RuleRef{}
	case p.Extensions != "" && a.Extensions == "":
		return OK, sent + "; " + got + " declining the extension, which RFC 6455 §9.1 allows", RuleRef{}
	case p.Extensions != "":
		return OK, sent + "; " + got + " accepting " + a.Extensions + ", a valid answer to the offer (RFC 7692 §7.1, RFC 6455 §9.1)", RuleRef{}
	}
	return OK, sent + "; " + got + " and echoed our message on the stream, as RFC 8441 §5 describes", RuleRef{}
}

func judgeCloseFrame(run H2Run) (Verdict, string, RuleRef) {
	sent := "We sent close 1000 on an accepted WebSocket"
	switch {
	case run.CloseCode < 0:
		end := "kept the stream open"
		if run.StreamEnd != "" {
			end = "ended the stream with " + run.StreamEnd
		}
		return Failed, fmt.Sprintf("%s; the server sent no close frame and %s. RFC 6455 §5.5.1: an endpoint that receives a close frame MUST send one in response", sent, end), RuleH2CloseNotAnswered
	case run.StreamEnd == "END_STREAM" && run.ResetAfterEnd != "":
		return OK, fmt.Sprintf("%s; the server answered close %d and ended its stream with END_STREAM, the orderly end RFC 8441 §6 maps TCP's FIN to, then reset our side with RST_STREAM %s (after a complete closing handshake, like a TCP reset once the close is done: still clean)", sent, run.CloseCode, run.ResetAfterEnd), RuleRef{}
	case run.StreamEnd == "END_STREAM":
		return OK, fmt.Sprintf("%s; the server answered close %d and ended its stream with END_STREAM, the orderly end RFC 8441 §6 maps TCP's FIN to", sent, run.CloseCode), RuleRef{}
	case run.StreamEnd == "":
		return NonStrict, fmt.Sprintf("%s; the server answered close %d but kept its side of the stream open after our END_STREAM: RFC 6455 §7.1.1 has the server end the connection first, which over HTTP/2 is END_STREAM (RFC 8441 §6)", sent, run.CloseCode), RuleH2StreamHeld
	}
	return NonStrict, fmt.Sprintf("%s; the server answered close %d, then ended the stream with %s: RFC 8441 §6 maps RST_STREAM to TCP's RST, an abrupt end, where END_STREAM is the orderly one", sent, run.CloseCode, run.StreamEnd), RuleH2CloseReset
}

func judgeEndStream(run H2Run) (Verdict, string, RuleRef) {
	sent := "We ended our side of an accepted WebSocket's stream with END_STREAM, without a close frame"
	closeNote := ""
	if run.CloseCode >= 0 {
		closeNote = fmt.Sprintf(" after a close frame with code %d", run.CloseCode)
	}
	switch {
	case run.CloseCode == 1006:
		return Failed, sent + "; the server sent a close frame with code 1006, which RFC 6455 §7.4.1 reserves for the absence of a close frame: it MUST NOT be sent", RuleH2Close1006
	case run.StreamEnd == "":
		return NonStrict, sent + "; the server kept its side of the stream open" + closeNote + ". RFC 8441 §6 makes END_STREAM the connection's FIN, and a server ends a WebSocket whose client has gone (RFC 6455 §7.1.5)", RuleH2StreamHeld
	}
	return OK, fmt.Sprintf("%s; the server ended its side with %s%s, as a server ends a TCP connection whose client sent FIN (RFC 8441 §6)", sent, run.StreamEnd, closeNote), RuleRef{}
}

func judgeLarge(p *H2Plan, run H2Run) (Verdict, string, RuleRef) {
	sent := fmt.Sprintf("We sent a %d-octet binary message on an accepted WebSocket, more than the 65535-octet initial window", p.Size)
	switch {
	case run.FlowViolation:
		return Failed, sent + "; the server sent DATA beyond the window we had given it: RFC 9113 §6.9.1, a sender MUST NOT exceed the receiver's flow-control window", RuleH2FlowExceeded
	case run.Stalled != "":
		return Failed, sent + "; " + run.Stalled + ": the server never gave our DATA more credit with WINDOW_UPDATE (RFC 9113 §6.9), so the message could not be delivered", RuleH2FlowStalled
	case !run.Echoed:
		return Failed, sent + "; " + run.Echo + ". RFC 8441 §5: the stream carries the WebSocket, and an echo server echoes", RuleH2NotWebSocket
	}
	return OK, sent + "; the server opened its window with WINDOW_UPDATE as it read, stayed within ours, and echoed the message whole (RFC 9113 §6.9)", RuleRef{}
}

func judgeMultiplex(p *H2Plan, run H2Run) (Verdict, string, RuleRef) {
	sent := fmt.Sprintf("We opened %d WebSockets on one HTTP/2 connection and sent a different message on each before reading", p.Streams)
	switch {
	case run.Second != "":
		return NonStrict, sent + "; " + run.Second + ". RFC 9113 §5 lets one connection carry many streams, and RFC 8441 a WebSocket on each", RuleH2SecondRefused
	case !run.Echoed:
		return Failed, sent + "; " + run.Echo + ". RFC 9113 §5.1: streams are independent, so each WebSocket's echo comes back on its own stream", RuleH2StreamsCrossed
	}
	return OK, sent + "; each echo came back on its own stream, as RFC 9113 §5 and RFC 8441 §1 describe", RuleRef{}
}
