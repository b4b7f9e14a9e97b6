package cases

import (
	"strings"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, browserAPICases) }

// APICheck makes a case a check of a browser's WebSocket API (section 16,
// groups 16.10-16.16, label `browser`), anchored on web-platform-tests'
// websockets/ directory: the harness page runs Script against a scenario
// server that answers as Server says, and reports, in order, what the page
// observed (events, readyState, exceptions, attribute values) as plain
// strings; the case judges that list (JudgeAPI). The page never judges.
type APICheck struct {
	Script string
	Server APIServer
	// Expect is ordered; the first outcome equal to what the page saw wins.
	Expect []APIOutcome
	// Requires is what the standard requires, for the verdict sentence.
	Requires string
}

// APIServer is how the scenario server answers each connection of a check.
type APIServer struct {
	// Answer breaks the 101 on purpose (APIAnswerValid: a valid 101).
	Answer APIAnswer `json:"answer,omitempty"`
	// Protocol is the subprotocol the server selects ("" none).
	Protocol string `json:"protocol,omitempty"`
	// Deflate accepts a permessage-deflate offer as plain
	// "permessage-deflate" (no parameters).
	Deflate bool `json:"deflate,omitempty"`
	// Then is what the server does once the connection is open.
	Then APIAction `json:"then"`
	// Code and Reason are the close frame ThenClose sends (Code 0: an empty
	// close payload).
	Code   frame.CloseCode `json:"code,omitempty"`
	Reason string          `json:"reason,omitempty"`
}

// APIAnswer is the scenario server's answer to the opening handshake.
type APIAnswer string

const (
	APIAnswerValid       APIAnswer = ""
	APIAnswerWrongAccept APIAnswer = "wrong-accept" // 101 with the Sec-WebSocket-Accept of another key
	APIAnswerStatus200   APIAnswer = "status-200"   // 200 OK instead of 101
)

// APIAction is what the scenario server does after the handshake.
type APIAction string

const (
	// ThenEcho echoes every message and answers a close frame with the
	// same payload, then closes TCP (§7.1.1: the server closes first).
	ThenEcho APIAction = "echo"
	// ThenClose sends one close frame (Code, Reason) at once, and closes
	// TCP once the client's close frame came back.
	ThenClose APIAction = "close"
	// ThenDrop sends the text message "Hello" and closes TCP without a
	// close frame.
	ThenDrop APIAction = "drop"
	// ThenCloseNoTCP sends a close frame 1000 and never closes TCP: the
	// browser must not hang (§7.1.1 lets the client close TCP itself).
	ThenCloseNoTCP APIAction = "close-no-tcp"
)

// APIOutcome is one acceptable observation list and its verdict.
type APIOutcome struct {
	Verdict Verdict
	Seen    []string
}

// Clauses the browser API cases cite: the WHATWG standards by anchor,
// which stay stable while section numbers move.
const (
	whatwgConstructor = "WHATWG WebSockets #dom-websocket-websocket"
	whatwgReadyState  = "WHATWG WebSockets #dom-websocket-readystate"
	whatwgFeedback    = "WHATWG WebSockets #feedback-from-the-protocol"
	whatwgCloseMethod = "WHATWG WebSockets #dom-websocket-close"
	whatwgCloseEvent  = "WHATWG WebSockets #the-closeevent-interface"
	whatwgSend        = "WHATWG WebSockets #dom-websocket-send"
	whatwgBuffered    = "WHATWG WebSockets #dom-websocket-bufferedamount"
	whatwgBinaryType  = "WHATWG WebSockets #dom-websocket-binarytype"
	whatwgProtocol    = "WHATWG WebSockets #dom-websocket-protocol"
	whatwgExtensions  = "WHATWG WebSockets #dom-websocket-extensions"
	whatwgEstablish   = "WHATWG Fetch #concept-websocket-establish"
)

// browserAPICases are groups 16.10-16.16: the WebSocket API as a page sees
// it. They run only through `wsconform clients --browser`.
func browserAPICases() []*Case {
	echo := APIServer{Then: ThenEcho}
	closeSeen := func(code int, reason string, clean bool) string {
		return "close code=" + itoa(code) + " reason=" + quote(reason) + " clean=" + boolText(clean) + " rs=3"
	}
	failed := closeSeen(1006, "", false)
	a123 := strings.Repeat("a", 123)
	return []*Case{
		api("16.10.1", "readyState constants", "Reads CONNECTING, OPEN, CLOSING and CLOSED on the WebSocket interface and on an instance; the IDL fixes them at 0, 1, 2 and 3.",
			[]string{whatwgReadyState}, "constants", echo,
			"the constants CONNECTING=0, OPEN=1, CLOSING=2, CLOSED=3 on the interface and on every instance",
			"interface 0 1 2 3", "instance 0 1 2 3"),
		api("16.10.2", "readyState and events of a normal session",
			"Opens a WebSocket to an echo server, sends \"Hello\", and on its echo calls close(1000). The page must see readyState 0 after construction, open with readyState 1, the echo as a text message, readyState 2 right after close(), and one close event (1000, clean) with readyState 3, in that order.",
			[]string{whatwgReadyState, whatwgFeedback, whatwgCloseEvent}, "lifecycle", echo,
			"readyState CONNECTING, then open (OPEN), the message, CLOSING right after close(), then a clean close event with the server's code (CLOSED)",
			"new rs=0", "open rs=1", `message text "Hello" rs=1`, "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.10.3", "Wrong Sec-WebSocket-Accept: error then close, no open",
			"The server answers 101 with the Sec-WebSocket-Accept of another key. The browser must fail the connection (RFC 6455 §4.1): no open event, an error event with readyState 3, then a close event with code 1006, wasClean false.",
			[]string{rfcClientRequirements, whatwgFeedback}, "handshake-fail", APIServer{Answer: APIAnswerWrongAccept, Then: ThenEcho},
			"§4.1: the client MUST fail the connection; the standard then fires error and close (1006, not clean) and never open",
			"new rs=0", "error rs=3", failed),
		api("16.10.4", "Status 200 instead of 101: error then close, no open",
			"The server answers 200 OK to the opening handshake. The browser must fail the connection (RFC 6455 §4.1: any status other than 101): error with readyState 3, then close 1006, not clean, and no open event.",
			[]string{rfcClientRequirements, whatwgFeedback}, "handshake-fail", APIServer{Answer: APIAnswerStatus200},
			"§4.1: a status other than 101 MUST fail the connection; the standard then fires error and close (1006, not clean)",
			"new rs=0", "error rs=3", failed),
		api("16.10.5", "close() while connecting",
			"Calls close() right after construction, while the handshake is under way. The standard fails the connection and sets readyState to CLOSING: the page must see readyState 2 at once, no open event, error (readyState 3), then close 1006, not clean.",
			[]string{whatwgCloseMethod, whatwgFeedback}, "close-connecting", echo,
			"close() before the connection is established fails it: CLOSING at once, then error and close (1006, not clean), never open",
			"new rs=0", "close() rs=2", "error rs=3", failed),
		{
			ID: "16.10.6", Title: "Server drops TCP without a close frame",
			Description: "The server sends the text message \"Hello\" and closes TCP without a close frame. The page must see open, the message, and a close event with code 1006 (RFC 6455 §7.1.5: no close frame was received) and wasClean false; an error event before it is allowed (the connection closed abnormally).",
			Clauses:     []string{"RFC 6455 §7.1.5", whatwgFeedback}, Level: Must,
			API: &APICheck{Script: "server-drops", Server: APIServer{Then: ThenDrop},
				Requires: "§7.1.5: a connection that ends without a close frame has the close code 1006 and was not closed cleanly",
				Expect: []APIOutcome{
					{OK, []string{"new rs=0", "open rs=1", `message text "Hello" rs=1`, "error rs=3", failed}},
					{OK, []string{"new rs=0", "open rs=1", `message text "Hello" rs=1`, failed}},
				}},
			Labels: browserLabels,
		},
		api("16.11.1", "Server closes with 3000 and a reason",
			"The server sends close 3000 \"wsconform\" right after the handshake. The close event must carry code 3000, reason \"wsconform\" and wasClean true once the browser has answered the close.",
			[]string{whatwgCloseEvent, "RFC 6455 §7.1.5", "RFC 6455 §7.1.6"}, "server-closes", APIServer{Then: ThenClose, Code: 3000, Reason: "wsconform"},
			"the close event carries the server's close code and reason, and wasClean true after a completed closing handshake",
			"new rs=0", "open rs=1", closeSeen(3000, "wsconform", true)),
		api("16.11.2", "Server closes with an empty close payload",
			"The server sends a close frame with no payload. §7.1.5: with no status code the close code is 1005; the close event must say 1005, reason \"\", wasClean true.",
			[]string{whatwgCloseEvent, "RFC 6455 §7.1.5"}, "server-closes", APIServer{Then: ThenClose},
			"§7.1.5: a close frame without a status code gives the close code 1005",
			"new rs=0", "open rs=1", closeSeen(1005, "", true)),
		api("16.11.3", "Server closes with 4999 and a non-ASCII reason",
			"The server sends close 4999 with the UTF-8 reason \"déjà vu ✓\". The close event must carry the reason decoded from UTF-8 (RFC 6455 §7.1.6) and code 4999.",
			[]string{whatwgCloseEvent, "RFC 6455 §7.1.6"}, "server-closes", APIServer{Then: ThenClose, Code: 4999, Reason: "déjà vu ✓"},
			"§7.1.6: the close reason is the UTF-8-decoded rest of the close payload",
			"new rs=0", "open rs=1", closeSeen(4999, "déjà vu ✓", true)),
		api("16.11.4", "Server sends close and never closes TCP",
			"The server sends close 1000 and keeps the TCP connection open. The browser must answer the close and then close TCP itself rather than wait forever (§7.1.1 lets the client close TCP when the server does not); the close event (1000, clean: the closing handshake completed, §7.1.4) must arrive within the check's 10 s.",
			[]string{"RFC 6455 §7.1.1", "RFC 6455 §7.1.4", whatwgCloseEvent}, "server-closes", APIServer{Then: ThenCloseNoTCP, Code: 1000},
			"§7.1.1 and §7.1.4: after the closing handshake the client may close TCP itself, and the close is clean",
			"new rs=0", "open rs=1", closeSeen(1000, "", true)),
		api("16.11.5", "close(3000, reason) by the page",
			"Calls close(3000, \"bye\") once open; the echo server answers with the same close payload. The close event must carry 3000, \"bye\", wasClean true.",
			[]string{whatwgCloseMethod, whatwgCloseEvent}, "client-closes", echo,
			"close(code, reason) sends them in the close frame (§5.5.1), and the close event carries the code and reason the server answered with",
			"new rs=0", "open rs=1", "close(3000) rs=2", closeSeen(3000, "bye", true)),
		api("16.11.6", "close() without a code",
			"Calls close() with no arguments once open; the echo server answers with an empty close frame. The close event must say 1005 (no status code received, §7.1.5), reason \"\", wasClean true.",
			[]string{whatwgCloseMethod, "RFC 6455 §7.1.5"}, "client-closes-empty", echo,
			"close() without a code sends a close frame without one, and the server's empty answer gives 1005",
			"new rs=0", "open rs=1", "close() rs=2", closeSeen(1005, "", true)),
		api("16.12.1", "close() accepts 1000 and 3000-4999",
			"Opens three WebSockets and closes them with close(1000), close(3000) and close(4999). The standard allows exactly 1000 and 3000-4999: none may throw, and each close event carries the code the echo server answered with.",
			[]string{whatwgCloseMethod}, "close-codes-allowed", echo,
			"close() accepts the code 1000 and any code in 3000-4999",
			"close(1000) rs=2", closeSeen(1000, "", true), "close(3000) rs=2", closeSeen(3000, "", true), "close(4999) rs=2", closeSeen(4999, "", true)),
		api("16.12.2", "close() rejects other codes with InvalidAccessError",
			"On an open WebSocket calls close() with 0, 999, 1001, 1005, 1006, 1011, 2999, 5000, 65535 and 66536 (clamped to 65535 by [Clamp]). Each must throw InvalidAccessError and leave readyState OPEN; close(1000) then closes normally.",
			[]string{whatwgCloseMethod}, "close-codes-invalid", echo,
			"close() with a code that is neither 1000 nor in 3000-4999 throws InvalidAccessError and changes nothing",
			"new rs=0", "open rs=1",
			"close(0) InvalidAccessError rs=1", "close(999) InvalidAccessError rs=1", "close(1001) InvalidAccessError rs=1",
			"close(1005) InvalidAccessError rs=1", "close(1006) InvalidAccessError rs=1", "close(1011) InvalidAccessError rs=1",
			"close(2999) InvalidAccessError rs=1", "close(5000) InvalidAccessError rs=1", "close(65535) InvalidAccessError rs=1",
			"close(66536) InvalidAccessError rs=1", "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.12.3", "close() reason over 123 octets throws SyntaxError",
			"On an open WebSocket calls close(1000, r) with 124 ASCII characters, then with 62 \"é\" (62 UTF-16 units, 124 UTF-8 octets), then with 123 ASCII characters. The first two must throw SyntaxError and leave readyState OPEN (the limit counts UTF-8 octets, §5.5: a control frame payload is at most 125 octets); the third closes, and the close event carries the 123-character reason.",
			[]string{whatwgCloseMethod, "RFC 6455 §5.5"}, "close-reason-length", echo,
			"close() throws SyntaxError when the reason encodes to more than 123 UTF-8 octets",
			"new rs=0", "open rs=1", "close(1000, 124 ASCII) SyntaxError rs=1", "close(1000, 62 é) SyntaxError rs=1",
			"close(1000, 123 ASCII) rs=2", closeSeen(1000, a123, true)),
		api("16.13.1", "binaryType: blob by default, arraybuffer when set, other values ignored",
			"Reads binaryType (must be \"blob\"), receives a 3-octet binary echo (must be a Blob), sets binaryType to \"arraybuffer\" and then to \"foo\" (an invalid enum value is ignored: it stays \"arraybuffer\"), and receives another (must be an ArrayBuffer).",
			[]string{whatwgBinaryType}, "binary-type", echo,
			"binaryType starts as \"blob\", selects Blob or ArrayBuffer for binary messages, and ignores values outside the enum",
			"new rs=0", "binaryType blob", "open rs=1", "message binary Blob 3 rs=1", "binaryType arraybuffer", "message binary ArrayBuffer 3 rs=1", "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.14.1", "send() while connecting throws InvalidStateError",
			"Calls send(\"x\") right after construction. The standard throws InvalidStateError while readyState is CONNECTING, and bufferedAmount stays 0.",
			[]string{whatwgSend}, "send-connecting", echo,
			"send() throws InvalidStateError while CONNECTING",
			"new rs=0", "send InvalidStateError buffered=0", "open rs=1", "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.14.2", "bufferedAmount counts UTF-8 octets and grows after close",
			"Once open sends \"Hello\" (5 octets), \"é\" (2 UTF-8 octets) and a 3-octet ArrayBuffer in one task: bufferedAmount must then be 10, and 0 once all three echoes are back. After close(1000), send(\"xyz\") must not throw and must add 3 to bufferedAmount.",
			[]string{whatwgBuffered, whatwgSend}, "buffered-amount", echo,
			"bufferedAmount grows by the UTF-8 (or binary) size of each send() not yet transmitted, including sends after close()",
			"new rs=0", "open rs=1 buffered=0", "after 3 sends buffered=10", "3 echoes buffered=0", "close(1000) rs=2", "send after close buffered=3", closeSeen(1000, "", true)),
		api("16.15.1", "protocol is the subprotocol the server selected",
			"Offers the subprotocols wsc.a and wsc.b; the server selects wsc.b. protocol must be \"\" before open and \"wsc.b\" after.",
			[]string{whatwgProtocol, rfcServerResponse}, "protocol", APIServer{Protocol: "wsc.b", Then: ThenEcho},
			"protocol is empty until open, then the subprotocol in the server's Sec-WebSocket-Protocol",
			`new rs=0 protocol=""`, `open rs=1 protocol="wsc.b"`, "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.15.2", "Subprotocols offered, none selected: fail",
			"Offers wsc.a and wsc.b; the server answers 101 without Sec-WebSocket-Protocol. Fetch's establish-a-WebSocket-connection fails the connection when protocols were requested and the response names none: error, close 1006, no open.",
			[]string{whatwgEstablish, whatwgFeedback}, "protocol-fail", APIServer{Then: ThenEcho},
			"Fetch fails the connection when protocols were offered and the response selects none",
			"new rs=0", "error rs=3", failed),
		api("16.15.3", "Unoffered subprotocol selected: fail",
			"Offers wsc.a and wsc.b; the server selects wsc.z. RFC 6455 §4.1: a subprotocol not in the client's handshake MUST fail the connection: error, close 1006, no open.",
			[]string{rfcClientRequirements, whatwgEstablish}, "protocol-fail", APIServer{Protocol: "wsc.z", Then: ThenEcho},
			"§4.1: a subprotocol that was not offered MUST fail the connection",
			"new rs=0", "error rs=3", failed),
		api("16.15.4", "extensions is empty when none was accepted",
			"The server accepts no extension. extensions must be \"\" before and after open.",
			[]string{whatwgExtensions}, "extensions", APIServer{Then: ThenEcho},
			"extensions is the server's Sec-WebSocket-Extensions, empty when there is none",
			`new rs=0 extensions=""`, `open rs=1 extensions=""`, "close(1000) rs=2", closeSeen(1000, "", true)),
		{
			ID: "16.15.5", Title: "extensions names the accepted permessage-deflate",
			Description: "The server accepts the browser's permessage-deflate offer as plain \"permessage-deflate\". extensions must be \"\" before open and \"permessage-deflate\" after. A browser that offers no extension never sees one accepted: UNIMPLEMENTED.",
			Clauses:     []string{whatwgExtensions, "RFC 7692 §5"}, Level: Should,
			API: &APICheck{Script: "extensions", Server: APIServer{Deflate: true, Then: ThenEcho},
				Requires: "extensions is the server's Sec-WebSocket-Extensions once open",
				Expect: []APIOutcome{
					{OK, []string{`new rs=0 extensions=""`, `open rs=1 extensions="permessage-deflate"`, "close(1000) rs=2", closeSeen(1000, "", true)}},
					{Unimplemented, []string{`new rs=0 extensions=""`, `open rs=1 extensions=""`, "close(1000) rs=2", closeSeen(1000, "", true)}},
				}},
			Labels: browserLabels,
		},
		api("16.15.6", "Constructor rejects bad URLs and protocol lists with SyntaxError",
			"Constructs WebSockets with an ftp: URL, the protocols [\"wsc.a\", \"wsc.a\"] (duplicate), [\"a b\"] (not a token), [\"é\"] (not ASCII) and the empty-string protocol. Each must throw SyntaxError before any connection is made.",
			[]string{whatwgConstructor}, "constructor", echo,
			"the constructor throws SyntaxError for a non-WebSocket scheme and for protocols that repeat or are not tokens",
			"ftp: SyntaxError", "duplicate protocols SyntaxError", "protocol with space SyntaxError", "non-ASCII protocol SyntaxError", "empty protocol SyntaxError"),
		api("16.16.1", "Text with non-ASCII and unpaired surrogates",
			"Sends \"€ 𝄞\" and \"a\\uD800b\" (an unpaired surrogate). The echo of the first must be identical; send() takes a USVString, so the unpaired surrogate is sent as U+FFFD and the echo is \"a\\uFFFDb\".",
			[]string{whatwgSend, "RFC 6455 §5.6"}, "unicode", echo,
			"text is sent as UTF-8, and a USVString turns unpaired surrogates into U+FFFD",
			"new rs=0", "open rs=1", `message text "€ 𝄞" rs=1`, "message text \"a\uFFFDb\" rs=1", "close(1000) rs=2", closeSeen(1000, "", true)),
		api("16.16.2", "64 KiB binary message round trip",
			"Sends a 65536-octet ArrayBuffer (octet i = i mod 251) with binaryType arraybuffer; the echo must be one binary message with the same octets.",
			[]string{whatwgSend, "RFC 6455 §5.6"}, "big-binary", echo,
			"a binary message arrives whole and unchanged",
			"new rs=0", "open rs=1", "message binary ArrayBuffer 65536 same", "close(1000) rs=2", closeSeen(1000, "", true)),
	}
}

var browserLabels = []string{"client", "browser"}

// api is a browser API check with one acceptable observation list (OK).
func api(id, title, desc string, clauses []string, script string, server APIServer, requires string, seen ...string) *Case {
	return &Case{
		ID: id, Title: title, Description: desc, Clauses: clauses, Level: Must,
		API:    &APICheck{Script: script, Server: server, Requires: requires, Expect: []APIOutcome{{OK, seen}}},
		Labels: browserLabels,
	}
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// quote renders s as the page does (JSON.stringify): double quotes, with
// quotes, backslashes and control characters escaped.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
