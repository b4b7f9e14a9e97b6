package cases

import (
	"fmt"
	"iter"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, limitCases) }

// Autobahn's section 9 payload patterns, repeated to the wanted length.
const (
	textPattern   = "BAsd7&jh23"
	binaryPattern = "\x00\xfe\x23\xfa\xf0"
)

const (
	kib = 1 << 10
	mib = 1 << 20
)

// limitCases is section 9: big messages and many round trips. These are
// performance-style cases: OK when every echo has the right type and length
// before the deadline (content is not compared, as in Autobahn), and the
// duration and throughput are the real output. They run one at a time.
func limitCases() []*Case {
	var out []*Case
	single := []struct {
		size  int
		timer time.Duration
	}{{64 * kib, 10 * time.Second}, {256 * kib, 10 * time.Second}, {mib, 100 * time.Second}, {4 * mib, 100 * time.Second}, {8 * mib, 100 * time.Second}, {16 * mib, 100 * time.Second}}
	for i, s := range single {
		out = append(out, perfCase(fmt.Sprintf("9.1.%d", i+1), fmt.Sprintf("One text frame of %s", sizeName(s.size)),
			fmt.Sprintf("Sends one text frame of %d octets ('%s' repeated).", s.size, textPattern),
			frame.OpText, textPattern, s.size, s.size, 0, s.timer))
	}
	for i, s := range single {
		timer := s.timer
		if s.size == 4*mib {
			timer = 10 * time.Second // Autobahn 9.2.4 closes after 10 s where 9.1.4 waits 100 s
		}
		desc := fmt.Sprintf("Sends one binary frame of %d octets (00 fe 23 fa f0 repeated).", s.size)
		if s.size == 8*mib {
			desc += " Autobahn's title for 9.2.5 says 16 MiB; it sends 8 MiB, as this case does."
		}
		out = append(out, perfCase(fmt.Sprintf("9.2.%d", i+1), fmt.Sprintf("One binary frame of %s", sizeName(s.size)),
			desc, frame.OpBinary, binaryPattern, s.size, s.size, 0, timer))
	}
	fragments := []int{64, 256, kib, 4 * kib, 16 * kib, 64 * kib, 256 * kib, mib, 4 * mib}
	for i, fs := range fragments {
		desc := fmt.Sprintf("Sends a 4 MiB text message of '*' as %s; it must come back as one text message of 4 MiB (any framing).", fragmentNote(4*mib, fs))
		if fs == 4*mib {
			desc += " Autobahn's title for 9.3.9 says 8 MiB; it sends 4 MiB, as this case does."
		}
		out = append(out, perfCase(fmt.Sprintf("9.3.%d", i+1), fmt.Sprintf("4 MiB text message in %s fragments", sizeName(fs)),
			desc, frame.OpText, "*", 4*mib, fs, 0, 100*time.Second))
	}
	for i, fs := range fragments {
		out = append(out, perfCase(fmt.Sprintf("9.4.%d", i+1), fmt.Sprintf("4 MiB binary message in %s fragments", sizeName(fs)),
			fmt.Sprintf("Sends a 4 MiB binary message of fe octets as %s; it must come back as one binary message of 4 MiB (any framing).", fragmentNote(4*mib, fs)),
			frame.OpBinary, "\xfe", 4*mib, fs, 0, 100*time.Second))
	}
	chops := []int{64, 128, 256, 512, 1024, 2048}
	for i, chop := range chops {
		out = append(out, perfCase(fmt.Sprintf("9.5.%d", i+1), fmt.Sprintf("1 MiB text frame written in %d-octet TCP pieces", chop),
			fmt.Sprintf("Sends one text frame of 1 MiB ('%s' repeated), written to TCP %d octets at a time.", textPattern, chop),
			frame.OpText, textPattern, mib, mib, chop, 1000*time.Second))
	}
	for i, chop := range chops {
		out = append(out, perfCase(fmt.Sprintf("9.6.%d", i+1), fmt.Sprintf("1 MiB binary frame written in %d-octet TCP pieces", chop),
			fmt.Sprintf("Sends one binary frame of 1 MiB (00 fe 23 fa f0 repeated), written to TCP %d octets at a time.", chop),
			frame.OpBinary, binaryPattern, mib, mib, chop, 1000*time.Second))
	}
	roundTrips := []struct {
		size  int
		timer time.Duration
	}{{0, 60 * time.Second}, {16, 60 * time.Second}, {64, 60 * time.Second}, {256, 120 * time.Second}, {kib, 240 * time.Second}, {4 * kib, 480 * time.Second}}
	for i, rt := range roundTrips {
		out = append(out, roundTripCase(fmt.Sprintf("9.7.%d", i+1), frame.OpText, "*", rt.size, rt.timer))
	}
	for i, rt := range roundTrips {
		out = append(out, roundTripCase(fmt.Sprintf("9.8.%d", i+1), frame.OpBinary, "\xfe", rt.size, rt.timer))
	}
	return out
}

// perfCase sends one message of size octets of pattern, in frames of
// fragment octets, each written chop octets at a time; the payload is
// generated when the case runs.
func perfCase(id, title, desc string, op frame.Opcode, pattern string, size, fragment, chop int, deadline time.Duration) *Case {
	return &Case{
		ID: id, Title: title,
		Description: desc + fmt.Sprintf(" OK when the echo, of the same type and length, arrives within %v (Autobahn's deadline; content is not compared, as in Autobahn). §10.4 lets a server limit message size, so a target that refuses with 1009 is reported, not excused: Autobahn fails it too. The duration and throughput are reported.", deadline),
		Clauses:     []string{rfcFragments, rfcData, "RFC 6455 §10.4"},
		Serial:      true,
		Steps:       []Step{{Message: &Bulk{Opcode: op, Pattern: []byte(pattern), Size: size, Fragment: fragment}, Chop: chop}},
		Timer:       closeAfter(deadline),
		Echoes:      &EchoCheck{Count: 1, Binary: op == frame.OpBinary, Length: size},
		Close:       normalClose,
		Labels:      []string{"performance", "limits", "autobahn"},
	}
}

// Frames generates the message, split as autobahnFragments splits it,
// all frames slicing one buffer made when iteration starts.
func (b *Bulk) Frames() iter.Seq[frame.Frame] {
	return func(yield func(frame.Frame) bool) {
		pieces := autobahnFragments(repeat(string(b.Pattern), b.Size), b.Fragment)
		for i, p := range pieces {
			op := b.Opcode
			if i > 0 {
				op = frame.OpContinuation
			}
			f := frame.New(op, p)
			f.Fin = i == len(pieces)-1
			if !yield(f) {
				return
			}
		}
	}
}

// roundTripCase is 9.7/9.8: 1000 messages strictly one at a time, each
// sent only once the previous one came back.
func roundTripCase(id string, op frame.Opcode, pattern string, size int, deadline time.Duration) *Case {
	const count = 1000
	steps := []Step{{Frame: dataFrame(op, repeat(pattern, size), true, 0), RoundTrips: count}}
	kind := "text"
	if op == frame.OpBinary {
		kind = "binary"
	}
	return &Case{
		ID: id, Title: fmt.Sprintf("1000 %s messages of %d octets, one round trip at a time", kind, size),
		Description: fmt.Sprintf("Sends a %d-octet %s message, waits for its echo, and repeats 1000 times. OK when all 1000 echoes, of the right type and length, arrive within %v (Autobahn's deadline); the duration measures round-trip latency.", size, kind, deadline),
		Clauses:     []string{rfcData},
		Serial:      true,
		Steps:       steps,
		Timer:       closeAfter(deadline),
		Echoes:      &EchoCheck{Count: count, Binary: op == frame.OpBinary, Length: size},
		Close:       normalClose,
		Labels:      []string{"performance", "latency", "autobahn"},
	}
}

func sizeName(n int) string {
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return fmt.Sprintf("%d octets", n)
}

// fragmentNote describes how autobahnFragments splits size octets.
func fragmentNote(size, fragment int) string {
	if fragment >= size {
		return "a single frame"
	}
	s := fmt.Sprintf("%d frames of %d octets", size/fragment, fragment)
	if size%fragment == 0 {
		s += " and an empty final continuation, as Autobahn's fragmenter sends it"
	}
	return s
}
