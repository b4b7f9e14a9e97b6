package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, framingCases) }

// framingCases is section 1: one text or binary message at every boundary
// of the 7-, 16- and 64-bit length encodings (§5.2), echoed unchanged.
func framingCases() []*Case {
	sizes := []int{0, 125, 126, 127, 128, 65535, 65536}
	kinds := []struct {
		group   string
		name    string
		op      frame.Opcode
		payload func(n int) []byte
	}{
		{"1.1", "Text", frame.OpText, func(n int) []byte { return repeat("*", n) }},
		{"1.2", "Binary", frame.OpBinary, func(n int) []byte { return repeat("\xfe", n) }},
	}
	var out []*Case
	for _, k := range kinds {
		for i, n := range append(sizes, 65536) {
			chop := 0
			if i == len(sizes) {
				chop = 997
			}
			timer := time.Second
			if n > 0xFFFF-1 {
				timer = 10 * time.Second
			}
			payload := k.payload(n)
			f := frame.New(k.op, payload)
			echo := textEcho(string(payload))
			if k.op == frame.OpBinary {
				echo = binaryEcho(payload)
			}
			title := fmt.Sprintf("%s message, payload length %d", k.name, n)
			desc := fmt.Sprintf("Sends one %s (FIN) of %d octets; the length sits at a boundary of the 7-, 16- or 64-bit length encodings of §5.2. The target must echo it unchanged and close cleanly when we close with 1000.", k.op, n)
			if chop > 0 {
				title = fmt.Sprintf("%s message of %d octets, written to TCP in %d-octet pieces", k.name, n, chop)
				desc += fmt.Sprintf(" The frame is written %d octets at a time: a parser must not depend on how TCP segments the stream.", chop)
			}
			out = append(out, &Case{
				ID: fmt.Sprintf("%s.%d", k.group, i+1), Title: title, Description: desc,
				Clauses: []string{rfcFraming, rfcData},
				Steps:   []Step{chopped(&f, chop)},
				Timer:   killAfter(timer),
				Expect:  only(echo),
				Close:   normalClose,
				Labels:  []string{"framing", "autobahn"},
			})
		}
	}
	return out
}
