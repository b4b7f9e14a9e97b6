package netfuzz

import (
	"cmp"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/wsconform/wsconform/reference/frame"
)

// Step is one frame the fuzzer sends, and how its octets are cut on the wire.
type Step struct {
	Frame frame.Frame // masked unless a mutation sends it bare; the length field may lie
	Chop  int         // octets per write; 0 writes the frame at once
	Note  string      // what the generator meant, for people reading a reproducer
}

// Generate returns the frame sequence of one iteration. It depends only on
// seed and iteration, so a run can be repeated and any iteration regenerated
// on its own. Most sequences end with a valid close frame, so that a
// conforming server always owes an answer (see judge).
func Generate(seed int64, iteration int) []Step {
	g := &generator{rng: rand.New(rand.NewPCG(uint64(seed), uint64(iteration)))}
	for n := 1 + g.rng.IntN(4); n > 0; n-- {
		m := mutations[g.rng.IntN(len(mutations))]
		from := len(g.steps)
		m.add(g)
		for i := range g.steps[from:] {
			g.steps[from+i].Note = cmp.Or(g.steps[from+i].Note, m.name)
		}
	}
	if g.rng.IntN(8) != 0 {
		g.send(frame.New(frame.OpClose, frame.ClosePayload(frame.CloseNormal, "")), "closing handshake")
	}
	return g.steps
}

type generator struct {
	rng   *rand.Rand
	steps []Step
}

// mutation is one kind of traffic, valid or broken on purpose; the notes of
// its steps name the rule (or the known bug class, fuzz-perf.md §2.3) it
// exercises, or else the mutation.
type mutation struct {
	name string
	add  func(g *generator)
}

var mutations = []mutation{
	{"text message", func(g *generator) { g.message(frame.OpText, []byte(g.text()), "text message") }},
	{"binary message", func(g *generator) { g.message(frame.OpBinary, g.bytes(g.rng.IntN(300)), "binary message") }},
	{"ping", func(g *generator) { g.send(frame.New(frame.OpPing, g.bytes(g.rng.IntN(126))), "ping") }},
	{"unsolicited pong", func(g *generator) { g.send(frame.New(frame.OpPong, g.bytes(g.rng.IntN(126))), "unsolicited pong") }},
	{"invalid UTF-8", func(g *generator) {
		bad := badUTF8[g.rng.IntN(len(badUTF8))]
		text := []byte(g.text())
		at := g.rng.IntN(len(text) + 1)
		msg := append(append(append([]byte{}, text[:at]...), bad...), text[at:]...)
		g.message(frame.OpText, msg, fmt.Sprintf("text with invalid UTF-8 % x at %d (§8.1: fail with 1007)", bad, at))
	}},
	{"reserved opcode", func(g *generator) {
		op := reservedOpcodes[g.rng.IntN(len(reservedOpcodes))]
		g.send(frame.New(op, g.bytes(g.rng.IntN(20))), fmt.Sprintf("reserved opcode %d (§5.2)", op))
	}},
	{"RSV bits", func(g *generator) {
		f := frame.New(g.anyOpcode(), g.bytes(g.rng.IntN(20)))
		f.Rsv = uint8(1 + g.rng.IntN(7))
		g.send(f, fmt.Sprintf("RSV=%d without an extension (§5.2)", f.Rsv))
	}},
	{"control frame too long", func(g *generator) {
		op := []frame.Opcode{frame.OpPing, frame.OpPong, frame.OpClose}[g.rng.IntN(3)]
		g.send(frame.New(op, g.bytes(126+g.rng.IntN(200))), "control frame over 125 octets (§5.5)")
	}},
	{"fragmented control frame", func(g *generator) {
		f := frame.New(frame.OpPing, g.bytes(g.rng.IntN(10)))
		f.Fin = false
		g.send(f, "ping without FIN (§5.5)")
	}},
	{"non-minimal length", func(g *generator) {
		f := frame.New(frame.OpBinary, g.bytes(g.rng.IntN(126)))
		f.Encoding = []frame.LengthEncoding{frame.Length16, frame.Length64}[g.rng.IntN(2)]
		g.send(f, fmt.Sprintf("%d octets in a %v length (§5.2)", len(f.Payload), f.Encoding))
	}},
	{"length top bit", func(g *generator) {
		f := frame.New(g.dataOpcode(), g.bytes(g.rng.IntN(10)))
		lie := []uint64{1 << 63, 1<<63 | uint64(len(f.Payload)), math.MaxUint64}[g.rng.IntN(3)]
		f.LengthOverride, f.Encoding = &lie, frame.Length64
		g.send(f, fmt.Sprintf("64-bit length %#x, top bit set (§5.2)", lie))
	}},
	{"length lie", func(g *generator) {
		f := frame.New(g.dataOpcode(), g.bytes(1+g.rng.IntN(40)))
		lie := uint64(len(f.Payload)) + uint64(1+g.rng.IntN(8))
		if g.rng.IntN(2) == 0 {
			lie = uint64(g.rng.IntN(len(f.Payload)))
		}
		f.LengthOverride = &lie
		g.send(f, fmt.Sprintf("length field says %d, %d octets follow", lie, len(f.Payload)))
	}},
	{"continuation without start", func(g *generator) {
		f := frame.New(frame.OpContinuation, g.bytes(g.rng.IntN(20)))
		f.Fin = g.rng.IntN(2) == 0
		g.send(f, "continuation with no message open (§5.4)")
	}},
	{"data frame inside a message", func(g *generator) {
		first := frame.New(g.dataOpcode(), []byte(g.text()))
		first.Fin = false
		g.send(first, "first fragment")
		g.send(frame.New(g.dataOpcode(), []byte(g.text())), "new data frame before the message ended (§5.4)")
	}},
	{"bad close payload", func(g *generator) {
		code := closeCodes[g.rng.IntN(len(closeCodes))]
		p := frame.ClosePayload(code, g.text())
		switch g.rng.IntN(4) {
		case 0:
			p = p[:min(1, len(p))]
		case 1:
			p = append(p, badUTF8[g.rng.IntN(len(badUTF8))]...)
		}
		g.send(frame.New(frame.OpClose, p), fmt.Sprintf("close payload % x", p))
	}},
	{"unmasked frame", func(g *generator) {
		g.steps = append(g.steps, Step{Frame: frame.New(g.anyOpcode(), g.bytes(g.rng.IntN(20))), Chop: g.chop(), Note: "unmasked client frame (§5.1)"})
	}},
	{"empty fragments", func(g *generator) {
		n := 2 + g.rng.IntN(40)
		first := frame.New(frame.OpBinary, nil)
		first.Fin = false
		g.send(first, fmt.Sprintf("binary message of %d empty fragments", n))
		for i := 1; i < n; i++ {
			f := frame.New(frame.OpContinuation, nil)
			f.Fin = i == n-1
			g.send(f, "")
		}
	}},
}

// message sends a data message, in one frame or fragmented at random
// points, with pings sometimes interleaved between fragments (§5.4 allows
// control frames there).
func (g *generator) message(op frame.Opcode, payload []byte, note string) {
	cuts := []int{0}
	for n := g.rng.IntN(4); n > 0 && len(payload) > 0; n-- {
		cuts = append(cuts, g.rng.IntN(len(payload)+1))
	}
	slices.Sort(cuts)
	cuts = append(cuts, len(payload))
	for i := 0; i+1 < len(cuts); i++ {
		f := frame.New(frame.OpContinuation, payload[cuts[i]:cuts[i+1]])
		if i == 0 {
			f.Opcode = op
		}
		f.Fin = i+2 == len(cuts)
		g.send(f, note)
		note = ""
		if !f.Fin && g.rng.IntN(3) == 0 {
			g.send(frame.New(frame.OpPing, g.bytes(g.rng.IntN(10))), "ping between fragments")
		}
	}
}

// send masks f with a key from the generator (so runs repeat octet for
// octet) and appends it.
func (g *generator) send(f frame.Frame, note string) {
	var key [4]byte
	for i := range key {
		key[i] = byte(g.rng.UintN(256))
	}
	g.steps = append(g.steps, Step{Frame: f.Masked(key), Chop: g.chop(), Note: note})
}

// chop is usually 0 (one write) and sometimes a small odd size, as
// Autobahn's octet-by-octet cases send.
func (g *generator) chop() int {
	if g.rng.IntN(4) != 0 {
		return 0
	}
	return []int{1, 2, 3, 5, 7, 13}[g.rng.IntN(6)]
}

func (g *generator) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(g.rng.UintN(256))
	}
	return b
}

// text is valid UTF-8 mixing one- to four-octet code points and NUL.
func (g *generator) text() string {
	pieces := []string{"a", "Hello", " ", "\x00", "κόσμε", "€", "😀", "\U0010FFFF", "\uFFFD"}
	s := ""
	for n := g.rng.IntN(12); n > 0; n-- {
		s += pieces[g.rng.IntN(len(pieces))]
	}
	return s
}

func (g *generator) dataOpcode() frame.Opcode {
	return []frame.Opcode{frame.OpText, frame.OpBinary}[g.rng.IntN(2)]
}

func (g *generator) anyOpcode() frame.Opcode {
	return []frame.Opcode{frame.OpBinary, frame.OpPing, frame.OpPong}[g.rng.IntN(3)]
}

var reservedOpcodes = []frame.Opcode{3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}

// badUTF8 are sequences unicode/utf8 rejects: a surrogate, an overlong NUL,
// a code point past U+10FFFF, bytes that never occur, a lone continuation
// and a sequence cut short.
var badUTF8 = [][]byte{{0xED, 0xA0, 0x80}, {0xC0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xFF}, {0xF5}, {0x80}, {0xE2, 0x82}}

// closeCodes mixes codes a peer must accept with ones it must refuse (§7.4).
var closeCodes = []frame.CloseCode{0, 999, 1000, 1001, 1004, 1005, 1006, 1012, 1015, 1016, 2999, 3000, 4999, 5000, 65535}
