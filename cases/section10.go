package cases

import (
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, miscCases) }

// miscCases is section 10: a 64 KiB text message fragmented the way
// Autobahn auto-fragments it (frames of at most 1300 octets).
func miscCases() []*Case {
	const size, fragment = 65536, 1300
	payload := repeat("*", size)
	var steps []Step
	for off := 0; off < size; off += fragment {
		end := min(off+fragment, size)
		op := frame.OpText
		if off > 0 {
			op = frame.OpContinuation
		}
		steps = append(steps, send(dataFrame(op, payload[off:end], end == size, 0)))
	}
	return []*Case{{
		ID: "10.1.1", Title: "64 KiB text message auto-fragmented into 1300-octet frames",
		Description: "Sends a 65536-octet text message as one text frame and 50 continuations of at most 1300 octets (the last 536), as Autobahn's auto-fragmentation does. §5.4: the target must reassemble and echo it (any framing) and close cleanly. Autobahn also checks its own frame counts ({text: 1, continuation: 50}); here the count is fixed by construction and checked by a unit test.",
		Clauses:     []string{rfcFragments, rfcData},
		Steps:       together(steps...),
		Timer:       killAfter(10 * time.Second),
		Expect:      only(textEcho(string(payload))),
		Close:       normalClose,
		Labels:      []string{"fragmentation", "autobahn"},
	}}
}
