package cases

import (
	"fmt"
	"time"
)

func init() {
	sections = append(sections, resourceLimitCases)
	sectionTitles["18"] = "Resource Limits"
}

// Caps of section 18: what a target without limits costs the suite.
const (
	// limitCap bounds the message-limit search (and so the messages sent):
	// the probe's own message cap, 4x Autobahn's largest message.
	limitCap = 64 << 20
	// slowClientCap is how long a slow-client case waits for the target to
	// give up. Servers' own handshake and write timeouts are mostly 5-30 s
	// (the reference server's are 5 s and 10 s); holding a connection that
	// sends nothing useful for 30 s is already what lets a few clients
	// exhaust a server.
	slowClientCap = 30 * time.Second
	// announceWait is how long the announced-length cases wait for a
	// refusal after their few octets: a server that checks the header
	// answers at once.
	announceWait = 3 * time.Second
)

// resourceLimitCases is section 18: what a client can make a server spend.
// Announced lengths it must not believe, a message limit fragmentation and
// compression must not get round, and clients too slow to ever finish.
// Every case but the slow-client ones is followed by a new connection that
// must be served (a handshake and an echo), and a target that went down
// FAILS the case that killed it (suite/crash.go).
func resourceLimitCases() []*Case {
	out := append(announcedLengthCases(), messageLimitCases()...)
	out = append(out, slowClientCases()...)
	for _, c := range out {
		c.Labels = append(c.Labels, "limits")
	}
	return out
}

const aliveNote = " A new connection must then complete a handshake and echo a message, or the case FAILS (RFC 6455 §10.4; a target that stopped accepting connections is reported as crashed by this case)."

func announcedLengthCases() []*Case {
	announce := func(id, title string, n uint64, why string) *Case {
		return &Case{
			ID: id, Title: title,
			Description: fmt.Sprintf("Sends a masked binary frame header announcing %d octets of payload (%s), 16 octets of it, then nothing for %v. RFC 6455 §10.4: a server MUST protect itself against messages past its limits, and RFC 6455 §7.4.1 has 1009 for a message too big to process: a close frame with 1009 (or none) or a drop is OK, another code NON-STRICT; waiting for the rest is NON-STRICT (a server that reads payload against its limit as it arrives protects itself too, without refusing the header), and a server that allocates the announced length first and does not survive it FAILS.", n, why, announceWait) + aliveNote,
			Clauses:     []string{rfcResourceLimits, rfcFraming, rfcCloseCode},
			Level:       Must,
			Resource:    &ResourcePlan{Kind: AnnounceLength, Announce: n, Follow: 16, Wait: announceWait},
			Close:       failedWith(1009),
		}
	}
	return []*Case{
		announce("18.1.1", "Frame header announcing 2^32 + 5 octets", 1<<32+5,
			"the 64-bit length with its top bit clear, as §5.2 requires, and past 32 bits: a server that keeps lengths in 32 bits reads 5"),
		announce("18.1.2", "Frame header announcing 300 MiB", 300<<20, "the 64-bit length form"),
	}
}

func messageLimitCases() []*Case {
	search := &ResourcePlan{Kind: SearchLimit, Cap: limitCap, Wait: 5 * time.Second}
	bypass := func(id, title, how string, p ResourcePlan) *Case {
		p.Kind, p.Cap, p.Wait = BypassLimit, limitCap, 5*time.Second
		desc := fmt.Sprintf("Finds the target's message limit as 18.2.1 does (the search runs once per run), then sends a message of the smallest size it refused %s. RFC 6455 §10.4: implementations MUST protect themselves against exceeding their limits, \"including the total message size after reassembly from multiple frames\": the message must be refused the same way (OK); refused another way is NON-STRICT; echoed FAILS. A target without a limit up to %d MiB has none to bypass (INFORMATIONAL).", how, limitCap>>20)
		if p.Compressed {
			desc += pmdUnimplementedNote
		}
		return &Case{
			ID: id, Title: title, Description: desc + aliveNote,
			Clauses: []string{rfcResourceLimits, rfcFragments}, Level: Must,
			Resource: &p, Close: failedWith(1009),
		}
	}
	return []*Case{
		{
			ID: "18.2.1", Title: fmt.Sprintf("Message limit, found with single-frame messages (up to %d MiB)", limitCap>>20),
			Description: fmt.Sprintf("Sends single-frame binary messages on new connections, doubling from %d KiB up to %d MiB, then bisects between the largest echoed and the smallest refused (at most %d more): the target's message limit. A refusal is a close frame or a drop; every accepted message must be echoed. A limit found is OK and reported; none up to %d MiB is INFORMATIONAL (RFC 6455 §10.4 asks only that implementations with limits protect themselves). Each message has 5 s, plus 5 s per 16 MiB, to come back or be refused; neither FAILS.", searchStart>>10, limitCap>>20, searchBisects, limitCap>>20) + aliveNote,
			Clauses:     []string{rfcResourceLimits, rfcCloseCode}, Level: Must,
			Resource: search, Close: failedWith(1009),
		},
		bypass("18.2.2", "Message just above the limit, as two fragments", "as two frames of half that size, each below the limit", ResourcePlan{}),
		bypass("18.2.3", "Message just above the limit, in many small fragments", "in frames of 64 KiB", ResourcePlan{Fragment: 64 << 10}),
		bypass("18.2.4", "Message just above the limit, compressed", "as one compressed frame of zeros (a plain permessage-deflate offered first), far smaller than the limit on the wire", ResourcePlan{Compressed: true, Declined: Unimplemented}),
	}
}

func slowClientCases() []*Case {
	rules := func(what string) Acceptance {
		held := "The server still held the connection when we gave up " + fmt.Sprint(slowClientCap) + " after we started; " + hardeningNote
		return Acceptance{Rules: []AnswerRule{
			{AnswerValid101, Informational, "A 101 to an incomplete request (recorded only)"},
			{AnswerBroken101, Informational, "A 101 to an incomplete request (recorded only)"},
			{AnswerSilent, NonStrict, held},
			{AnswerDeclined, OK, "The server gave up on " + what + ", as a server protecting itself from slow clients does (no RFC sets a number)"},
		}, Breaks: RuleSlowHandshakeHeld}
	}
	stall := func(id, title, desc string, x *HandshakeExchange) *Case {
		return &Case{
			ID: id, Title: title,
			Description: desc + fmt.Sprintf(" How long the server holds the connection is reported, up to %v. Closing it or answering an error within that is OK; still holding it then is a finding at the HARDENING level: %s.", slowClientCap, hardeningNote),
			Clauses:     []string{rfcResourceLimits, "RFC 7230 §6.5"}, Level: Hardening,
			Handshake: x,
			Timeout:   slowClientCap + 20*time.Second,
			Labels:    []string{"slow-client"},
		}
	}
	return []*Case{
		stall("18.3.1", "Opening handshake that never completes",
			"Sends the start of a valid request, stopping inside the field name Sec-WebSocket-Key, then nothing.",
			&HandshakeExchange{Sent: "the first part of a valid request, then nothing", StopAfter: "Sec-WebSocket", Wait: slowClientCap, Accept: rules("the incomplete request")}),
		stall("18.3.2", "Opening handshake at one octet per second",
			"Sends a valid request one octet per TCP write, one write per second, so that it would take minutes to complete; a server whose timeout restarts with every octet never gives up.",
			&HandshakeExchange{Sent: "a valid request at one octet per second", Chop: 1, Drip: time.Second, Wait: slowClientCap, Accept: rules("the slow request")}),
		{
			ID: "18.3.3", Title: "Connection that never reads",
			Description: fmt.Sprintf("Opens a connection and sends 1 MiB binary messages to echo, never reading the echoes, until our writes block (the server stopped reading: its echoes filled the buffers) or %d MiB are sent; then waits up to %v for the server to drop the connection. Dropping it within that is OK, with the time reported; still holding it, or reading on while buffering every unread echo, is a finding at the HARDENING level: %s.", limitCap>>20, slowClientCap, hardeningNote),
			Clauses:     []string{rfcResourceLimits}, Level: Hardening,
			Resource: &ResourcePlan{Kind: NeverRead, Cap: limitCap, Hold: slowClientCap, Wait: 2 * time.Second},
			Labels:   []string{"slow-client"},
		},
	}
}
