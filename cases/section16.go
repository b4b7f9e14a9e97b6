package cases

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

func init() {
	sections = append(sections, clientRuleCases)
	sectionTitles["16"] = "Client Rules"
}

// ClientRule makes a case test a rule only a client has (section 16,
// label `client`), which Autobahn never checks: we, the server, answer the
// opening handshake as Answer says, send Send, run Echoes round trips,
// end as End says, and Judge decides from what the client did
// (ClientSeen). Only `wsconform clients` plays these.
type ClientRule struct {
	Answer ClientAnswer
	// Send are frames we write once the answer is out (unmasked unless
	// the frame says Masked).
	Send []frame.Frame
	// Echoes sends this many text messages one at a time, each once the
	// previous one came back, to collect the client's masking keys.
	Echoes int
	End    ClientEnd
	// Wait is how long, after the last thing we sent, the client has to
	// act (close TCP, answer a close) before we stop waiting.
	Wait time.Duration
	// CloseCodes are the codes the client's close frame may carry (none:
	// any valid code); another code is WRONG CODE, as for servers.
	CloseCodes []frame.CloseCode
	// Judge gives the verdict, why, and the rule the client broke when
	// the verdict fails (or is NON-STRICT).
	Judge func(ClientSeen) (Verdict, string, RuleRef)
}

// answerBreaks is the rule each broken answer of ours breaks, which the
// client must enforce by failing the connection.
var answerBreaks = map[ClientAnswer]RuleRef{
	AnswerWrongAccept:    {"response-accept-mismatch", "RFC 6455 §4.1"},
	AnswerNoUpgrade:      {"response-upgrade-not-websocket", "RFC 6455 §4.1"},
	AnswerNoConnection:   {"response-connection-missing-upgrade", "RFC 6455 §4.1"},
	AnswerStatus200:      {"response-status-not-101", "RFC 6455 §4.1"},
	AnswerStatus302:      {"response-status-not-101", "RFC 6455 §4.1"},
	AnswerStatus401:      {"response-status-not-101", "RFC 6455 §4.1"},
	AnswerUnofferedProto: {"response-protocol-not-offered", "RFC 6455 §4.1"},
	AnswerUnofferedExt:   {"response-extension-not-offered", "RFC 6455 §4.1"},
	AnswerUnofferedParam: {"pmd-response-invalid", "RFC 7692 §7.1"},
	AnswerTwoAccepts:     {"response-accept-duplicated", "RFC 6455 §11.3.3"},
}

// Rules only a client can break, beyond the frame and handshake rules.
var (
	// RuleClientKeyNotFresh: Sec-WebSocket-Key is not a fresh random
	// 16-octet nonce (§4.1).
	RuleClientKeyNotFresh = RuleRef{"client-key-not-fresh", "RFC 6455 §4.1"}
	// RuleClientMaskPredictable: masking keys that repeat, are zero or
	// count up (§5.3: unpredictable, from a strong source of entropy).
	RuleClientMaskPredictable = RuleRef{"client-mask-key-predictable", "RFC 6455 §5.3"}
	// RuleClientHoldsTCP: the client kept TCP open after the connection
	// was closed (§7.1.1 lets it wait a reasonable time, not forever; a
	// dropped TCP connection is closed, §7.1.4/§7.1.5).
	RuleClientHoldsTCP   = RuleRef{"client-tcp-held-open", "RFC 6455 §7.1.1"}
	ruleMaskedFromServer = RuleRef{frame.RuleServerFrameMasked, "RFC 6455 §5.1"}
	ruleUnmaskedClient   = RuleRef{frame.RuleClientFrameUnmasked, "RFC 6455 §5.1"}
)

// ClientAnswer is our answer to the client's opening handshake.
type ClientAnswer string

const (
	AnswerValid          ClientAnswer = "valid 101"
	AnswerWrongAccept    ClientAnswer = "101 with the Sec-WebSocket-Accept of another key"
	AnswerNoUpgrade      ClientAnswer = "101 without the Upgrade field"
	AnswerNoConnection   ClientAnswer = "101 without the Connection field"
	AnswerStatus200      ClientAnswer = "200 OK with the upgrade fields"
	AnswerStatus302      ClientAnswer = "302 Found with the upgrade fields and a Location"
	AnswerStatus401      ClientAnswer = "401 Unauthorized with the upgrade fields"
	AnswerUnofferedProto ClientAnswer = "101 selecting a subprotocol the client did not offer"
	AnswerUnofferedExt   ClientAnswer = "101 accepting an extension the client did not offer"
	AnswerUnofferedParam ClientAnswer = "101 accepting permessage-deflate with a parameter the client did not offer"
	AnswerTwoAccepts     ClientAnswer = "101 with two Sec-WebSocket-Accept fields"
)

// ClientEnd is how we end a client-rule case.
type ClientEnd string

const (
	// EndClose: we start a normal close (1000) and wait for the client's.
	EndClose ClientEnd = "close"
	// EndWait: we only wait for the client to close TCP (it must fail the
	// connection).
	EndWait ClientEnd = "wait"
	// EndDrop: we close our sending side (TCP FIN) without a close frame
	// and wait for the client to close TCP too.
	EndDrop ClientEnd = "drop"
	// EndCloseHold: we send close 1000 and never close TCP.
	EndCloseHold ClientEnd = "close-hold"
)

// ClientSeen is what a client did in a client-rule case.
type ClientSeen struct {
	Request *handshake.Request
	// Answered is false when we did not send the broken answer the case
	// needs (the client offered nothing it could be tested with).
	Answered bool
	// Untestable says why, when Answered is false.
	Untestable string
	// RequestViolations judge the request against §4.1/§4.2.1.
	RequestViolations []handshake.Violation
	// KeySeenBefore: the same Sec-WebSocket-Key came on an earlier
	// connection of the run.
	KeySeenBefore bool
	// Frames are the client's frames in order (payloads capped).
	Frames []ClientFrame
	// ClosedTCP: the client closed TCP (EOF or reset) before Wait ran out.
	// WeClosedTCP: we closed it, as the server does (§7.1.1), once the
	// client's close frame had ended the closing handshake. After is when
	// the client closed TCP, or sent that close frame, from our last send.
	ClosedTCP   bool
	WeClosedTCP bool
	After       time.Duration
}

// ClientFrame is one frame the client sent.
type ClientFrame struct {
	Opcode  frame.Opcode
	Masked  bool
	Mask    [4]byte
	Payload []byte
}

func (f ClientFrame) String() string {
	mask := "unmasked"
	if f.Masked {
		mask = fmt.Sprintf("mask %x", f.Mask[:])
	}
	p := f.Payload
	if f.Opcode == frame.OpClose {
		body, _ := frame.ParseClosePayload(p)
		if body.HasCode {
			return fmt.Sprintf("close %d %q (%s)", body.Code, body.Reason, mask)
		}
		return "close without code (" + mask + ")"
	}
	if len(p) > 40 {
		p = p[:40]
	}
	return fmt.Sprintf("%s %q (%s)", opcodeName(f.Opcode), p, mask)
}

func opcodeName(op frame.Opcode) string {
	switch op {
	case frame.OpText:
		return "text"
	case frame.OpBinary:
		return "binary"
	case frame.OpContinuation:
		return "continuation"
	case frame.OpPing:
		return "ping"
	case frame.OpPong:
		return "pong"
	case frame.OpClose:
		return "close"
	}
	return fmt.Sprintf("opcode %d", op)
}

// dataFrames are the frames that deliver or answer something: anything
// but close.
func (s ClientSeen) dataFrames() []ClientFrame {
	var out []ClientFrame
	for _, f := range s.Frames {
		if f.Opcode != frame.OpClose {
			out = append(out, f)
		}
	}
	return out
}

func (s ClientSeen) closeFrame() *ClientFrame {
	for i := range s.Frames {
		if s.Frames[i].Opcode == frame.OpClose {
			return &s.Frames[i]
		}
	}
	return nil
}

// Clauses section 16 cites.
const (
	rfcClientFails    = "RFC 6455 §4.1"
	rfcAcceptOnce     = "RFC 6455 §11.3.3"
	rfcClientMasks    = "RFC 6455 §5.3"
	rfcMaskEntropy    = "RFC 6455 §10.3"
	rfcUnmaskedServer = "RFC 6455 §5.1"
	rfcCloseTCP       = "RFC 6455 §7.1.1"
	rfcAnswerClose    = "RFC 6455 §5.5.1"
	rfcPMDClient      = "RFC 7692 §7"
	rfcClientWindow   = "RFC 7692 §7.1.2.2"
)

const clientWait = 5 * time.Second

// closeHoldWait is how long a client that answered our close may wait for
// us to close TCP before it closes it itself (§7.1.1: a reasonable time;
// Python's websockets waits its close_timeout, 10 s).
const closeHoldWait = 15 * time.Second

var clientLabels = []string{"client"}

// clientRuleCases is section 16 (groups 16.1-16.5).
func clientRuleCases() []*Case {
	hello := frame.New(frame.OpText, []byte("Hello"))
	mustFail := func(id, title string, answer ClientAnswer, clauses []string, why string) *Case {
		return &Case{
			ID: id, Title: title,
			Description: "Answers the client's opening handshake with a " + string(answer) + ", then sends the text message \"Hello\". " + why +
				" The client must fail the connection (§7.1.7): deliver nothing, and close TCP or send a close frame within 5 s (we answer a close frame as a server does: close frame back, §5.5.1, then we close TCP first, §7.1.1). Echoing \"Hello\" shows that it took the connection for open and FAILS; so does sending nothing while holding TCP open for 5 s (a hang).",
			Clauses: clauses, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: answer, Send: []frame.Frame{hello}, End: EndWait, Wait: clientWait,
				Judge: judgeFailsConnection(clausesText(clauses), false, answerBreaks[answer])},
		}
	}
	// A status other than 101 is HTTP: the answer says Content-Length: 0,
	// so the frame behind it is not its body, and HTTP lets the client
	// keep the connection for another request.
	httpStatus := func(id, title string, answer ClientAnswer, why string) *Case {
		c := mustFail(id, title, answer, []string{rfcClientFails}, why)
		c.Description = "Answers the client's opening handshake with a " + string(answer) + ", Content-Length: 0 and the close option in Connection (the case is this one connection), then sends the text message \"Hello\". " + why +
			" The client must not take it for a WebSocket: echoing \"Hello\" FAILS; closing TCP, or keeping it for HTTP (no frame back), is OK."
		c.ClientRule.Judge = judgeFailsConnection("RFC 6455 §4.1", true, answerBreaks[answer])
		return c
	}
	masked := func(f frame.Frame) frame.Frame { return f.Masked([4]byte{0x37, 0xfa, 0x21, 0x3d}) }
	return []*Case{
		mustFail("16.1.1", "Wrong Sec-WebSocket-Accept", AnswerWrongAccept, []string{rfcClientFails},
			"§4.1: if Sec-WebSocket-Accept is not the base64 SHA-1 of the key and the GUID, the client MUST fail the WebSocket connection."),
		mustFail("16.1.2", "101 without Upgrade", AnswerNoUpgrade, []string{rfcClientFails},
			"§4.1: if the response lacks Upgrade: websocket, the client MUST fail the WebSocket connection."),
		mustFail("16.1.3", "101 without Connection", AnswerNoConnection, []string{rfcClientFails},
			"§4.1: if the response lacks Connection: Upgrade, the client MUST fail the WebSocket connection."),
		httpStatus("16.1.4", "Status 200 instead of 101", AnswerStatus200,
			"§4.1: any status other than 101 is handled as HTTP, never as an open WebSocket; the upgrade fields present do not change that."),
		httpStatus("16.1.5", "Status 302 instead of 101", AnswerStatus302,
			"§4.1: a 3xx may be followed (the Location here is a closed port) but this connection must not become a WebSocket."),
		httpStatus("16.1.6", "Status 401 instead of 101", AnswerStatus401,
			"§4.1: a client may authenticate and retry after a 401, but this connection must not become a WebSocket."),
		mustFail("16.1.7", "Subprotocol the client did not offer", AnswerUnofferedProto, []string{rfcClientFails},
			"§4.1: if the response selects a subprotocol that was not in the client's request, the client MUST fail the WebSocket connection."),
		mustFail("16.1.8", "Extension the client did not offer", AnswerUnofferedExt, []string{rfcClientFails},
			"§4.1: if the response accepts an extension the client did not ask for, the client MUST fail the WebSocket connection."),
		{
			ID: "16.1.9", Title: "permessage-deflate parameter the client did not offer",
			Description: "When the client offers permessage-deflate, answers 101 accepting it with client_max_window_bits=10 (when the offer lacks client_max_window_bits) or with the undefined parameter x_wsconform (when it has it), then sends the text message \"Hello\". RFC 7692 §7.1.2.2 and §7: the client MUST fail the connection on a client_max_window_bits it did not offer and on a parameter not defined for responses. It must deliver nothing, and close TCP or send a close frame (which we answer, then close TCP) within 5 s; a client that offers no permessage-deflate is UNIMPLEMENTED.",
			Clauses:     []string{rfcPMDClient, rfcClientWindow}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerUnofferedParam, Send: []frame.Frame{hello}, End: EndWait, Wait: clientWait,
				Judge: judgeFailsConnection("RFC 7692 §7 and §7.1.2.2", false, answerBreaks[AnswerUnofferedParam])},
		},
		mustFail("16.1.10", "Two Sec-WebSocket-Accept fields", AnswerTwoAccepts, []string{rfcClientFails, rfcAcceptOnce},
			"§11.3.3: Sec-WebSocket-Accept MUST NOT appear more than once; two fields read as one list \"K, K\", which is not the expected value, so §4.1 has the client fail the connection."),
		{
			ID: "16.2.1", Title: "The client's opening handshake request",
			Description: "Judges the client's request as §4.1 requires it: GET, HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade, Sec-WebSocket-Key (base64 of 16 octets), Sec-WebSocket-Version: 13, and well-formed optional fields (the rules of reference/handshake). A MUST broken FAILS, a SHOULD is NON-STRICT. We then answer a valid 101, get one echo and close normally (not judged).",
			Clauses:     []string{rfcClientFails, rfcKeyField}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Echoes: 1, End: EndClose, Wait: clientWait, Judge: judgeRequest},
		},
		{
			ID: "16.2.2", Title: "Sec-WebSocket-Key is new on every connection",
			Description: "Compares the client's Sec-WebSocket-Key with those of every earlier connection of the run (control connections included) and with the RFC's sample key. §4.1: the key MUST be a nonce, a randomly selected 16-octet value, new for this connection; a repeated key FAILS.",
			Clauses:     []string{rfcClientFails, rfcMaskEntropy}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Echoes: 1, End: EndClose, Wait: clientWait, Judge: judgeKeyFresh},
		},
		{
			ID: "16.3.1", Title: "Masking keys are fresh and unpredictable",
			Description: "Sends 32 text messages, one at a time, and reads the masking key of each echo and of the client's close frame. §5.3: every client frame MUST be masked with a fresh key from a strong source of entropy (§10.3); an unmasked frame, an all-zero key, a repeated key, or keys that step by a constant (a counter) FAIL.",
			Clauses:     []string{rfcClientMasks, rfcMaskEntropy}, Level: Must, Labels: clientLabels, Timeout: 20 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Echoes: 32, End: EndClose, Wait: clientWait, Judge: judgeMaskKeys},
		},
		{
			ID: "16.4.1", Title: "Masked text frame from the server",
			Description: "Sends the text message \"Hello\" masked. §5.1: a client MUST close a connection if it detects a masked frame. Failing it (§7.1.7), the client SHOULD send a close frame, 1002 for a protocol error (§7.4.1), and SHOULD then wait for the server to close TCP (§7.1.1): we answer its close as a server does (close frame back, §5.5.1, then we close TCP first). OK: a close frame or a TCP close within 5 s, with nothing delivered; a close code other than 1002 is WRONG CODE. Echoing the message FAILS, and so does sending nothing while holding TCP open for 5 s (a hang).",
			Clauses:     []string{rfcUnmaskedServer, rfcFailing, rfcCloseTCP}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Send: []frame.Frame{masked(hello)}, End: EndWait, Wait: clientWait, CloseCodes: []frame.CloseCode{frame.CloseProtocolError},
				Judge: judgeFailsConnection("RFC 6455 §5.1", false, ruleMaskedFromServer)},
		},
		{
			ID: "16.4.2", Title: "Masked ping from the server",
			Description: "Sends a masked ping. §5.1 applies to control frames too: the client MUST close the connection and must not answer with a pong. As in 16.4.1: a close frame (1002, §7.4.1; another code is WRONG CODE), which we answer and then close TCP (§5.5.1, §7.1.1), or a TCP close within 5 s is OK; a pong FAILS, and so does sending nothing while holding TCP open for 5 s.",
			Clauses:     []string{rfcUnmaskedServer, rfcFailing, rfcCloseTCP}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Send: []frame.Frame{masked(frame.New(frame.OpPing, []byte("ping")))}, End: EndWait, Wait: clientWait, CloseCodes: []frame.CloseCode{frame.CloseProtocolError},
				Judge: judgeFailsConnection("RFC 6455 §5.1", false, ruleMaskedFromServer)},
		},
		{
			ID: "16.5.1", Title: "Server closes TCP without a close frame",
			Description: "Sends the text message \"Hello\", then closes our side of TCP (FIN) without a close frame and keeps reading. The connection is closed abnormally (§7.1.5, code 1006): the client must notice and close TCP too within 5 s rather than hang; echoing \"Hello\" first is fine.",
			Clauses:     []string{"RFC 6455 §7.1.5", rfcCloseTCP}, Level: Must, Labels: clientLabels, Timeout: 12 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, Send: []frame.Frame{hello}, End: EndDrop, Wait: clientWait, Judge: judgeClosesAfterDrop},
		},
		{
			ID: "16.5.2", Title: "Server sends close and never closes TCP",
			Description: "Sends close 1000 and keeps TCP open. The client MUST answer with a close frame (§5.5.1); a missing answer FAILS. §7.1.1: the client SHOULD then wait for the server to close TCP, and MAY close it itself after a reasonable time when the server does not; it must not wait forever. OK: the answer and a TCP close within 15 s (Python's websockets waits 10 s); still holding TCP after 15 s FAILS (the client hangs).",
			Clauses:     []string{rfcAnswerClose, rfcCloseTCP}, Level: Must, Labels: clientLabels, Timeout: 25 * time.Second,
			ClientRule: &ClientRule{Answer: AnswerValid, End: EndCloseHold, Wait: closeHoldWait, Judge: judgeClosesAfterClose},
		},
	}
}

// judgeFailsConnection: nothing but a close may come back, and TCP must be
// closed by the client in time (unless httpOK: the answer was plain HTTP).
func judgeFailsConnection(law string, httpOK bool, breaks RuleRef) func(ClientSeen) (Verdict, string, RuleRef) {
	return func(s ClientSeen) (Verdict, string, RuleRef) {
		if !s.Answered {
			return Unimplemented, s.Untestable, RuleRef{}
		}
		if d := s.dataFrames(); len(d) > 0 {
			return Failed, fmt.Sprintf("the client answered with %s: it took the connection for open; %s requires it to fail the connection", d[0], law), breaks
		}
		c := s.closeFrame()
		if c == nil && !s.ClosedTCP && httpOK {
			return OK, fmt.Sprintf("the client sent nothing back and kept the HTTP connection open (%v), which HTTP allows; %s only forbids a WebSocket here", s.After.Round(time.Millisecond), law), RuleRef{}
		}
		if c == nil && !s.ClosedTCP {
			return Failed, fmt.Sprintf("the client sent nothing back and held TCP open for %v without closing it; %s requires it to fail the connection (§7.1.7), which closes TCP or starts with a close frame", s.After.Round(time.Millisecond), law), breaks
		}
		after := s.After.Round(time.Millisecond)
		switch {
		case c != nil && s.ClosedTCP:
			return OK, fmt.Sprintf("the client delivered nothing, sent %s and closed TCP after %v: it failed the connection, as %s requires", c, after, law), RuleRef{}
		case c != nil:
			return OK, fmt.Sprintf("the client delivered nothing and sent %s after %v: it failed the connection, as %s requires; we answered its close and closed TCP (§7.1.1)", c, after, law), RuleRef{}
		}
		return OK, fmt.Sprintf("the client delivered nothing and closed TCP after %v: it failed the connection, as %s requires", after, law), RuleRef{}
	}
}

func judgeRequest(s ClientSeen) (Verdict, string, RuleRef) {
	verdict, why, rule := OK, "the request meets §4.1", RuleRef{}
	for _, v := range s.RequestViolations {
		if v.Level == handshake.LevelMust {
			return Failed, fmt.Sprintf("the request breaks %s (%s): %s", v.Section, v.Rule, v.Detail), RuleRef{v.Rule, v.Section}
		}
		verdict, why, rule = NonStrict, fmt.Sprintf("the request misses a SHOULD of %s (%s): %s", v.Section, v.Rule, v.Detail), RuleRef{v.Rule, v.Section}
	}
	return verdict, why, rule
}

// rfcSampleKey is the key of RFC 6455's examples (§1.3, §4.2.2), which a
// client that copied it would send on every connection.
const rfcSampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

func judgeKeyFresh(s ClientSeen) (Verdict, string, RuleRef) {
	key, _ := s.Request.Get("Sec-WebSocket-Key")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(key))
	switch {
	case err != nil || len(raw) != 16:
		return Failed, fmt.Sprintf("the Sec-WebSocket-Key %q is not the base64 of 16 octets (§4.1)", key), RuleClientKeyNotFresh
	case strings.TrimSpace(key) == rfcSampleKey:
		return Failed, "the Sec-WebSocket-Key is the RFC's sample key \"" + rfcSampleKey + "\"; §4.1 requires a randomly selected nonce for each connection", RuleClientKeyNotFresh
	case s.KeySeenBefore:
		return Failed, fmt.Sprintf("the Sec-WebSocket-Key %q was already sent on an earlier connection of this run; §4.1 requires a nonce randomly selected for each connection", key), RuleClientKeyNotFresh
	}
	return OK, fmt.Sprintf("the Sec-WebSocket-Key %q is 16 octets and new in this run, as §4.1 requires", key), RuleRef{}
}

func judgeMaskKeys(s ClientSeen) (Verdict, string, RuleRef) {
	var keys []uint32
	for _, f := range s.Frames {
		if !f.Masked {
			return Failed, "the client sent " + f.String() + "; §5.3 requires every client frame to be masked", ruleUnmaskedClient
		}
		keys = append(keys, binary.BigEndian.Uint32(f.Mask[:]))
	}
	if len(keys) < 3 {
		return Failed, fmt.Sprintf("the client sent only %d frames back for 32 messages; the keys cannot be judged", len(keys)), RuleEchoMissing
	}
	seen := map[uint32]int{}
	for i, k := range keys {
		if k == 0 {
			return Failed, fmt.Sprintf("frame %d of the client is masked with the all-zero key, which leaves the payload in clear; §5.3 and §10.3 require an unpredictable key", i+1), RuleClientMaskPredictable
		}
		if j, ok := seen[k]; ok {
			return Failed, fmt.Sprintf("frames %d and %d of the client use the same masking key %08x; §5.3 requires a fresh key for each frame, from a strong source of entropy", j+1, i+1, k), RuleClientMaskPredictable
		}
		seen[k] = i
	}
	step := keys[1] - keys[0]
	counter := true
	for i := 2; i < len(keys); i++ {
		if keys[i]-keys[i-1] != step {
			counter = false
			break
		}
	}
	if counter {
		return Failed, fmt.Sprintf("the client's %d masking keys step by %d from %08x, a counter an attacker can predict; §5.3 and §10.3 require keys from a strong source of entropy", len(keys), int32(step), keys[0]), RuleClientMaskPredictable
	}
	return OK, fmt.Sprintf("the client's %d frames were all masked, with %d distinct non-zero keys in no arithmetic sequence", len(keys), len(keys)), RuleRef{}
}

func judgeClosesAfterDrop(s ClientSeen) (Verdict, string, RuleRef) {
	if !s.ClosedTCP {
		return Failed, fmt.Sprintf("we closed our side of TCP without a close frame and the client still held its side open after %v; it must close the connection (§7.1.5: closed abnormally, 1006) and not hang", s.After.Round(time.Millisecond)), RuleClientHoldsTCP
	}
	return OK, fmt.Sprintf("we closed our side of TCP without a close frame and the client closed its side after %v", s.After.Round(time.Millisecond)), RuleRef{}
}

func judgeClosesAfterClose(s ClientSeen) (Verdict, string, RuleRef) {
	c := s.closeFrame()
	switch {
	case c == nil && !s.ClosedTCP:
		return Failed, fmt.Sprintf("we sent close 1000 and the client neither answered nor closed TCP in %v; §5.5.1 requires a close frame in answer and §7.1.1 closing TCP", s.After.Round(time.Millisecond)), RuleCloseUnanswered
	case c == nil:
		return Failed, "we sent close 1000 and the client closed TCP without answering with a close frame; §5.5.1 requires one", RuleCloseUnanswered
	case !s.ClosedTCP:
		return Failed, fmt.Sprintf("we sent close 1000 and kept TCP open; the client answered %s but still held TCP open after %v; §7.1.1 lets a client wait a reasonable time for the server to close TCP, not forever", c, s.After.Round(time.Millisecond)), RuleClientHoldsTCP
	}
	return OK, fmt.Sprintf("we sent close 1000 and kept TCP open; the client answered %s and closed TCP after %v", c, s.After.Round(time.Millisecond)), RuleRef{}
}

// JudgeClientRule is the result of a section 16 case from what the client
// did (collected by probe.PlayClientRule).
func JudgeClientRule(c *Case, s ClientSeen, started time.Time, took time.Duration) Result {
	r := NewResult(c)
	r.Started, r.Duration, r.FailFastOffset = started, took, -1
	verdict, why, breaks := c.ClientRule.Judge(s)
	r.Behavior = verdict
	if verdict == Failed || verdict == NonStrict {
		r.Rule, r.RuleSection = breaks.ID, breaks.Section
	}
	r.Reason = sentence("we answered the opening handshake with a " + string(c.ClientRule.Answer) + "; " + why + ".")
	if !s.Answered {
		r.Reason = "The client could not be tested: " + why + "."
	}
	for _, f := range s.Frames {
		r.Observed = append(r.Observed, f.String())
	}
	if s.ClosedTCP {
		r.Observed = append(r.Observed, fmt.Sprintf("the client closed TCP %v after our last send", s.After.Round(time.Millisecond)))
	} else if s.WeClosedTCP {
		r.Observed = append(r.Observed, fmt.Sprintf("we closed TCP after the client's close frame, %v after our last send", s.After.Round(time.Millisecond)))
	} else {
		r.Observed = append(r.Observed, fmt.Sprintf("TCP still open %v after our last send", s.After.Round(time.Millisecond)))
	}
	// How the client ends the connection is the main verdict; the close
	// verdict only judges its close code, as for servers.
	r.BehaviorClose, r.CloseReason = CloseOK, "Section 16 judges how the client ends the connection in the main verdict."
	if v, why := judgeClientClose(c.ClientRule.CloseCodes, s.closeFrame()); v != CloseOK {
		r.BehaviorClose, r.CloseReason = v, why
		if v == CloseFailed { // only an unmasked close frame fails it
			name(&r, ruleUnmaskedClient)
		}
	}
	return r
}

// judgeClientClose judges the client's close frame as for servers: an
// unmasked one FAILS (§5.1: its code is noise); a code no endpoint may
// send (§7.4.1, §7.4.2), or one the case does not accept, is WRONG CODE;
// no code is always accepted.
func judgeClientClose(accept []frame.CloseCode, f *ClientFrame) (CloseVerdict, string) {
	if f == nil {
		return CloseOK, ""
	}
	body, _ := frame.ParseClosePayload(f.Payload)
	switch {
	case !f.Masked:
		return CloseFailed, "The client's close frame is not masked; RFC 6455 §5.1 requires a client to mask every frame it sends."

	case !body.HasCode:
		return CloseOK, ""
	case !body.Code.ValidOnWire():
		return CloseWrongCode, fmt.Sprintf("The client's close frame carried code %s, which no endpoint may send (RFC 6455 §7.4.1, §7.4.2).", body.Code)
	case len(accept) > 0 && !codeIn(body.Code, accept):
		return CloseWrongCode, fmt.Sprintf("The client's close frame carried code %s; RFC 6455 §7.4.1 defines %s (or no code) for this failure.", body.Code, codesText(accept))
	}
	return CloseOK, ""
}
