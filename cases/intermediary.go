package cases

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// IntermediaryKind is what a section 19 case makes cross the intermediary.
type IntermediaryKind string

const (
	// RelayUp: we send Messages; the origin records what reached it.
	RelayUp IntermediaryKind = "relay-up"
	// RelayDown: the origin sends Messages; we record what reached us.
	RelayDown IntermediaryKind = "relay-down"
	// CloseUp: we close with CloseCode and CloseReason; the origin records
	// the close frame that reached it, we the origin's answer.
	CloseUp IntermediaryKind = "close-up"
	// CloseDown: the origin closes; we record the close frame.
	CloseDown IntermediaryKind = "close-down"
	// SubprotocolPass: we offer Offer, the origin selects OriginSelects
	// when it sees it offered.
	SubprotocolPass IntermediaryKind = "subprotocol"
	// ExtensionPass: we offer permessage-deflate, the origin accepts what
	// reaches it; one message goes up and its echo comes down.
	ExtensionPass IntermediaryKind = "extension"
	// IdleHold: neither end sends anything until the connection ends or
	// IdleCap passes.
	IdleHold IntermediaryKind = "idle"
)

// RelayMessage is one message a relay case sends, its payload made by
// RelayPayload so that both ends know it without sending it aside.
type RelayMessage struct {
	Binary bool
	Size   int
	Frames []int // octets per frame, in order, summing to Size (nil: one frame)
}

// FrameSizes is how the message is cut into frames.
func (m RelayMessage) FrameSizes() []int {
	if len(m.Frames) == 0 {
		return []int{m.Size}
	}
	return m.Frames
}

// RelayPayload is message i's payload: printable ASCII (valid UTF-8 for
// text messages) that differs from message to message, so a reordering or
// a shifted octet shows.
func RelayPayload(i int, m RelayMessage) []byte {
	p := make([]byte, m.Size)
	for j := range p {
		p[j] = byte('a' + (i*7+j)%26)
	}
	return p
}

// IntermediaryPlan is a section 19 case as data. The run goes through the
// intermediary to the origin server the suite controls (run --upstream),
// which records what reached it and, for the Down kinds, sends.
type IntermediaryPlan struct {
	Kind     IntermediaryKind
	Messages []RelayMessage
	// PingAfter, when > 0, sends a ping (PingPayload) after this many
	// frames of the first message: a control frame between fragments.
	PingAfter int
	// CloseCode (0: an empty close body) and CloseReason are the close
	// frame of CloseUp and CloseDown.
	CloseCode   frame.CloseCode
	CloseReason string
	// Offer and OriginSelects: SubprotocolPass.
	Offer         []string
	OriginSelects string
	// IdleCap is how long IdleHold waits at most.
	IdleCap time.Duration
	// Deflate offers permessage-deflate first (RelayUp, RelayDown): the
	// messages go compressed, cut after compression, once both ends agree.
	Deflate bool
	// Wait is how long the receiving end waits for the messages (plus
	// Wait per 16 MiB).
	Wait time.Duration
}

// PingPayload is the payload of the ping a relay case puts between fragments.
var PingPayload = []byte("wsconform-19")

// Total is the octets of all messages.
func (p *IntermediaryPlan) Total() int64 {
	var n int64
	for _, m := range p.Messages {
		n += int64(m.Size)
	}
	return n
}

func (p *IntermediaryPlan) deadline() time.Duration {
	const margin = 15 * time.Second
	if p.Kind == IdleHold {
		return margin + p.IdleCap
	}
	return margin + p.Wait*time.Duration(1+p.Total()/(16<<20))
}

// IntermediaryView is a plan as the catalogue shows it.
type IntermediaryView struct {
	Kind          IntermediaryKind `json:"kind"`
	Messages      []RelayView      `json:"messages,omitempty"`
	PingAfter     int              `json:"pingAfterFrames,omitempty"`
	CloseCode     int              `json:"closeCode,omitempty"`
	CloseReason   string           `json:"closeReason,omitempty"`
	Offer         []string         `json:"offer,omitempty"`
	OriginSelects string           `json:"originSelects,omitempty"`
	IdleCap       string           `json:"idleCap,omitempty"`
	Deflate       bool             `json:"deflate,omitempty"`
}

// RelayView is a relayed message as the catalogue shows it.
type RelayView struct {
	Binary bool  `json:"binary,omitempty"`
	Frames []int `json:"frames"`
}

// View renders the plan for the catalogue.
func (p *IntermediaryPlan) View() *IntermediaryView {
	v := &IntermediaryView{Kind: p.Kind, PingAfter: p.PingAfter, CloseCode: int(p.CloseCode), CloseReason: p.CloseReason,
		Offer: p.Offer, OriginSelects: p.OriginSelects, Deflate: p.Deflate}
	for _, m := range p.Messages {
		v.Messages = append(v.Messages, RelayView{Binary: m.Binary, Frames: m.FrameSizes()})
	}
	if p.IdleCap > 0 {
		v.IdleCap = p.IdleCap.String()
	}
	return v
}

// Side is what one end of the connection saw: the frames and events that
// reached it and how its close went.
type Side struct {
	Events  []observed.Event
	Shapes  []observed.FrameShape
	Omitted int // frames past the record's cap
	Close   observed.CloseState
}

// IntermediaryRun is what a section 19 case saw at both ends.
type IntermediaryRun struct {
	// NoConnection: no WebSocket through the intermediary ("" if there was).
	NoConnection string
	// OriginMissed: the handshake through the intermediary succeeded but
	// the origin saw no request with our Sec-WebSocket-Key.
	OriginMissed bool
	Client       Side // our end, before the intermediary
	Origin       Side // the origin's end, behind it
	// Handshake fields: what the origin was offered, what it answered,
	// what reached us (SubprotocolPass, ExtensionPass).
	OriginOffer    string
	OriginAnswer   string
	ClientAnswer   string
	OriginDeflate  bool // the origin agreed permessage-deflate
	ClientDeflate  bool // the answer that reached us agreed it
	HandshakeError string
	// Sent are the data frames the sending end of a relay case sent (the
	// plan's cut, or the cut of the compressed messages).
	Sent []observed.FrameShape
	// IdleHold: how long the idle connection lived, and whether the cap
	// ended it.
	Lived  time.Duration
	Capped bool
}

// The rules a section 19 verdict can name (Result.Rule).
var (
	RuleRelayChanged        = RuleRef{"intermediary-message-changed", "RFC 6455 §5.4"}
	RuleRelayLost           = RuleRef{"intermediary-message-lost", "RFC 6455 §5.4"}
	RuleRelayReordered      = RuleRef{"intermediary-message-reordered", "RFC 6455 §5.4"}
	RuleRefragmented        = RuleRef{"intermediary-refragmented", "RFC 6455 §5.4"}
	RuleRefragmentedExt     = RuleRef{"intermediary-refragmented-under-extension", "RFC 6455 §5.4"}
	RuleControlLost         = RuleRef{"intermediary-ping-unanswered", "RFC 6455 §5.5.2"}
	RuleControlAbsorbed     = RuleRef{"intermediary-ping-answered-itself", "RFC 6455 §5.5.2"}
	RuleReceiverFailed      = RuleRef{"intermediary-broke-a-frame-rule", "RFC 6455 §5.2"}
	RuleCloseLost           = RuleRef{"intermediary-close-lost", "RFC 6455 §5.5.1"}
	RuleCloseCodeChanged    = RuleRef{"intermediary-close-code-changed", "RFC 6455 §7.1.5"}
	RuleCloseReasonChanged  = RuleRef{"intermediary-close-reason-changed", "RFC 6455 §7.1.6"}
	RuleSubprotocolMismatch = RuleRef{"intermediary-subprotocol-incoherent", "RFC 6455 §4.1"}
	RuleSubprotocolStripped = RuleRef{"intermediary-subprotocol-stripped", "RFC 6455 §4.1"}
	RuleExtensionMismatch   = RuleRef{"intermediary-extension-incoherent", "RFC 6455 §9.1"}
	RuleExtensionStripped   = RuleRef{"intermediary-extension-stripped", "RFC 6455 §9.1"}
	RuleIdleTimeout         = RuleRef{"intermediary-idle-timeout", "RFC 6455 §5.5.2"}
	RuleOriginMissed        = RuleRef{"intermediary-origin-not-reached", "RFC 6455 §4.1"}
	RuleNoWebSocket         = RuleRef{"intermediary-no-websocket", "RFC 6455 §4.1"}
)

const fragmentsMay = "RFC 6455 §5.4 lets an intermediary coalesce or split frames when no extension it does not understand is in use, but never reorder messages, interleave them, or change their octets"

// JudgeIntermediary sets r's verdicts for a section 19 case.
func JudgeIntermediary(r *Result, c *Case, run IntermediaryRun) {
	p := c.Intermediary
	var v Verdict
	var why string
	var rule RuleRef
	switch {
	case run.NoConnection != "":
		v, rule = Failed, RuleNoWebSocket
		why = "We sent a valid opening handshake through the intermediary; no WebSocket connection came of it (" + run.NoConnection + "), though the origin behind it accepts every valid handshake (RFC 6455 §4.1, §4.2.2)"
	case run.HandshakeError != "" && p.Kind != SubprotocolPass && p.Kind != ExtensionPass && !p.Deflate:
		v, rule = Failed, RuleNoWebSocket
		why = "We sent a valid opening handshake through the intermediary; the 101 that came back broke a rule (" + run.HandshakeError + "), though the origin behind it answers valid handshakes correctly (RFC 6455 §4.1: the client must fail such a connection)"
	case run.OriginMissed:
		v, rule = NotRun, RuleOriginMissed
		why = "The opening handshake through the intermediary succeeded, but the origin server saw no request with our Sec-WebSocket-Key: the intermediary answered itself or rewrote the key, so what reached the origin cannot be compared"
	default:
		switch p.Kind {
		case RelayUp, RelayDown:
			v, rule, why = JudgeRelay(p, run)
		case CloseUp, CloseDown:
			v, rule, why = JudgeCloseRelay(p, run)
		case SubprotocolPass:
			v, rule, why = JudgeSubprotocol(p, run)
		case ExtensionPass:
			v, rule, why = JudgeExtension(run)
		case IdleHold:
			v, rule, why = JudgeIdle(p, run)
		}
	}
	r.Behavior, r.Reason = v, sentence(why)
	r.Rule, r.RuleSection = rule.ID, rule.Section
	st := run.Client.Close
	r.Close = &st
	switch v {
	case Failed:
		r.BehaviorClose, r.CloseReason = CloseFailed, "see the main verdict"
	case Informational, NotRun:
		r.BehaviorClose, r.CloseReason = CloseInformational, "recorded only"
	default:
		r.BehaviorClose, r.CloseReason = CloseOK, "the connection ended as the main verdict describes"
	}
	if v == NotRun {
		r.BehaviorClose = CloseNotRun
	}
	r.Observed = append(r.Observed, "at our end: "+sideText(run.Client), "at the origin: "+sideText(run.Origin))
}

func sideText(s Side) string {
	var parts []string
	for _, e := range s.Events {
		parts = append(parts, e.String())
	}
	t := fmt.Sprintf("frames [%s]", observed.ShapesString(s.Shapes))
	if s.Omitted > 0 {
		t += fmt.Sprintf(" and %d more", s.Omitted)
	}
	if len(parts) > 0 {
		t += "; events: " + strings.Join(parts, "; ")
	}
	return t
}

// JudgeRelay compares the messages (and the ping between fragments) that
// reached the receiving end with what the sending end sent.
func JudgeRelay(p *IntermediaryPlan, run IntermediaryRun) (Verdict, RuleRef, string) {
	from, to, recv := "We", "the origin server", run.Origin
	if p.Kind == RelayDown {
		from, to, recv = "The origin server", "us", run.Client
	}
	if p.Deflate && !(run.ClientDeflate && run.OriginDeflate) {
		if run.ClientDeflate != run.OriginDeflate || run.HandshakeError != "" {
			return JudgeExtension(run)
		}
		return Informational, RuleExtensionStripped, fmt.Sprintf("We offered Sec-WebSocket-Extensions \"permessage-deflate\"; the origin saw %s, and we were answered %s: the extension is not in use through this intermediary, so no compressed message can cross it (coherent; the case does not apply; recorded only)", fieldText(run.OriginOffer), fieldText(run.ClientAnswer))
	}
	if recv.Close.PeerViolation != "" {
		return Failed, RuleReceiverFailed, fmt.Sprintf("%s sent %s; %s received frames that break a rule (%s): the intermediary must pass frames that are valid as they are, and RFC 6455 §5.2 makes the receiver fail the connection", from, sentText(p), to, recv.Close.PeerViolation)
	}
	var got []observed.Event
	for _, e := range recv.Events {
		if e.Kind == observed.Message {
			got = append(got, e)
		}
	}
	payloads := make([][]byte, len(p.Messages))
	for i, m := range p.Messages {
		payloads[i] = RelayPayload(i, m)
	}
	for i, m := range p.Messages {
		if i >= len(got) {
			return Failed, RuleRelayLost, fmt.Sprintf("%s sent %s; only %d of them reached %s (%s). %s", from, sentText(p), len(got), to, endText(recv), fragmentsMay)
		}
		e := got[i]
		if e.Binary == m.Binary && e.SamePayload(payloads[i]) {
			continue
		}
		for j := range payloads {
			if j != i && e.Binary == p.Messages[j].Binary && e.SamePayload(payloads[j]) {
				return Failed, RuleRelayReordered, fmt.Sprintf("%s sent %s; message %d reached %s in place of message %d. %s", from, sentText(p), j+1, to, i+1, fragmentsMay)
			}
		}
		return Failed, RuleRelayChanged, fmt.Sprintf("%s sent %s; message %d reached %s as %s. %s", from, sentText(p), i+1, to, e.String(), fragmentsMay)
	}
	if len(got) > len(p.Messages) {
		return Failed, RuleRelayChanged, fmt.Sprintf("%s sent %s; %s received %d messages. %s", from, sentText(p), to, len(got), fragmentsMay)
	}
	if p.PingAfter > 0 {
		if v, rule, why, done := judgeRelayPing(p, run, from, to); done {
			return v, rule, why
		}
	}
	sent, arrived := plannedShapes(p), dataShapes(recv.Shapes)
	if len(run.Sent) > 0 {
		sent = run.Sent
	}
	if p.Deflate && (!slices.Equal(sent, arrived) || recv.Omitted > 0) {
		// §5.4: "An intermediary MUST NOT change the fragmentation of any
		// message in the context of a connection where extensions have
		// been negotiated and the intermediary is not aware of the
		// semantics of the negotiated extensions." Whether it is aware
		// is not ours to see: NON-STRICT, not FAILED.
		return NonStrict, RuleRefragmentedExt, fmt.Sprintf("%s sent %s, compressed with the permessage-deflate both ends agreed to, as frames [%s]; every message reached %s intact, as frames [%s]: re-fragmented under a negotiated extension, which RFC 6455 §5.4 forbids an intermediary that does not understand the extension", from, sentText(p), observed.ShapesString(sent), to, observed.ShapesString(arrived))
	}
	if !slices.Equal(sent, arrived) || recv.Omitted > 0 {
		return Informational, RuleRefragmented, fmt.Sprintf("%s sent %s as frames [%s]; every message reached %s intact, as frames [%s]: re-fragmented, which %s (recorded only)", from, sentText(p), observed.ShapesString(sent), to, observed.ShapesString(arrived), fragmentsMay)
	}
	return OK, RuleRef{}, fmt.Sprintf("%s sent %s; every message reached %s intact, in order and in the same frames%s, as RFC 6455 §5.4 requires of an intermediary (it may re-cut frames, never change, reorder or interleave messages)", from, sentText(p), to, pingText(p))
}

// judgeRelayPing judges the ping sent between fragments: it must be
// answered with a pong carrying its payload (§5.5.2), by the origin
// (passed through) or, recorded, by the intermediary itself.
func judgeRelayPing(p *IntermediaryPlan, run IntermediaryRun, from, to string) (Verdict, RuleRef, string, bool) {
	pinger, ponger := run.Client, run.Origin
	if p.Kind == RelayDown {
		pinger, ponger = run.Origin, run.Client
	}
	pinged := hasEvent(ponger.Events, observed.Ping, PingPayload)
	ponged := hasEvent(pinger.Events, observed.Pong, PingPayload)
	pingSent := fmt.Sprintf("a ping (%q) between the fragments of the first message", PingPayload)
	switch {
	case !ponged:
		return Failed, RuleControlLost, fmt.Sprintf("%s sent %s; no pong with its payload came back (the ping %s %s). RFC 6455 §5.5.2: the endpoint that receives a ping MUST answer with a pong carrying the same payload, and §5.4 allows control frames between fragments", from, pingSent, reachedText(pinged), to), true
	case !pinged:
		return Informational, RuleControlAbsorbed, fmt.Sprintf("%s sent %s; the pong came back, but the ping never reached %s: the intermediary answered it itself (recorded only; RFC 6455 §5.5.2 has the receiving endpoint answer pings)", from, pingSent, to), true
	}
	return OK, RuleRef{}, "", false
}

func reachedText(reached bool) string {
	if reached {
		return "did reach"
	}
	return "never reached"
}

func hasEvent(events []observed.Event, kind observed.EventKind, payload []byte) bool {
	for _, e := range events {
		if e.Kind == kind && bytes.Equal(e.Payload, payload) {
			return true
		}
	}
	return false
}

func pingText(p *IntermediaryPlan) string {
	if p.PingAfter == 0 {
		return ""
	}
	return ", and the ping between the fragments was answered end to end"
}

func sentText(p *IntermediaryPlan) string {
	var parts []string
	for _, m := range p.Messages {
		typ := "text"
		if m.Binary {
			typ = "binary"
		}
		s := fmt.Sprintf("a %d-octet %s message", m.Size, typ)
		if len(m.Frames) > 1 {
			s += fmt.Sprintf(" in %d frames", len(m.Frames))
		}
		parts = append(parts, s)
	}
	s := strings.Join(parts, ", ")
	if p.PingAfter > 0 {
		s += fmt.Sprintf(" with a ping after frame %d", p.PingAfter)
	}
	return s
}

func endText(s Side) string {
	st := s.Close
	switch {
	case st.ReceivedClose && st.RemoteCode != nil:
		return fmt.Sprintf("the connection was closed with code %d", *st.RemoteCode)
	case st.ReceivedClose:
		return "the connection was closed with an empty close frame"
	case st.TCPError != "":
		return "the connection broke: " + st.TCPError
	case st.ClosedAt > 0 && !st.DroppedByMe:
		return "TCP was closed without a close frame"
	}
	return "nothing more came before our wait ended"
}

func dataShapes(in []observed.FrameShape) []observed.FrameShape {
	var out []observed.FrameShape
	for _, s := range in {
		if !s.Opcode.IsControl() {
			out = append(out, s)
		}
	}
	return out
}

func plannedShapes(p *IntermediaryPlan) []observed.FrameShape {
	var out []observed.FrameShape
	for _, m := range p.Messages {
		op := frame.OpText
		if m.Binary {
			op = frame.OpBinary
		}
		sizes := m.FrameSizes()
		for i, n := range sizes {
			s := observed.FrameShape{Opcode: op, Fin: i == len(sizes)-1, Length: uint64(n)}
			if i > 0 {
				s.Opcode = frame.OpContinuation
			}
			out = append(out, s)
		}
	}
	return out
}

// JudgeCloseRelay compares the close frame that reached the other end
// (and its answer) with the one sent.
func JudgeCloseRelay(p *IntermediaryPlan, run IntermediaryRun) (Verdict, RuleRef, string) {
	from, to, closer, other := "We", "the origin server", run.Client, run.Origin
	if p.Kind == CloseDown {
		from, to, closer, other = "The origin server", "us", run.Origin, run.Client
	}
	sent := closeText(p.CloseCode != 0, p.CloseCode, p.CloseReason)
	st := other.Close
	if !st.ReceivedClose {
		return Failed, RuleCloseLost, fmt.Sprintf("%s closed with %s; no close frame reached %s (%s). RFC 6455 §5.5.1: a close frame is the endpoint's, and its code is what the other endpoint's application sees (§7.1.5): an intermediary must pass it", from, sent, to, endText(other))
	}
	got := closeText(st.RemoteCode != nil, codeOr0(st.RemoteCode), st.RemoteReason)
	switch {
	case (st.RemoteCode != nil) != (p.CloseCode != 0) || st.RemoteCode != nil && *st.RemoteCode != p.CloseCode:
		return Failed, RuleCloseCodeChanged, fmt.Sprintf("%s closed with %s; %s received %s. RFC 6455 §7.1.5: the close code is the one in the first close frame the endpoint receives, so an intermediary that changes it changes what the application is told%s", from, sent, to, got, noCodeNote(p.CloseCode, st.RemoteCode))
	case st.RemoteReason != p.CloseReason:
		return NonStrict, RuleCloseReasonChanged, fmt.Sprintf("%s closed with %s; %s received %s: the reason changed on the way (RFC 6455 §7.1.6: the close reason is the one in the first close frame received)", from, sent, to, got)
	}
	back := closer.Close
	if !back.ReceivedClose {
		return Failed, RuleCloseLost, fmt.Sprintf("%s closed with %s, which reached %s intact; its answering close frame never came back (%s). RFC 6455 §5.5.1: the endpoint answers a close frame with one of its own, and the intermediary must pass it", from, sent, to, endText(closer))
	}
	answer := closeText(back.RemoteCode != nil, codeOr0(back.RemoteCode), back.RemoteReason)
	replied := other.Close.LocalCode
	if (back.RemoteCode == nil) != (replied == nil) || replied != nil && *replied != *back.RemoteCode {
		return Failed, RuleCloseCodeChanged, fmt.Sprintf("%s closed with %s, which reached %s intact; the answer %s sent was %s, and what came back was %s. RFC 6455 §7.1.5: an intermediary must not change a close code", from, sent, to, to, closeText(replied != nil, codeOr0(replied), ""), answer)
	}
	return OK, RuleRef{}, fmt.Sprintf("%s closed with %s; it reached %s unchanged, and the answer (%s) came back unchanged, as RFC 6455 §5.5.1 and §7.1.5 require of the closing handshake end to end", from, sent, to, answer)
}

func codeOr0(c *frame.CloseCode) frame.CloseCode {
	if c == nil {
		return 0
	}
	return *c
}

func closeText(hasCode bool, code frame.CloseCode, reason string) string {
	if !hasCode {
		return "an empty close frame (no code)"
	}
	if reason == "" {
		return fmt.Sprintf("a close frame with code %d and no reason", code)
	}
	return fmt.Sprintf("a close frame with code %d and reason %q", code, reason)
}

func noCodeNote(sent frame.CloseCode, got *frame.CloseCode) string {
	if sent == 0 && got != nil && !got.ValidOnWire() {
		return fmt.Sprintf("; and %d may never be sent in a close frame (RFC 6455 §7.4.1)", *got)
	}
	return ""
}

// JudgeSubprotocol checks that the subprotocol we were answered is the one
// the origin selected: stripping the offer is coherent (recorded), a
// different answer at each end is not.
func JudgeSubprotocol(p *IntermediaryPlan, run IntermediaryRun) (Verdict, RuleRef, string) {
	offer := strings.Join(p.Offer, ", ")
	switch {
	case run.HandshakeError != "":
		return Failed, RuleSubprotocolMismatch, fmt.Sprintf("We offered Sec-WebSocket-Protocol %q; the origin answered %s; we could not accept the answer that reached us: %s. RFC 6455 §4.1: the client fails the connection when the server selects a subprotocol it did not offer", offer, fieldText(run.OriginAnswer), run.HandshakeError)
	case run.ClientAnswer != run.OriginAnswer:
		return Failed, RuleSubprotocolMismatch, fmt.Sprintf("We offered Sec-WebSocket-Protocol %q; the origin saw %s and answered %s, but we were answered %s: the two ends would speak different subprotocols. RFC 6455 §4.1 and §4.2.2: the subprotocol is the one the server selected, and the client relies on the answer", offer, fieldText(run.OriginOffer), fieldText(run.OriginAnswer), fieldText(run.ClientAnswer))
	case run.OriginOffer == "":
		return Informational, RuleSubprotocolStripped, fmt.Sprintf("We offered Sec-WebSocket-Protocol %q; the intermediary removed it, so the origin selected none and we were answered none: coherent, but no subprotocol can be used through this intermediary (recorded only)", offer)
	case !slices.Equal(splitTokens(run.OriginOffer), p.Offer):
		return Informational, RuleSubprotocolStripped, fmt.Sprintf("We offered Sec-WebSocket-Protocol %q; the origin saw %q and answered %s, which reached us unchanged: the offer changed on the way (recorded only)", offer, run.OriginOffer, fieldText(run.OriginAnswer))
	}
	return OK, RuleRef{}, fmt.Sprintf("We offered Sec-WebSocket-Protocol %q; the origin saw the same offer and selected %s, and that answer reached us unchanged, as RFC 6455 §4.1 and §4.2.2 need for both ends to agree", offer, fieldText(run.OriginAnswer))
}

func splitTokens(v string) []string {
	var out []string
	for _, t := range strings.Split(v, ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

func fieldText(v string) string {
	if v == "" {
		return "none"
	}
	return fmt.Sprintf("%q", v)
}

// JudgeExtension checks that permessage-deflate is on at both ends or at
// neither: an extension the intermediary strips from the answer but the
// origin agreed to must not be used, and one the intermediary agreed to
// by itself cannot be.
func JudgeExtension(run IntermediaryRun) (Verdict, RuleRef, string) {
	offer := "We offered Sec-WebSocket-Extensions \"permessage-deflate\" and sent a text message"
	at := fmt.Sprintf("the origin saw %s and answered %s; we were answered %s", fieldText(run.OriginOffer), fieldText(run.OriginAnswer), fieldText(run.ClientAnswer))
	if run.HandshakeError != "" {
		return Failed, RuleExtensionMismatch, fmt.Sprintf("%s; %s, which we could not accept: %s. RFC 6455 §9.1: a server may only answer with extensions the client offered, and the client fails the connection otherwise", offer, at, run.HandshakeError)
	}
	if run.ClientDeflate != run.OriginDeflate {
		what := "the origin compresses its echo (RSV1) though we never agreed to it"
		if run.ClientDeflate {
			what = "we compress our messages (RSV1) though the origin never agreed to it"
		}
		return Failed, RuleExtensionMismatch, fmt.Sprintf("%s; %s: %s (%s; %s). RFC 6455 §9.1 and §5.2: an extension is in use only when both ends agreed to it, and a frame with RSV1 set on a connection without it fails the connection", offer, at, what, endText(run.Client), endText(run.Origin))
	}
	if v := run.Client.Close.PeerViolation; v != "" {
		return Failed, RuleReceiverFailed, fmt.Sprintf("%s; %s; the echo broke a rule at our end: %s", offer, at, v)
	}
	if v := run.Origin.Close.PeerViolation; v != "" {
		return Failed, RuleReceiverFailed, fmt.Sprintf("%s; %s; our message broke a rule at the origin: %s", offer, at, v)
	}
	if messages(run.Origin.Events) < 1 || messages(run.Client.Events) < 1 {
		return Failed, RuleRelayLost, fmt.Sprintf("%s; %s; the message or its echo was lost (%d message(s) reached the origin, %d came back to us). %s", offer, at, messages(run.Origin.Events), messages(run.Client.Events), fragmentsMay)
	}
	if !run.ClientDeflate {
		return Informational, RuleExtensionStripped, fmt.Sprintf("%s; %s: the intermediary removed the offer, so neither end uses the extension and the message went through uncompressed (coherent; recorded only)", offer, at)
	}
	return OK, RuleRef{}, fmt.Sprintf("%s; %s: both ends agreed to the same extension and the compressed message and its compressed echo crossed intact, as RFC 6455 §9.1 requires", offer, at)
}

func messages(events []observed.Event) int {
	n := 0
	for _, e := range events {
		if e.Kind == observed.Message {
			n++
		}
	}
	return n
}

// JudgeIdle reports how long an idle connection lived (no RFC sets it).
func JudgeIdle(p *IntermediaryPlan, run IntermediaryRun) (Verdict, RuleRef, string) {
	sent := "We opened a connection through the intermediary and sent nothing, nor did the origin"
	if run.Capped {
		return Informational, RuleIdleTimeout, fmt.Sprintf("%s; the connection was still open when we gave up after %v: any idle timeout is longer (recorded only; RFC 6455 sets none, and §5.5.2 has pings for keeping a connection alive)", sent, round(p.IdleCap))
	}
	how := endText(run.Client)
	if run.Client.Close.ReceivedClose && !run.Origin.Close.SentClose {
		how += ", sent by the intermediary"
	}
	origin := "the origin saw " + endText(run.Origin)
	return Informational, RuleIdleTimeout, fmt.Sprintf("%s; after %v %s, and %s: the intermediary's idle timeout (recorded only; RFC 6455 sets none, and §5.5.2 has pings for keeping a connection alive)", sent, round(run.Lived), how, origin)
}
