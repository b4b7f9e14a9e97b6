package cases

import (
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, beyondAutobahnCases) }

// beyondAutobahnCases is section 14: framing rules of RFC 6455 that
// Autobahn|Testsuite never exercises. Numbered after Autobahn's 13 so ids
// never collide.
func beyondAutobahnCases() []*Case {
	hello := []byte("Hello, world!")
	labels := []string{"framing", "beyond-autobahn"}
	mustFail := func(id, title, desc string, clauses []string, steps []Step, cs ...frame.CloseCode) *Case {
		return &Case{
			ID: id, Title: title, Description: desc + " Nothing may come back: the target must fail the connection (" + codeList(cs) + " or a TCP drop).",
			Clauses: append(clauses, rfcFailing),
			Steps:   steps,
			Timer:   killAfter(time.Second), Expect: nothingBack, Close: failedWith(cs...),
			Labels: labels,
		}
	}
	informational := func(id, title, desc string, steps []Step, expect []Outcome, timer Timer) *Case {
		return &Case{
			ID: id, Title: title, Description: desc,
			Clauses: []string{rfcFraming},
			Level:   Info,
			Steps:   steps,
			Timer:   timer, Expect: expect,
			Close:  CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, Informational: true},
			Labels: labels,
		}
	}

	// A payload length field wider than needed (§5.2: "the minimal number
	// of bytes MUST be used to encode the length"). The RFC puts that MUST
	// on the sender and says nothing of the receiver.
	nonMinimal := func(enc frame.LengthEncoding) *frame.Frame {
		f := textFrame(string(hello))
		f.Encoding = enc
		return f
	}
	// A frame whose header announces more payload than is ever sent.
	const announced = 100
	truncated := textFrame(string(hello))
	n := uint64(announced)
	truncated.LengthOverride = &n
	// §5.2: the most significant bit of a 64-bit length MUST be 0.
	topBit := binaryFrame(hello)
	huge := uint64(1)<<63 | uint64(len(hello))
	topBit.LengthOverride = &huge

	closeThenText := frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Masked(maskKey)
	text := frame.New(frame.OpText, hello).Masked(maskKey)
	closeAndData := text.Append(closeThenText.Append(nil))

	first := frame.New(frame.OpText, []byte("fragment1"))
	first.Fin = false
	last := frame.New(frame.OpContinuation, []byte("fragment2"))
	fragmentedWithClose := last.Masked(maskKey).Append(closeThenText.Append(first.Masked(maskKey).Append(nil)))

	return []*Case{
		{
			ID: "14.1.1", Title: "Unmasked text frame from the client",
			Description: "Sends a text frame without a mask. §5.1: \"The server MUST close the connection upon receiving a frame that is not masked\" (§5.3: it MAY send 1002). Several widely used servers echo it instead. Nothing may come back: the target must fail the connection (1002 or a TCP drop).",
			Clauses:     []string{"RFC 6455 §5.1", rfcMasking, rfcFailing},
			Steps:       []Step{{Frame: textFrame(string(hello)), Unmasked: true}},
			Timer:       killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: labels,
		},
		{
			ID: "14.1.2", Title: "Unmasked ping from the client",
			Description: "Sends a ping without a mask. §5.1 applies to every frame a client sends, control frames included: the server MUST close the connection, so no pong may come back (1002 or a TCP drop).",
			Clauses:     []string{"RFC 6455 §5.1", rfcMasking, rfcFailing},
			Steps:       []Step{{Frame: pingFrame(hello), Unmasked: true}},
			Timer:       killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: labels,
		},
		mustFail("14.2.1", "64-bit payload length with the most significant bit set",
			"Sends a binary frame header whose 64-bit length has its top bit set (2^63 + 13), followed by 13 octets. §5.2: \"the most significant bit MUST be 0\". A target that believed the length would wait for exabytes; it must fail the connection instead. 1009 (too big) is accepted as well as 1002.",
			[]string{rfcFraming}, []Step{send(topBit)}, 1002, 1009),
		informational("14.3.1", "Short payload sent with a 16-bit length field",
			"Sends 'Hello, world!' (13 octets) with the 16-bit length encoding (126 + 2 octets). §5.2 says \"the minimal number of bytes MUST be used to encode the length\" but puts no duty on the receiver: echoing the text and failing with 1002 are both defensible, so what the target does is recorded only (INFORMATIONAL).",
			[]Step{send(nonMinimal(frame.Length16))}, only(textEcho(string(hello))), killAfter(time.Second)),
		informational("14.3.2", "Short payload sent with a 64-bit length field",
			"As 14.3.1 with the 64-bit length encoding (127 + 8 octets). Recorded only (INFORMATIONAL).",
			[]Step{send(nonMinimal(frame.Length64))}, only(textEcho(string(hello))), killAfter(time.Second)),
		informational("14.4.1", "Length field larger than what follows, then silence",
			"Sends a text frame header announcing 100 octets, only 13 of them, and then nothing. The RFC sets no timeout, but a server must not wait forever on a peer that stalls mid-frame (§10.4 asks for resource limits). Markers record how long the connection stayed open (0.5 s, 1 s, 2 s, 4 s); after 4 s we fail the connection ourselves. Recorded only (INFORMATIONAL): the markers in the result say how long the target waits.",
			[]Step{send(truncated), wait(500*time.Millisecond, "open-after-0.5s"), wait(500*time.Millisecond, "open-after-1s"), wait(time.Second, "open-after-2s"), wait(2*time.Second, "open-after-4s")},
			[]Outcome{}, killAfter(0)),
		mustFail("14.5.1", "Ping with RSV1 set and no extension",
			"Sends a ping with RSV1 set while no extension is negotiated. §5.2: a nonzero RSV bit that no negotiated extension defines MUST fail the connection; this holds for control frames too (Autobahn only tests RSV on a close frame, 3.7). No pong may come back.",
			[]string{rfcFraming}, []Step{send(dataFrame(frame.OpPing, hello, true, frame.RSV1))}, 1002),
		mustFail("14.5.2", "Continuation frame with RSV1 set and no extension",
			"Sends a text fragment, then its final continuation with RSV1 set, no extension negotiated. §5.2 applies to every frame: the target must fail the connection rather than deliver the message (permessage-deflate would not allow RSV1 on a continuation either, RFC 7692 §6).",
			[]string{rfcFraming, rfcFragments}, []Step{send(dataFrame(frame.OpText, []byte("fragment1"), false, 0)), send(dataFrame(frame.OpContinuation, []byte("fragment2"), true, frame.RSV1))}, 1002),
		{
			ID: "14.6.1", Title: "Close frame and a text frame in the same TCP segment",
			Description: "Writes close 1000 immediately followed by a text frame in one TCP write. §5.5.1: after sending a close an endpoint sends no more data, and the receiver of a close answers it and stops processing data: the text must not be echoed; the target must answer with 1000 and end the connection. A server that reads the whole segment as a batch and echoes the text breaks this.",
			Clauses:     []string{rfcClose, "RFC 6455 §7.1.2"},
			Steps:       []Step{{Raw: closeAndData}},
			Timer:       killAfter(time.Second), Expect: nothingBack,
			// The close went out as raw octets, so to the probe the target's
			// close reply looks like the target started the closing handshake.
			Close:  CloseExpect{ClosedByMe: false, Codes: codes(1000)},
			Labels: labels,
		},
		{
			ID: "14.7.1", Title: "Close in the middle of a fragmented message that never completes",
			Description: "Sends the first fragment of a text message, then close 1000, and never the rest. §5.4 allows a control frame between fragments; the target must answer the close with 1000 and close cleanly without delivering the partial message.",
			Clauses:     []string{rfcFragments, rfcClose},
			Steps:       []Step{send(dataFrame(frame.OpText, []byte("fragment1"), false, 0)), sendClose(1000, "")},
			Timer:       killAfter(time.Second), Expect: nothingBack,
			Close:  CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, WrongCodeFails: true},
			Labels: labels,
		},
		{
			ID: "14.7.2", Title: "First fragment, close and last fragment in one TCP segment",
			Description: "As Autobahn 7.1.5 (first fragment, close 1000, last fragment) but all three frames in a single TCP write, so a server cannot rely on the close arriving in a read of its own. The message must not be delivered; the target must answer the close with 1000.",
			Clauses:     []string{rfcFragments, rfcClose},
			Steps:       []Step{{Raw: fragmentedWithClose}},
			Timer:       killAfter(time.Second), Expect: nothingBack,
			Close:  CloseExpect{ClosedByMe: false, Codes: codes(1000), WrongCodeFails: true},
			Labels: labels,
		},
	}
}

// maskKey masks the frames that section 14 prebuilds as raw octets. §5.3
// wants unpredictable keys to defeat cache poisoning by intermediaries;
// against a server under test on a direct connection a fixed key is
// harmless and keeps the octets reproducible.
var maskKey = [4]byte{0x37, 0xfa, 0x21, 0x3d}

func codeList(cs []frame.CloseCode) string {
	s := ""
	for i, c := range cs {
		if i > 0 {
			s += " or "
		}
		s += c.String()
	}
	return s
}

func init() { sectionTitles["14"] = "Framing beyond Autobahn" }
