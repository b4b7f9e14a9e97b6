package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, closeCases) }

// closeCases is section 7: the closing handshake (§5.5.1, §7) and close
// status codes (§7.4). In this section the close code is what is tested,
// so a WRONG CODE close verdict fails the case (as in Autobahn).
func closeCases() []*Case {
	helloWorld := "Hello World!"
	closeCase := func(id, title, desc string, steps []Step, ce CloseExpect) *Case {
		ce.WrongCodeFails = true
		return &Case{
			ID: id, Title: title, Description: desc,
			Clauses: []string{rfcClose, rfcCloseCode},
			Steps:   steps,
			Timer:   killAfter(time.Second), Expect: nothingBack, Close: ce,
			Labels: []string{"close", "autobahn"},
		}
	}
	cleanClose := normalClose
	// We sent the first close; the target must answer 1002 or drop TCP.
	rejected := func(cs ...frame.CloseCode) CloseExpect {
		return CloseExpect{ClosedByMe: true, Codes: cs}
	}
	closeFrame := func(payload []byte) *frame.Frame { f := frame.New(frame.OpClose, payload); return &f }

	out := []*Case{
		{
			ID: "7.1.1", Title: "Text message, its echo, then a normal close",
			Description: "Sends 'Hello World!', waits for the echo, then closes with 1000. The target must echo, answer the close with 1000 and end TCP cleanly (§5.5.1, §7.1.1).",
			Clauses:     []string{rfcClose, rfcCloseCode},
			Steps:       []Step{send(textFrame(helloWorld)), {AwaitEcho: 1}, sendClose(1000, "")},
			Timer:       killAfter(time.Second), Expect: only(textEcho(helloWorld)),
			Close:  CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, WrongCodeFails: true},
			Labels: []string{"close", "autobahn"},
		},
		closeCase("7.1.2", "Two close frames back to back",
			"Sends close 1000 and then a second, empty close frame. §5.5.1: after sending a close an endpoint sends no further frames, and a received close is answered once; the target must answer the first with 1000, ignore the second and close cleanly.",
			together(sendClose(1000, ""), send(closeFrame([]byte{}))), cleanClose),
		closeCase("7.1.3", "Ping after the close frame",
			"Sends close 1000, then a ping. §5.5.1: data after a close frame is not processed; the target must not answer the ping and must close cleanly with 1000.",
			together(sendClose(1000, ""), send(pingFrame([]byte{}))), cleanClose),
		closeCase("7.1.4", "Text message after the close frame",
			"Sends close 1000, then 'Hello World!'. §5.5.1: the text arrives after the close and must not be echoed; clean close with 1000.",
			together(sendClose(1000, ""), send(textFrame(helloWorld))), cleanClose),
		closeCase("7.1.5", "Close between the fragments of a text message",
			"Sends the first fragment of a text message, close 1000, then the final fragment. §5.4 allows a control frame between fragments, and after the close nothing more is processed: no message may be delivered or echoed; clean close with 1000.",
			together(send(dataFrame(frame.OpText, []byte("fragment1"), false, 0)), sendClose(1000, ""), send(dataFrame(frame.OpContinuation, []byte("fragment2"), true, 0))), cleanClose),
		{
			ID: "7.1.6", Title: "256 KiB text, small text, close and ping back to back",
			Description: "Sends a 262144-octet text message, 'Hello World!', close 1000 and a ping without waiting. Whether the messages are echoed before the close is processed is up to the implementation; the outcome is recorded only (INFORMATIONAL), as in Autobahn.",
			Clauses:     []string{rfcClose},
			Level:       Info,
			Steps: together(
				send(textFrame(string(repeat("BAsd7&jh23", 262144)))), send(textFrame(helloWorld)),
				sendClose(1000, ""), send(pingFrame([]byte{})),
			),
			Timer:  killAfter(time.Second),
			Expect: only(textEcho(string(repeat("BAsd7&jh23", 262144))), textEcho(helloWorld)),
			Close:  CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, Informational: true},
			Labels: []string{"close", "autobahn"},
		},
		closeCase("7.3.1", "Close frame with an empty payload",
			"Sends a close frame with no payload. §5.5.1: the body is optional; the target must answer (with no code or 1000) and close cleanly.",
			[]Step{sendCloseRaw([]byte{})}, cleanClose),
		closeCase("7.3.2", "Close frame with a one-octet payload",
			"Sends a close frame whose payload is the single octet 'a'. §5.5.1: a body starts with a 2-octet status code, so one octet is a protocol error: the target must answer with 1002 or drop TCP.",
			[]Step{sendCloseRaw([]byte("a"))}, rejected(1002)),
		closeCase("7.3.3", "Close frame with a status code only",
			"Sends close 1000 with no reason. The target must answer with 1000 and close cleanly (§5.5.1).",
			[]Step{sendClose(1000, "")}, cleanClose),
		closeCase("7.3.4", "Close frame with a status code and a reason",
			"Sends close 1000 with the reason 'Hello World!'. The target must answer with 1000 and close cleanly (§5.5.1).",
			[]Step{sendClose(1000, helloWorld)}, cleanClose),
		closeCase("7.3.5", "Close frame with the longest legal reason",
			"Sends close 1000 with a 123-octet reason: 125 octets of payload, the most a control frame may carry (§5.5). The target must answer with 1000 and close cleanly.",
			[]Step{sendClose(1000, string(repeat("*", 123)))}, cleanClose),
		closeCase("7.3.6", "Close frame with a reason one octet too long",
			"Sends close 1000 with a 124-octet reason: 126 octets of payload. §5.5: control frames MUST have a payload of 125 octets or less; the target must answer with 1002 or drop TCP.",
			[]Step{sendClose(1000, string(repeat("*", 124)))}, rejected(1002)),
		closeCase("7.5.1", "Close reason that is not valid UTF-8",
			"Sends close 1000 whose reason is 'κόσμε', an encoded surrogate and 'edited'. §5.5.1: the reason is UTF-8, and §8.1 fails the connection on invalid UTF-8: the target must answer with 1002 or 1007, or drop TCP.",
			[]Step{sendCloseRaw(append(frame.ClosePayload(1000, ""), append(append([]byte{}, kosme...), surrogateEd...)...))}, rejected(1002, 1007)),
	}

	valid := []frame.CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999}
	for i, code := range valid {
		c := closeCase(fmt.Sprintf("7.7.%d", i+1), fmt.Sprintf("Close with valid code %d", code),
			fmt.Sprintf("Sends close %d (%s) without a reason. The code may be sent (§7.4.1, §7.4.2); the target must answer with 1000 or echo %d, and close cleanly.%s", code, code, code, validCodeNote(code)),
			[]Step{sendClose(code, "")},
			CloseExpect{ClosedByMe: true, Codes: codes(1000, code), RequireClean: true})
		if code == frame.CloseMandatoryExtension {
			c.Clients = serverSends1010()
		}
		out = append(out, c)
	}
	invalid := []frame.CloseCode{0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999}
	for i, code := range invalid {
		ce := rejected(1002)
		note := ""
		switch code {
		case 1004:
			// §7.4.1 only says 1004 is "Reserved. The specific meaning
			// might be defined in the future"; unlike 1005, 1006 and 1015
			// it carries no MUST NOT. Rejecting it stays OK; accepting it
			// is not a violation.
			ce.NonStrictCodes = codes(1000, 1004)
			note = " Differs from Autobahn: RFC 6455 §7.4.1 only reserves 1004 (\"the specific meaning might be defined in the future\") and, unlike 1005, 1006 and 1015, does not forbid it on the wire. Rejecting it (1002 or a drop) is OK as in Autobahn; a target that accepts it and answers 1000 or 1004 is NON-STRICT here instead of FAILED (Autobahn issue 79)."
		case 1016:
			note = " 1012-1015 were once in this list; 1012 (Service Restart), 1013 (Try Again Later) and 1014 (Bad Gateway) are IANA-registered and valid on the wire (1015 may never be sent), so wsconform, like current Autobahn, starts the unassigned range at 1016."
		}
		out = append(out, closeCase(fmt.Sprintf("7.9.%d", i+1), fmt.Sprintf("Close with invalid code %d", code),
			fmt.Sprintf("Sends close %d without a reason. %s The target must answer with 1002 or drop TCP.%s", code, invalidCodeRule(code), note),
			[]Step{sendClose(code, "")}, ce))
	}
	for i, code := range []frame.CloseCode{5000, 65535} {
		out = append(out, &Case{
			ID: fmt.Sprintf("7.13.%d", i+1), Title: fmt.Sprintf("Close with code %d, outside every defined range", code),
			Description: fmt.Sprintf("Sends close %d. §7.4.2 defines status codes only up to 4999; what a target does with a larger one is recorded only (INFORMATIONAL), as in Autobahn.", code),
			Clauses:     []string{rfcCloseCode},
			Level:       Info,
			Steps:       []Step{sendClose(code, "")},
			Timer:       killAfter(time.Second), Expect: nothingBack,
			Close:  CloseExpect{ClosedByMe: true, Codes: codes(1000, code, 1002), Informational: true},
			Labels: []string{"close", "autobahn"},
		})
	}
	return out
}

func validCodeNote(code frame.CloseCode) string {
	if code == 1010 {
		return " (§7.4.1 defines 1010 as sent by a client, which is what the probe is.)"
	}
	return ""
}

// serverSends1010 is 7.7.8 played against a client, where it departs from
// Autobahn (its issue 123): we are the server, and 1010 is a client's code.
func serverSends1010() *ClientPlay {
	return &ClientPlay{
		Note: "Against a client this case follows RFC 6455 rather than Autobahn (Autobahn issue 123): §7.4.1 defines 1010 as the code a client sends when the server did not negotiate an extension the client needs, so here the server sends a code only a client has reason to send. " +
			"The client may treat it as any close and answer 1000 or 1010, or as a protocol error and answer 1002; each, with a clean close, is OK.",
		Close: &CloseExpect{ClosedByMe: true, Codes: codes(1000, frame.CloseMandatoryExtension, frame.CloseProtocolError), RequireClean: true, WrongCodeFails: true},
	}
}

func invalidCodeRule(code frame.CloseCode) string {
	switch {
	case code < 1000:
		return "§7.4.2: codes 0-999 are not used."
	case code == 1005 || code == 1006:
		return "§7.4.1: 1005 and 1006 MUST NOT be set as a status code in a close frame."
	case code == 1004:
		return "§7.4.1: 1004 is reserved."
	}
	return "§7.4.2: 1000-2999 are reserved for this protocol and its extensions, and this code is not assigned."
}
