package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, reservedBitCases) }

// reservedBitCases is section 3: §5.2 says RSV1-3 MUST be 0 unless an
// extension defining them was negotiated; otherwise the receiver MUST fail
// the connection. Autobahn's rsv numbers are the 3-bit field (4 = RSV1).
func reservedBitCases() []*Case {
	hello := []byte("Hello, world!")
	failOn := func(id, title string, f *frame.Frame) *Case {
		return &Case{
			ID: id, Title: title,
			Description: fmt.Sprintf("Sends a %s with RSV field %d and no extension negotiated. §5.2: if a nonzero value is received and none of the negotiated extensions defines its meaning, the receiving endpoint MUST fail the connection (1002 or a TCP drop); nothing may be echoed.", f.Opcode, f.Rsv),
			Clauses:     []string{rfcFraming, rfcFailing},
			Steps:       []Step{send(f)},
			Timer:       killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: []string{"framing", "autobahn"},
		}
	}
	afterValid := func(id, title string, rsv uint8, chop int, sync bool) *Case {
		steps := []Step{
			chopped(textFrame(string(hello)), chop),
			chopped(dataFrame(frame.OpText, hello, true, rsv), chop),
			chopped(pingFrame([]byte{}), chop),
		}
		how := chopNote(chop)
		if sync {
			how = ", each frame in its own TCP write"
		}
		return &Case{
			ID: id, Title: title,
			Description: fmt.Sprintf("Sends a valid text message, then the same text with RSV field %d, then a ping%s. The first message must be echoed; the RSV frame must fail the connection (§5.2) so the ping is never answered. Failing before the echo went out is tolerated (NON-STRICT).", rsv, how),
			Clauses:     []string{rfcFraming, rfcFailing},
			Steps:       steps,
			Timer:       killAfter(time.Second),
			Expect:      []Outcome{{OK, events(textEcho(string(hello)))}, {NonStrict, events()}},
			Close:       failedWith(1002),
			Labels:      []string{"framing", "autobahn"},
		}
	}
	return []*Case{
		failOn("3.1", "Text message with RSV field 1", dataFrame(frame.OpText, hello, true, 1)),
		afterValid("3.2", "Valid text, then text with RSV field 2, then ping", 2, 0, false),
		afterValid("3.3", "As 3.2 with RSV field 3, each frame in its own TCP write", 3, 0, true),
		afterValid("3.4", "As 3.2 with RSV field 4, one octet per TCP write", 4, 1, false),
		failOn("3.5", "Binary message with RSV field 5", dataFrame(frame.OpBinary, []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}, true, 5)),
		failOn("3.6", "Binary message with RSV field 6 (Autobahn's title says ping; it sends binary)", dataFrame(frame.OpBinary, hello, true, 6)),
		failOn("3.7", "Close frame with RSV field 7", dataFrame(frame.OpClose, []byte{}, true, 7)),
	}
}
