package cases

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

func init() {
	sections = append(sections, compressionCornerCases)
	sectionTitles["17"] = "WebSocket Compression (RFC 7692 corners)"
}

// RFC 7692 clauses section 17 cites beyond those of sections 12-15.
const (
	rfcPMDExtension      = "RFC 7692 §6"
	rfcPMDContext        = "RFC 7692 §7.1.1"
	rfcPMDServerNoCtx    = "RFC 7692 §7.1.1.1"
	rfcPMDWindow         = "RFC 7692 §7.1.2"
	rfcPMDServerWindow   = "RFC 7692 §7.1.2.1"
	rfcPMDClientWindow   = "RFC 7692 §7.1.2.2"
	rfcPMDExamples       = "RFC 7692 §7.2.3"
	rfcPMDSecurity       = "RFC 7692 §8"
	rfcExtensionSyntax   = "RFC 6455 §9.1"
	rfcPMDParamsRules    = "RFC 7692 §7"
	pmdUnimplementedNote = " A target that does not negotiate permessage-deflate at all is UNIMPLEMENTED (RFC 7692 is optional)."
)

// compressionCornerCases is section 17: what sections 12 and 13 never
// try of RFC 7692. Negotiation corners (every answer checked as a client
// must, §7.1), context takeover and window size kept as agreed (every
// back-reference of the target's messages is checked), RSV1 where it must
// not be, legal but unusual compressed messages, and a decompression bomb.
func compressionCornerCases() []*Case {
	var out []*Case
	for _, group := range [][]*Case{negotiationCorners(), contextAndWindowCases(), compressedFramingCases(), {bombCase()}} {
		out = append(out, group...)
	}
	for _, c := range out {
		c.Labels = append(c.Labels, "compression", "permessage-deflate")
	}
	return out
}

// negotiationCorners is 17.1: offers a server must decline (§7: "A server
// MUST decline an extension negotiation offer for this extension if ...")
// and valid offers in unusual spellings, each answer checked against the
// offers (§7.1) as a client must.
func negotiationCorners() []*Case {
	const checked = " An accepting 101 must answer one valid offer with only what that offer allows (RFC 7692 §7.1; FAILED otherwise); the connection is then closed normally. Refusing the whole handshake instead of declining is NON-STRICT." + pmdUnimplementedNote + responseChecked
	mustDecline := "RFC 7692 §7: a server MUST decline an offer with a parameter not defined for offers, with an invalid value, or with a parameter given twice, by answering without it"
	negotiation := func(id, title, desc, value string, valid bool, clauses ...string) *Case {
		acc := Acceptance{
			Rules: []AnswerRule{
				{AnswerDeflateAccepted, OK, "RFC 7692 §7.1: the server accepted with parameters that answer one valid offer"},
				brokenAccept,
				{AnswerDeflateDeclined, OK, mustDecline + "; it did, and accepted the connection"},
				{AnswerDeclined, NonStrict, declineOffer},
			},
			Session:        &Session{Echo: false, Lost: Failed},
			CheckDeflate:   true,
			Control:        true,
			DeflateControl: true,
			Breaks:         ruleExtensionOfferRefused,
		}
		if valid {
			acc.Rules[2] = AnswerRule{AnswerDeflateDeclined, Informational, "RFC 7692 §5 lets a server decline any offer; this one is valid and the server accepts a plain permessage-deflate offer, so it declines what it does not support here (recorded only)"}
		}
		return &Case{
			ID: id, Title: title, Description: desc + checked,
			Clauses: append([]string{rfcPMDNegotiation, rfcPMDParams}, clauses...), Level: Must,
			Handshake: &HandshakeExchange{Sent: fmt.Sprintf("a valid request offering %q", value),
				Edits: []RequestEdit{editSet("Sec-WebSocket-Extensions", value)}, Accept: acc},
			Expect: nothingBack, Close: normalClose,
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-extensions"},
		}
	}
	return []*Case{
		negotiation("17.1.1", "Quoted server_max_window_bits value",
			"Offers permessage-deflate; server_max_window_bits=\"10\". RFC 6455 §9.1 allows a quoted-string value that is a token once unquoted, so this is server_max_window_bits=10: an acceptance must carry server_max_window_bits of at most 10 (§7.1.2.1).",
			`permessage-deflate; server_max_window_bits="10"`, true, rfcExtensionSyntax, rfcPMDServerWindow),
		negotiation("17.1.2", "Quoted client_max_window_bits value",
			"Offers permessage-deflate; client_max_window_bits=\"10\" (a quoted token, RFC 6455 §9.1): an acceptance may limit the client's window to at most 10 (§7.1.2.2).",
			`permessage-deflate; client_max_window_bits="10"`, true, rfcExtensionSyntax, rfcPMDClientWindow),
		negotiation("17.1.3", "server_no_context_takeover given twice",
			"Offers permessage-deflate; server_no_context_takeover; server_no_context_takeover. The offer has a parameter twice, so the server MUST decline it (§7); accepting it FAILS.",
			"permessage-deflate; server_no_context_takeover; server_no_context_takeover", false, rfcPMDParamsRules),
		negotiation("17.1.4", "server_max_window_bits given twice with different values",
			"Offers permessage-deflate; server_max_window_bits=10; server_max_window_bits=12. The offer has a parameter twice, so the server MUST decline it (§7); accepting it, with either value, FAILS.",
			"permessage-deflate; server_max_window_bits=10; server_max_window_bits=12", false, rfcPMDParamsRules),
		negotiation("17.1.5", "server_max_window_bits=7",
			"Offers permessage-deflate; server_max_window_bits=7; §7.1.2.1 allows 8 to 15, so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; server_max_window_bits=7", false, rfcPMDServerWindow),
		negotiation("17.1.6", "server_max_window_bits=16",
			"Offers permessage-deflate; server_max_window_bits=16, past DEFLATE's 32 KiB window; §7.1.2.1 allows 8 to 15, so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; server_max_window_bits=16", false, rfcPMDServerWindow),
		negotiation("17.1.7", "server_max_window_bits with a leading zero",
			"Offers permessage-deflate; server_max_window_bits=010. §7.1.2.1 asks for \"a decimal integer value without leading zeroes\", so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; server_max_window_bits=010", false, rfcPMDServerWindow),
		negotiation("17.1.8", "client_max_window_bits with a leading zero",
			"Offers permessage-deflate; client_max_window_bits=09. §7.1.2.2 asks for a value \"without leading zeroes\", so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; client_max_window_bits=09", false, rfcPMDClientWindow),
		negotiation("17.1.9", "server_max_window_bits without a value",
			"Offers permessage-deflate; server_max_window_bits. Unlike client_max_window_bits, this parameter must have a value (§7.1.2.1), so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; server_max_window_bits", false, rfcPMDServerWindow),
		negotiation("17.1.10", "server_no_context_takeover with a value",
			"Offers permessage-deflate; server_no_context_takeover=1. §7.1.1.1: \"This extension parameter has no value\", so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; server_no_context_takeover=1", false, rfcPMDServerNoCtx),
		negotiation("17.1.11", "Unknown parameter with a value",
			"Offers permessage-deflate; x-wsconform-level=9. The parameter is not defined for offers, so the server MUST decline the offer (§7); accepting it FAILS.",
			"permessage-deflate; x-wsconform-level=9", false, rfcPMDParamsRules),
		negotiation("17.1.12", "client_max_window_bits without a value",
			"Offers permessage-deflate; client_max_window_bits, as browsers do: the client can take a window limit. An acceptance may carry client_max_window_bits with a value of 8 to 15, or none (§7.1.2.2).",
			"permessage-deflate; client_max_window_bits", true, rfcPMDClientWindow),
		negotiation("17.1.13", "client_max_window_bits=9",
			"Offers permessage-deflate; client_max_window_bits=9: an acceptance may carry client_max_window_bits of at most 9, or none (§7.1.2.2).",
			"permessage-deflate; client_max_window_bits=9", true, rfcPMDClientWindow),
		negotiation("17.1.14", "Plain offer: no client_max_window_bits in the answer",
			"Offers a plain permessage-deflate. §7.1.2.2: a response to an offer without client_max_window_bits MUST NOT include it; an acceptance with it FAILS.",
			"permessage-deflate", true, rfcPMDClientWindow),
		negotiation("17.1.15", "server_no_context_takeover must be echoed",
			"Offers permessage-deflate; server_no_context_takeover. §7.1.1.1: a server accepts this offer by including server_no_context_takeover in its answer; an acceptance without it FAILS.",
			"permessage-deflate; server_no_context_takeover", true, rfcPMDServerNoCtx),
		negotiation("17.1.16", "Three offers in order of preference",
			"Offers \"permessage-deflate; server_max_window_bits=9; client_max_window_bits=9, permessage-deflate; server_no_context_takeover; client_max_window_bits, permessage-deflate\". §5.1: the server answers at most one of them, and only with what that one allows (§7.1); two answers, or parameters no single offer allows, FAIL.",
			"permessage-deflate; server_max_window_bits=9; client_max_window_bits=9, permessage-deflate; server_no_context_takeover; client_max_window_bits, permessage-deflate", true, rfcPMDServerWindow, rfcPMDClientWindow),
		negotiation("17.1.17", "Invalid offer, then one that asks for no context takeover",
			"Offers \"permessage-deflate; server_max_window_bits=16, permessage-deflate; server_no_context_takeover\". The first MUST be declined (§7); an acceptance must answer the second, so it must carry server_no_context_takeover (§7.1.1.1).",
			"permessage-deflate; server_max_window_bits=16, permessage-deflate; server_no_context_takeover", true, rfcPMDServerWindow, rfcPMDServerNoCtx),
	}
}

// Documents of section 17's compressed exchanges.
var (
	// oneBlock: every message is the same 1000 random octets, so a sender
	// that keeps its window compresses the second as one reference to the
	// first.
	oneBlock = payloadKind{standIn: "1000 random octets, the same in every message", size: 1000, generate: func(n int) []byte { return randomOctets(17, n) }}
	// twoBlocks: 1500 random octets twice: the second copy is 1500 octets
	// back, beyond a 2^8 or 2^9 window and well within 2^15.
	twoBlocks = payloadKind{standIn: "1500 random octets, twice", size: 3000, generate: func(n int) []byte {
		b := randomOctets(18, n/2)
		return append(b, b...)
	}}
)

func randomOctets(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 0x77736366))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// contextAndWindowCases is 17.2 (context takeover) and 17.3 (window
// size): compressed echoes of messages built so that a target that breaks
// what it agreed is caught by what its compressor references.
func contextAndWindowCases() []*Case {
	plan := func(id, title, desc string, offer deflate.Params, doc payloadKind, check bool, clauses ...string) *Case {
		p := &CompressionPlan{Offers: []deflate.Params{offer}, Payload: doc, Size: doc.size, Count: 3, Declined: Unimplemented, CheckReach: check}
		return &Case{
			ID: id, Title: title,
			Description: desc + fmt.Sprintf(" Offers %q; if accepted, sends the message 3 times, the next only after the previous echo; every echo must inflate to its message.", offer.String()) + pmdUnimplementedNote,
			Clauses:     append([]string{rfcPMDNegotiation, rfcPMDCompress, rfcPMDDecompress}, clauses...),
			Level:       Must,
			Timer:       closeAfter(10 * time.Second),
			Close:       normalClose,
			Compression: p,
		}
	}
	return []*Case{
		plan("17.2.1", "server_no_context_takeover agreed: every server message starts from an empty window",
			"Sends the same 1000 random octets (binary) three times. §7.1.1.1: a server that agreed server_no_context_takeover MUST start every message with an empty LZ77 window, so its second and third echoes may not refer to the first. Every back-reference in the target's messages is checked: one that reaches before its message FAILS (rule pmd-context-kept).",
			deflate.Params{ServerNoContextTakeover: true}, oneBlock, true, rfcPMDServerNoCtx),
		plan("17.2.2", "Client keeps its context: the server must inflate with its kept window",
			"Sends the same 1000 random octets (binary) three times, compressed with the window kept across messages (no client_no_context_takeover was offered), so our second and third messages are references into the first. §7.2.2 with §7.1.1.2: unless it asked for client_no_context_takeover, the server MUST inflate with the window kept from earlier messages; a server that resets its decompressor cannot, and FAILS.",
			deflate.Params{}, oneBlock, false, rfcPMDContext),
		plan("17.2.3", "Both directions without context takeover",
			"Sends the same 1000 random octets three times, each compressed from an empty window. Offers both server_no_context_takeover and client_no_context_takeover; the server's messages are checked as in 17.2.1.",
			deflate.Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, oneBlock, true, rfcPMDContext),
		plan("17.3.1", "server_max_window_bits=9 agreed: every back-reference within 512 octets",
			"Sends 1500 random octets twice in one binary message, three times. §7.1.2.1: a server that agreed server_max_window_bits=9 MUST NOT use an LZ77 window larger than 2^9 = 512 octets, so it may not refer back 1500 octets to the first copy. Every back-reference in the target's messages is checked: one farther than 512 octets FAILS (rule pmd-window-exceeded).",
			deflate.Params{ServerMaxWindowBits: 9}, twoBlocks, true, rfcPMDServerWindow),
		plan("17.3.2", "server_max_window_bits=8 agreed: every back-reference within 256 octets",
			"As 17.3.1 with server_max_window_bits=8: no back-reference may reach farther than 2^8 = 256 octets (zlib silently widens a window of 8 bits to 9; a server on it must still keep its references within 256).",
			deflate.Params{ServerMaxWindowBits: 8}, twoBlocks, true, rfcPMDServerWindow),
		plan("17.3.3", "server_max_window_bits=10 and no context takeover agreed",
			"As 17.3.1 with server_max_window_bits=10 and server_no_context_takeover: no back-reference farther than 1024 octets, none into an earlier message.",
			deflate.Params{ServerMaxWindowBits: 10, ServerNoContextTakeover: true}, twoBlocks, true, rfcPMDServerWindow, rfcPMDServerNoCtx),
	}
}

// compressedHello is the text every framing case compresses.
const compressedHello = "Hello, permessage-deflate!"

// compressFresh is msg compressed from an empty window, as §7.2.1 sends it
// (the trailing 0x00 0x00 0xff 0xff removed). It refers to no earlier
// message, so it is valid on any agreement.
func compressFresh(msg []byte) []byte {
	c, err := deflate.NewCompressor(flate.BestCompression, true)
	if err != nil {
		panic(err)
	}
	z, err := c.Compress(nil, msg)
	if err != nil {
		panic(err)
	}
	return z
}

// compressedFinal is msg as one DEFLATE stream ending with a final block
// (BFINAL set), §7.2.3.4.
func compressedFinal(msg []byte) []byte {
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, flate.BestCompression)
	if err != nil {
		panic(err)
	}
	w.Write(msg)
	w.Close()
	return b.Bytes()
}

// plainOffer is the offer every scripted section-17 case makes.
var plainOffer = &DeflateOffer{Offers: []deflate.Params{{}}, Declined: Unimplemented}

// compressedFramingCases is 17.4: RSV1 where RFC 7692 forbids it, and
// compressed messages that are unusual but valid.
func compressedFramingCases() []*Case {
	hello := []byte(compressedHello)
	z := compressFresh(hello)
	half := len(z) / 2
	scripted := func(id, title, desc string, steps []Step, expect []Outcome, cl CloseExpect, timer Timer, clauses ...string) *Case {
		return &Case{
			ID: id, Title: title, Description: desc,
			Clauses: clauses, Level: Must,
			Deflate: plainOffer,
			Steps:   steps, Timer: timer, Expect: expect, Close: cl,
		}
	}
	failing := func(id, title, desc string, steps ...Step) *Case {
		return scripted(id, title, desc+" Offers a plain permessage-deflate first."+pmdUnimplementedNote, steps, nothingBack, failedWith(1002), killAfter(time.Second), rfcPMDExtension, rfcFailing)
	}
	echoing := func(id, title, desc string, steps []Step, n int, clauses ...string) *Case {
		echoes := make([]Outcome, 0, 1)
		var es []observed.Event
		for range n {
			es = append(es, textEcho(compressedHello))
		}
		echoes = append(echoes, Outcome{OK, events(es...)})
		return scripted(id, title, desc+" Offers a plain permessage-deflate first; every echo must inflate to the message."+pmdUnimplementedNote, steps, echoes, normalClose, closeAfter(2*time.Second),
			append([]string{rfcPMDDecompress, rfcPMDExamples}, clauses...)...)
	}

	var everySplit []Step
	for k := 1; k < len(z); k++ {
		everySplit = append(everySplit,
			send(dataFrame(frame.OpText, z[:k], false, frame.RSV1)),
			send(dataFrame(frame.OpContinuation, z[k:], true, 0)),
			Step{AwaitEcho: k})
	}
	var octetFrames []Step
	for i := range z {
		op, rsv := frame.OpContinuation, uint8(0)
		if i == 0 {
			op, rsv = frame.OpText, frame.RSV1
		}
		octetFrames = append(octetFrames, send(dataFrame(op, z[i:i+1], i == len(z)-1, rsv)))
	}
	withTail := append(append([]byte{}, z...), 0x00, 0x00, 0xff, 0xff)
	empty := dataFrame(frame.OpText, []byte{0x00}, true, frame.RSV1)

	return []*Case{
		failing("17.4.1", "RSV1 on a continuation frame",
			fmt.Sprintf("Sends %q compressed in two frames, RSV1 set on the first and, wrongly, on the continuation too. RFC 7692 §6: the Per-Message Compressed bit is set only on a message's first frame; an endpoint receiving it on a later one MUST fail the connection (1002 or a TCP drop); nothing may be echoed.", compressedHello),
			send(dataFrame(frame.OpText, z[:half], false, frame.RSV1)), send(dataFrame(frame.OpContinuation, z[half:], true, frame.RSV1))),
		failing("17.4.2", "RSV1 on a ping",
			"Sends a ping with RSV1 set (payload \"ping\"). RFC 7692 §6: the Per-Message Compressed bit is never set on a control frame; an endpoint receiving one MUST fail the connection (1002 or a TCP drop); no pong may come.",
			send(dataFrame(frame.OpPing, []byte("ping"), true, frame.RSV1))),
		failing("17.4.3", "RSV1 on a ping between the fragments of a compressed message",
			fmt.Sprintf("Sends the first half of %q compressed (RSV1), a ping with RSV1 set, then the second half. RFC 7692 §6 forbids RSV1 on a control frame wherever it comes: the connection MUST be failed (1002 or a TCP drop); nothing may be echoed.", compressedHello),
			send(dataFrame(frame.OpText, z[:half], false, frame.RSV1)), send(dataFrame(frame.OpPing, []byte("ping"), true, frame.RSV1)),
			send(dataFrame(frame.OpContinuation, z[half:], true, 0))),
		{
			ID: "17.4.4", Title: "RSV1 without permessage-deflate negotiated",
			Description: fmt.Sprintf("Offers nothing, then sends %q compressed in a text frame with RSV1 set. RFC 6455 §5.2: RSV1 MUST be 0 unless a negotiated extension defines it; the receiver MUST fail the connection (1002 or a TCP drop); nothing may be echoed. Applies to every server.", compressedHello),
			Clauses:     []string{rfcFraming, rfcPMDExtension, rfcFailing}, Level: Must,
			Steps: []Step{send(dataFrame(frame.OpText, z, true, frame.RSV1))},
			Timer: killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
		},
		scripted("17.4.5", "Empty compressed message (payload 0x00)",
			"Sends a text message whose compressed payload is the single octet 0x00: an empty stored block once the receiver appends 0x00 0x00 0xff 0xff, which is how §7.2.1 compresses an empty message. It must be echoed as an empty text message. Offers a plain permessage-deflate first."+pmdUnimplementedNote,
			[]Step{send(empty)}, only(textEcho("")), normalClose, closeAfter(2*time.Second), rfcPMDCompress, rfcPMDDecompress),
		echoing("17.4.6", "Message ending with an empty fragment (§7.2.3.6)",
			fmt.Sprintf("Sends %q compressed and sync-flushed, the 0x00 0x00 0xff 0xff kept, RSV1 and no FIN, then a continuation whose payload is the single octet 0x00 (FIN), as §7.2.3.6 shows a sender that reaches the end of its data after flushing: the appended tail turns it into one more empty block.", compressedHello),
			[]Step{send(dataFrame(frame.OpText, withTail, false, frame.RSV1)), send(dataFrame(frame.OpContinuation, []byte{0x00}, true, 0))}, 1),
		echoing("17.4.7", "Compressed message split at every boundary",
			fmt.Sprintf("Sends %q compressed (%d octets) %d times, each as two frames split after octet k (k = 1 .. %d), the next after the previous echo. RFC 6455 §5.4 lets a message be fragmented anywhere, and RFC 7692 §6 compresses the message, not the frame: every split must inflate the same.", compressedHello, len(z), len(z)-1, len(z)-1),
			everySplit, len(z)-1, rfcFragments),
		echoing("17.4.8", "Compressed message in one-octet frames",
			fmt.Sprintf("Sends %q compressed (%d octets) as %d frames of one octet each, RSV1 on the first only.", compressedHello, len(z), len(z)),
			octetFrames, 1, rfcFragments),
		echoing("17.4.9", "Compressed message with a final block (BFINAL set, §7.2.3.4)",
			fmt.Sprintf("Sends %q as one DEFLATE stream ending with a block that has BFINAL set, not sync-flushed, as §7.2.3.4 allows: the receiver appends 0x00 0x00 0xff 0xff, which follows the final block and means nothing.", compressedHello),
			[]Step{send(dataFrame(frame.OpText, compressedFinal(hello), true, frame.RSV1))}, 1),
		echoing("17.4.10", "Uncompressed message on a compressing connection",
			fmt.Sprintf("Sends %q in a text frame with RSV1 clear after permessage-deflate was agreed. RFC 7692 §6: a message whose first frame has RSV1 clear is not compressed, and must be echoed as it is.", compressedHello),
			[]Step{send(textFrame(compressedHello))}, 1),
	}
}

// bombSize is what the bomb of 17.5.1 inflates to: the probe's message cap.
const bombSize = 64 << 20

// bombCase is 17.5.1: a few dozen kilobytes that inflate to 64 MiB.
func bombCase() *Case {
	return &Case{
		ID: "17.5.1", Title: "Decompression bomb: a small compressed message inflating to 64 MiB",
		Description: "Offers a plain permessage-deflate, then sends one binary frame of about 64 KiB of DEFLATE data that inflates to 64 MiB of zeros, and waits 10 s, plus 10 s per 16 MiB a target that accepts it has to echo. A server whose message limit is smaller must refuse it: a close frame with 1009 (RFC 6455 §7.4.1) or a drop is OK, another code NON-STRICT; RFC 7692 §8 warns that a compressed message can inflate past any limit. A server that echoes it has no limit up to 64 MiB (INFORMATIONAL, with the size accepted). Neither refused nor echoed FAILS. A new connection must then still be served (RFC 6455 §10.4)." + pmdUnimplementedNote,
		Clauses:     []string{rfcResourceLimits, rfcPMDSecurity, rfcPMDDecompress},
		Level:       Must,
		Resource:    &ResourcePlan{Kind: InflateBomb, Cap: bombSize, Wait: 10 * time.Second, Compressed: true, Declined: Unimplemented},
		Close:       failedWith(1009),
		Labels:      []string{"limits"},
	}
}
