package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, opcodeCases) }

// opcodeCases is section 4: opcodes 3-7 (data) and 11-15 (control) are
// reserved, and §5.2 says "If an unknown opcode is received, the receiving
// endpoint MUST _Fail the WebSocket Connection_."
func opcodeCases() []*Case {
	hello := []byte("Hello, world!")
	reservedPayload := []byte("reserved opcode payload")
	kind := func(op frame.Opcode) string {
		if op.IsControl() {
			return "control"
		}
		return "data"
	}
	alone := func(id string, op frame.Opcode, payload []byte) *Case {
		return &Case{
			ID:    id,
			Title: fmt.Sprintf("Reserved %s opcode %d, %d octets of payload", kind(op), op, len(payload)),
			Description: fmt.Sprintf("Sends a frame with the reserved %s opcode %d. §5.2: on an unknown opcode the receiver MUST fail the connection (1002 or a TCP drop); nothing may come back.",
				kind(op), op),
			Clauses: []string{rfcFraming, rfcFailing},
			Steps:   []Step{send(dataFrame(op, payload, true, 0))},
			Timer:   killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: []string{"framing", "autobahn"},
		}
	}
	afterValid := func(id string, op frame.Opcode, payload []byte, chop int) *Case {
		steps := []Step{
			chopped(textFrame(string(hello)), chop),
			chopped(dataFrame(op, payload, true, 0), chop),
			chopped(pingFrame([]byte{}), chop),
		}
		if chop == 0 {
			steps = together(steps...)
		}
		return &Case{
			ID:    id,
			Title: fmt.Sprintf("Valid text, reserved %s opcode %d, ping%s", kind(op), op, chopNote(chop)),
			Description: fmt.Sprintf("Sends a valid text message, a frame with the reserved %s opcode %d (%d octets), then a ping%s. The text must be echoed; the reserved opcode must fail the connection (§5.2) so the ping is never answered. Failing before the echo went out is tolerated (NON-STRICT).",
				kind(op), op, len(payload), writesNote(chop)),
			Clauses: []string{rfcFraming, rfcFailing},
			Steps:   steps,
			Timer:   killAfter(time.Second),
			Expect:  []Outcome{{OK, events(textEcho(string(hello)))}, {NonStrict, events()}},
			Close:   failedWith(1002),
			Labels:  []string{"framing", "autobahn"},
		}
	}
	return []*Case{
		alone("4.1.1", 3, []byte{}),
		alone("4.1.2", 4, reservedPayload),
		afterValid("4.1.3", 5, []byte{}, 0),
		afterValid("4.1.4", 6, hello, 0),
		afterValid("4.1.5", 7, hello, 1),
		alone("4.2.1", 11, []byte{}),
		alone("4.2.2", 12, reservedPayload),
		afterValid("4.2.3", 13, []byte{}, 0),
		afterValid("4.2.4", 14, hello, 0),
		afterValid("4.2.5", 15, hello, 1),
	}
}

// writesNote says how a script's frames reach TCP: chopped, or all in one
// write as Autobahn sends frames without "sync".
func writesNote(chop int) string {
	if chop == 0 {
		return ", all in one TCP write"
	}
	return chopNote(chop)
}
