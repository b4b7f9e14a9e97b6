package cases

import (
	_ "embed"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

func init() { sections = append(sections, utf8Cases) }

// §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds
// that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint
// MUST _Fail the WebSocket Connection_." §7.4.1 names 1007 for it.

var (
	kosme       = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") // Greek "κόσμε", 11 octets
	helloUTF8   = []byte("Hello-\u00b5@\u00df\u00f6\u00e4\u00fc\u00e0\u00e1-UTF-8!!")
	surrogateEd = []byte("\xed\xa0\x80edited") // an encoded surrogate U+D800, then ASCII
)

// utf8Sequences is Autobahn's table for 6.5-6.23, one row per group.
//
//go:embed utf8sequences.tsv
var utf8Sequences string

func utf8Cases() []*Case {
	out := []*Case{
		validText("6.1.1", "Empty text message", "an empty text frame", closeAfter(time.Second), []byte{}),
		validText("6.1.2", "Text message of three empty fragments", "a text message as three empty fragments", closeAfter(time.Second), []byte{}, []byte{}, []byte{}),
		validText("6.1.3", "Empty, non-empty and empty fragments", "a text message as an empty fragment, 'middle frame payload', and an empty fragment", closeAfter(time.Second), []byte{}, []byte("middle frame payload"), []byte{}),
		validText("6.2.1", "Valid multi-octet UTF-8 in one frame", "a 29-octet text with two-octet code points in one frame", closeAfter(time.Second), helloUTF8),
		validText("6.2.2", "Valid UTF-8 split between code points", "the same text in two fragments split between code points", closeAfter(time.Second), helloUTF8[:15], helloUTF8[15:]),
		validText("6.2.3", "Valid UTF-8 in one-octet fragments", "the same text as 29 one-octet fragments, most splitting a code point (a validator must carry partial code points across fragments), and the empty final fragment Autobahn's fragmenter adds", closeAfter(time.Second), autobahnFragments(helloUTF8, 1)...),
		validText("6.2.4", "Greek kosme in one-octet fragments", "'κόσμε' as 11 one-octet fragments and an empty final one", closeAfter(time.Second), autobahnFragments(kosme, 1)...),
		invalidText("6.3.1", "Invalid UTF-8 (an encoded surrogate) in one frame", "a text frame: 'κόσμε', an encoded surrogate U+D800 (ed a0 80), then 'edited'", killAfter(time.Second), append(append([]byte{}, kosme...), surrogateEd...)),
		invalidText("6.3.2", "The same invalid UTF-8 in one-octet fragments", "the same 20 octets as one-octet fragments (and an empty final one)", killAfter(time.Second), autobahnFragments(append(append([]byte{}, kosme...), surrogateEd...), 1)...),
	}
	out = append(out, failFastCases()...)
	return append(out, sequenceCases()...)
}

// validText sends a text message in the given fragments; it must be echoed whole.
func validText(id, title, what string, timer Timer, fragments ...[]byte) *Case {
	msg := []byte(strings.Join(bytesToStrings(fragments), ""))
	return &Case{
		ID: id, Title: title,
		Description: fmt.Sprintf("Sends %s (%d octets of valid UTF-8). It must be echoed unchanged as one text message; §5.4 lets fragment boundaries fall anywhere, even inside a code point.", what, len(msg)),
		Clauses:     []string{rfcUTF8, rfcFragments},
		Steps:       fragmentSteps(frame.OpText, fragments),
		Timer:       timer,
		Expect:      only(textEcho(string(msg))),
		Close:       normalClose,
		Labels:      []string{"utf8", "autobahn"},
	}
}

// invalidText sends a text message that is not UTF-8: the target must fail
// the connection itself (1007 or a drop), and a target that leaves the
// closing to us fails the case (Autobahn's closedByWrongEndpointIsFatal).
func invalidText(id, title, what string, timer Timer, fragments ...[]byte) *Case {
	return &Case{
		ID: id, Title: title,
		Description: fmt.Sprintf("Sends %s. It is not valid UTF-8, so §8.1 requires the target to fail the connection (1007, or a TCP drop) and echo nothing; if it leaves the connection for us to close, the case fails.", what),
		Clauses:     []string{rfcUTF8, rfcFailing},
		Steps:       fragmentSteps(frame.OpText, fragments),
		Timer:       timer,
		Expect:      nothingBack,
		Close:       invalidUTF8Close(),
		Labels:      []string{"utf8", "invalid-utf8", "autobahn"},
	}
}

func invalidUTF8Close() CloseExpect {
	c := failedWith(1007)
	c.WrongEndpointFatal = true
	return c
}

// fragmentSteps sends a message of op as the given fragments, one frame
// each, all in one TCP write (as Autobahn writes them).
func fragmentSteps(op frame.Opcode, fragments [][]byte) []Step {
	steps := make([]Step, len(fragments))
	for i, p := range fragments {
		fop := op
		if i > 0 {
			fop = frame.OpContinuation
		}
		steps[i] = send(dataFrame(fop, p, i == len(fragments)-1, 0))
	}
	if len(steps) > 1 {
		steps = together(steps...)
	}
	return steps
}

// autobahnFragments splits p the way Autobahn's sendMessage does with a
// fragment size: a message no longer than size is one frame; otherwise
// frames of size octets, and when size divides the length exactly, an
// empty final continuation after them (so 4 MiB in 256-octet fragments is
// 16385 frames, which matters to servers that cap the fragment count).
func autobahnFragments(p []byte, size int) [][]byte {
	if len(p) <= size {
		return [][]byte{p}
	}
	var out [][]byte
	for i := 0; ; i += size {
		if i+size > len(p) {
			return append(out, p[i:])
		}
		out = append(out, p[i:i+size])
	}
}

func bytesToStrings(ps [][]byte) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// failFastCases is 6.4: invalid text delivered in three parts with 1 s
// pauses, as three frames (6.4.1, 6.4.2) or as three pieces of ONE frame
// (6.4.3, 6.4.4). Marker A is recorded if the connection is still open
// after the first pause, B after the second.
func failFastCases() []*Case {
	cases := []struct {
		id        string
		parts     [3][]byte
		oneFrame  bool
		badOctets string
	}{
		{"6.4.1", [3][]byte{kosme, []byte("\xf4\x90\x80\x80"), []byte("edited")}, false, "f4 90 80 80 (beyond U+10FFFF)"},
		{"6.4.2", [3][]byte{append(append([]byte{}, kosme...), 0xf4), []byte("\x90"), []byte("\x80\x80edited")}, false, "the single octet 90 after f4"},
		{"6.4.3", [3][]byte{kosme, []byte("\xf4\x90\x80\x80"), []byte("edited")}, true, "f4 90 80 80 (beyond U+10FFFF)"},
		{"6.4.4", [3][]byte{append(append([]byte{}, kosme...), 0xf4), []byte("\x90"), []byte("\x80\x80edited")}, true, "the single octet 90 after f4"},
	}
	var out []*Case
	for _, fc := range cases {
		var steps []Step
		how := "three frames"
		if fc.oneFrame {
			how = "three pieces of one frame"
			whole := append(append(append([]byte{}, fc.parts[0]...), fc.parts[1]...), fc.parts[2]...)
			f := dataFrame(frame.OpText, whole, true, 0)
			head := wireHeaderSize(f, false)
			steps = []Step{{Frame: f, Cuts: []Cut{
				{At: head + len(fc.parts[0]), Pause: time.Second, Marker: "A"},
				{At: head + len(fc.parts[0]) + len(fc.parts[1]), Pause: time.Second, Marker: "B"},
			}}}
		} else {
			steps = []Step{
				send(dataFrame(frame.OpText, fc.parts[0], false, 0)), wait(time.Second, "A"),
				send(dataFrame(frame.OpContinuation, fc.parts[1], false, 0)), wait(time.Second, "B"),
				send(dataFrame(frame.OpContinuation, fc.parts[2], true, 0)),
			}
		}
		c := &Case{
			ID: fc.id, Title: "Fail fast on invalid UTF-8 sent as " + how,
			Description: fmt.Sprintf("Sends 'κόσμε' then %s then 'edited' as %s, pausing 1 s after the first and the second part. §8.1 requires failing the connection (1007) on invalid UTF-8; Autobahn rates failing during the second pause, as soon as the bad octet arrived, OK, and failing only once the message is complete NON-STRICT. wsconform keeps those verdicts: the RFC does not say when, so late detection still passes outside strict mode. Because 'as soon as' depends on granularity (per message, frame, read or octet), the result also reports the exact octet offset at which the target's close arrived, relative to the first invalid octet.",
				fc.badOctets, how),
			Clauses: []string{rfcUTF8, rfcFailing},
			Steps:   steps,
			Timer:   killAfter(time.Second),
			Expect: []Outcome{
				{OK, events(marker("A"))},
				{NonStrict, events(marker("A"), marker("B"))},
			},
			Close:  invalidUTF8Close(),
			Labels: []string{"utf8", "invalid-utf8", "fail-fast", "autobahn"},
		}
		c.FailFastAt = firstInvalidOctet(c.Steps, false)
		out = append(out, c)
	}
	return out
}

// wireHeaderSize is the size of f's header as the probe sends it.
func wireHeaderSize(f *frame.Frame, unmasked bool) int {
	h := f.Header
	h.Length = uint64(len(f.Payload))
	if f.LengthOverride != nil {
		h.Length = *f.LengthOverride
	}
	h.Masked = !unmasked
	return h.Size()
}

// firstInvalidOctet is the 1-based position, among the octets the steps
// write after the handshake, of the octet that makes the text invalid
// (0 if the text stays valid).
// asServer: the frames go unmasked, as a server sends them.
func firstInvalidOctet(steps []Step, asServer bool) int64 {
	var v utf8stream.Validator
	var wire int64
	for _, s := range steps {
		if s.Frame == nil {
			wire += int64(len(s.Raw) + len(s.Close))
			continue
		}
		head := int64(wireHeaderSize(s.Frame, s.Unmasked || asServer && !s.Frame.Header.Masked))
		if s.Frame.Opcode == frame.OpText || s.Frame.Opcode == frame.OpContinuation {
			before := v.Offset()
			if bad := v.Write(s.Frame.Payload); bad >= 0 {
				return wire + head + (bad - before) + 1
			}
		}
		wire += head + int64(len(s.Frame.Payload))
	}
	return 0
}

// sequenceCases is 6.5-6.23, generated from utf8sequences.tsv: one text
// frame per sequence, echoed if valid, failing the connection if not.
func sequenceCases() []*Case {
	var out []*Case
	for _, line := range strings.Split(utf8Sequences, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			panic("cases: bad utf8sequences.tsv row: " + line)
		}
		group, title := cols[0], cols[1]
		for i, cell := range strings.Fields(cols[2]) {
			p, err := hex.DecodeString(cell[1:])
			if err != nil || (cell[0] != '+' && cell[0] != '-') {
				panic("cases: bad utf8sequences.tsv cell " + cell)
			}
			id := fmt.Sprintf("%s.%d", group, i+1)
			what := fmt.Sprintf("one text frame of %d octets, % x (%s)", len(p), p, title)
			var c *Case
			if cell[0] == '+' {
				c = validText(id, fmt.Sprintf("%s: valid %s", title, shortHex(p)), what, killAfter(500*time.Millisecond), p)
			} else {
				c = invalidText(id, fmt.Sprintf("%s: invalid %s", title, shortHex(p)), what, killAfter(500*time.Millisecond), p)
			}
			out = append(out, c)
		}
	}
	return out
}

func shortHex(p []byte) string {
	if len(p) > 12 {
		return fmt.Sprintf("% x … (%d octets)", p[:12], len(p))
	}
	return fmt.Sprintf("% x", p)
}
