package cases

import (
	"fmt"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() {
	sections = append(sections, intermediaryCases)
	sectionTitles["19"] = "Intermediaries"
}

const (
	// relayWait is how long the receiving end waits for the messages of
	// a relay case, plus as long again per 16 MiB: generous, as it is
	// only spent when something is lost (two copies of each message
	// cross a loaded machine).
	relayWait = 10 * time.Second
	// idleCap bounds the idle case: longer than nginx's default
	// proxy_read_timeout (60 s), so a default nginx shows its timeout.
	idleCap = 90 * time.Second
)

const behindNote = " The case runs only through an intermediary in front of wsconform's own origin server (`wsconform run URL --upstream ADDR`), which records what reached it: any difference is the intermediary's."

// intermediaryCases is section 19: what a reverse proxy or load balancer
// between a client and a known-good origin server passes on, and what it
// changes. The origin is the reference side of the suite, so every
// departure is the intermediary's.
func intermediaryCases() []*Case {
	out := relayCases()
	out = append(out, controlBetweenFragments()...)
	out = append(out, closeRelayCases()...)
	out = append(out, handshakeFieldCases()...)
	out = append(out, largeRelayCases()...)
	out = append(out, idleCases()...)
	for _, c := range out {
		c.Description += behindNote
		c.Labels = append(c.Labels, "intermediary")
	}
	return out
}

func relay(id, title string, kind IntermediaryKind, ms []RelayMessage, why string) *Case {
	from, to := "client", "origin server"
	if kind == RelayDown {
		from, to = "origin server", "client"
	}
	return &Case{
		ID: id, Title: title,
		Description:  fmt.Sprintf("The %s sends %s through the intermediary; the %s records the messages and frames that reach it. %s Every message must arrive in order with its type and octets unchanged, or the case FAILS; the same messages cut into other frames are INFORMATIONAL (RFC 6455 §5.4 lets an intermediary that understands the extensions in use coalesce or split frames).", from, describeRelay(ms), to, why),
		Clauses:      []string{"RFC 6455 §5.4", "RFC 6455 §5.6"},
		Intermediary: &IntermediaryPlan{Kind: kind, Messages: ms, Wait: relayWait},
	}
}

func describeRelay(ms []RelayMessage) string {
	if len(ms) == 1 {
		m := ms[0]
		typ := "text"
		if m.Binary {
			typ = "binary"
		}
		if len(m.FrameSizes()) == 1 {
			return fmt.Sprintf("one %d-octet %s message in one frame", m.Size, typ)
		}
		return fmt.Sprintf("one %d-octet %s message in frames of %v octets", m.Size, typ, m.FrameSizes())
	}
	return fmt.Sprintf("%d messages, text and binary, some fragmented, in one burst", len(ms))
}

func burst() []RelayMessage {
	var out []RelayMessage
	for i := range 10 {
		m := RelayMessage{Binary: i%2 == 1, Size: 16 + 37*i}
		if i%3 == 2 {
			m.Frames = []int{m.Size / 2, m.Size - m.Size/2}
		}
		out = append(out, m)
	}
	return out
}

func relayCases() []*Case {
	three := RelayMessage{Size: 60, Frames: []int{10, 20, 30}}
	return []*Case{
		relay("19.1.1", "Single-frame text message, client to origin", RelayUp, []RelayMessage{{Size: 100}}, "The simplest message any intermediary must carry."),
		relay("19.1.2", "Text message in three frames, client to origin", RelayUp, []RelayMessage{three}, "A fragmented message (§5.4): an intermediary may reassemble it or pass its frames."),
		relay("19.1.3", "Ten messages in one burst, client to origin", RelayUp, burst(), "Order is the point: §5.4 forbids interleaving the fragments of different messages, and messages are delivered in the order sent."),
		relay("19.1.4", "Text message in three frames, origin to client", RelayDown, []RelayMessage{three}, "The same fragmented message in the other direction."),
		relay("19.1.5", "Ten messages in one burst, origin to client", RelayDown, burst(), "The burst in the other direction."),
	}
}

func controlBetweenFragments() []*Case {
	msg := []RelayMessage{{Binary: true, Size: 90, Frames: []int{30, 30, 30}}}
	ping := func(id, title string, kind IntermediaryKind, who string) *Case {
		c := relay(id, title, kind, msg, fmt.Sprintf("A ping (%q) goes between the first and second fragment (RFC 6455 §5.4: control frames MAY be injected in the middle of a fragmented message), and %s", PingPayload, who))
		c.Description += " No pong with the ping's payload FAILS (RFC 6455 §5.5.2); a pong that the intermediary made itself, the ping never reaching the other end, is INFORMATIONAL."
		c.Clauses = append(c.Clauses, "RFC 6455 §5.5.2")
		c.Intermediary.PingAfter = 1
		return c
	}
	return []*Case{
		ping("19.2.1", "Ping between fragments, client to origin", RelayUp, "the origin answers it with a pong that must come back to the client."),
		ping("19.2.2", "Ping between fragments, origin to client", RelayDown, "the client answers it with a pong that must reach the origin."),
	}
}

func closeRelayCases() []*Case {
	closing := func(id string, kind IntermediaryKind, code frame.CloseCode, reason string) *Case {
		from, to := "client", "origin server"
		if kind == CloseDown {
			from, to = "origin server", "client"
		}
		sent := closeText(code != 0, code, reason)
		return &Case{
			ID: id, Title: fmt.Sprintf("Close from the %s: %s", from, sent),
			Description:  fmt.Sprintf("The %s starts the closing handshake with %s. The same code must reach the %s (RFC 6455 §7.1.5: the connection's close code is the one in the first close frame received), or the case FAILS; an empty close frame must stay empty (1005 is what the receiver reports, never a code on the wire, §7.4.1); a changed reason is NON-STRICT (§7.1.6). The %s's answering close frame must come back unchanged too (§5.5.1).", from, sent, to, to),
			Clauses:      []string{"RFC 6455 §5.5.1", "RFC 6455 §7.1.5", "RFC 6455 §7.1.6", "RFC 6455 §7.4.1"},
			Intermediary: &IntermediaryPlan{Kind: kind, CloseCode: code, CloseReason: reason, Wait: relayWait},
		}
	}
	return []*Case{
		closing("19.3.1", CloseUp, frame.CloseNormal, ""),
		closing("19.3.2", CloseUp, 4000, "wsconform: über"),
		closing("19.3.3", CloseUp, 0, ""),
		closing("19.3.4", CloseUp, frame.CloseGoingAway, "tab closed"),
		closing("19.3.5", CloseDown, frame.CloseGoingAway, "server restart"),
		closing("19.3.6", CloseDown, 1011, "internal error"),
		closing("19.3.7", CloseDown, 4999, "application-defined"),
		closing("19.3.8", CloseDown, 0, ""),
	}
}

func handshakeFieldCases() []*Case {
	return []*Case{
		{
			ID: "19.4.1", Title: "Sec-WebSocket-Protocol passed end to end",
			Description:  "The client offers the subprotocols wsconform.v1 and wsconform.v2; the origin server selects wsconform.v2 if it sees it offered. The subprotocol the client is answered must be the one the origin selected (RFC 6455 §4.1, §4.2.2), or the two ends would speak different protocols: FAILED. An intermediary that removes the offer, so that the origin selects none and the client is answered none, is coherent: INFORMATIONAL.",
			Clauses:      []string{"RFC 6455 §4.1", "RFC 6455 §4.2.2", "RFC 6455 §11.3.4"},
			Intermediary: &IntermediaryPlan{Kind: SubprotocolPass, Offer: []string{"wsconform.v1", "wsconform.v2"}, OriginSelects: "wsconform.v2", Wait: relayWait},
		},
		{
			ID: "19.4.2", Title: "Sec-WebSocket-Extensions passed or stripped coherently",
			Description:  "The client offers permessage-deflate (RFC 7692); the origin server accepts it if the offer reaches it. Then the client sends a text message, compressed if the answer it got agreed to the extension, and the origin echoes it, compressed if it agreed. The extension must be on at both ends or at neither: an agreement the intermediary strips from the answer (or makes up) leaves one end sending RSV1 frames the other must fail (RFC 6455 §9.1, §5.2): FAILED. Removing the offer, so neither end uses it, is INFORMATIONAL.",
			Clauses:      []string{"RFC 6455 §9.1", "RFC 6455 §5.2", "RFC 7692 §5"},
			Intermediary: &IntermediaryPlan{Kind: ExtensionPass, Messages: []RelayMessage{{Size: 200}}, Wait: relayWait},
		},
		compressedRelay("19.4.3", RelayUp), compressedRelay("19.4.4", RelayDown),
	}
}

// compressedRelay is a compressed message cut into three frames once both
// ends agreed to permessage-deflate: the frames may not be re-cut by an
// intermediary that does not know the extension (§5.4).
func compressedRelay(id string, kind IntermediaryKind) *Case {
	from, to := "client", "origin server"
	if kind == RelayDown {
		from, to = "origin server", "client"
	}
	return &Case{
		ID: id, Title: fmt.Sprintf("Compressed message in three frames, %s to %s", strings.TrimSuffix(from, " server"), strings.TrimSuffix(to, " server")),
		Description:  fmt.Sprintf("The client offers permessage-deflate (RFC 7692) and the origin server accepts it; then the %s compresses a 3000-octet text message and sends the compressed octets in three frames (RSV1 on the first). The message must reach the %s intact (FAILED otherwise). RFC 6455 §5.4: an intermediary MUST NOT change the fragmentation of a message on a connection with a negotiated extension it does not understand, so other frames at the %s are NON-STRICT (an intermediary that understands permessage-deflate may). The extension stripped coherently is INFORMATIONAL (the case does not apply), stripped at one end only FAILED as in 19.4.2.", from, to, to),
		Clauses:      []string{"RFC 6455 §5.4", "RFC 7692 §6"},
		Intermediary: &IntermediaryPlan{Kind: kind, Deflate: true, Messages: []RelayMessage{{Size: 3000, Frames: []int{1000, 1000, 1000}}}, Wait: relayWait},
	}
}

func largeRelayCases() []*Case {
	const big = 16 << 20
	return []*Case{
		relay("19.5.1", "16 MiB binary message in one frame, client to origin", RelayUp, []RelayMessage{{Binary: true, Size: big}}, "Autobahn's largest message (9.x): an intermediary that buffers whole messages must hold it."),
		relay("19.5.2", "16 MiB binary message in one frame, origin to client", RelayDown, []RelayMessage{{Binary: true, Size: big}}, "The same in the other direction."),
		relay("19.5.3", "4 MiB text message in 64 KiB frames, client to origin", RelayUp, []RelayMessage{{Size: 4 << 20, Frames: repeatInt(64<<10, 64)}}, "Many fragments of one large message."),
	}
}

func repeatInt(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}

func idleCases() []*Case {
	return []*Case{{
		ID: "19.6.1", Title: "How long an idle connection survives",
		Description: fmt.Sprintf("Opens a connection through the intermediary; neither the client nor the origin server sends anything. Reports how long the connection lives and how it ends (a close frame from the intermediary, or TCP closed without one), and what the origin saw, up to %v. RFC 6455 sets no idle timeout (§5.5.2 has pings for keeping a connection alive), so the verdict is INFORMATIONAL: it tells how often a client behind this intermediary must ping.", idleCap),
		Clauses:     []string{"RFC 6455 §5.5.2"}, Level: Info,
		Intermediary: &IntermediaryPlan{Kind: IdleHold, IdleCap: idleCap},
	}}
}
