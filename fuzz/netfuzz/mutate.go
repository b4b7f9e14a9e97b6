package netfuzz

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// mutator changes a session in place and says what it did; it returns ""
// when it did not apply (say, no frame to change).
type mutator struct {
	name string
	do   func(m *mutation) string
}

// mutation is one session being changed, with the rest of the corpus at
// hand for splicing.
type mutation struct {
	rng   *rand.Rand
	s     *Session
	other func() *Session // another corpus session, for splicing (nil: none)
}

// Mutate applies 1-4 mutators to a copy of s and returns it with what was
// done; the copy is within the session limits (mutations that break them
// are retried or dropped).
func Mutate(rng *rand.Rand, s Session, other func() *Session) (Session, []string) {
	for range 8 {
		c := s.clone()
		m := &mutation{rng: rng, s: &c, other: other}
		var did []string
		for n := 1 + rng.IntN(4); n > 0; n-- {
			mu := mutators[rng.IntN(len(mutators))]
			if d := mu.do(m); d != "" {
				did = append(did, d)
			}
		}
		if len(did) > 0 && c.withinLimits() {
			return c, did
		}
	}
	return s.clone(), nil
}

var mutators = []mutator{
	// frame fields
	{"fin", func(m *mutation) string {
		return m.onFrame(func(st *Step) string { st.Frame.Fin = !st.Frame.Fin; return fmt.Sprintf("FIN=%t", st.Frame.Fin) })
	}},
	{"rsv", func(m *mutation) string {
		return m.onFrame(func(st *Step) string { st.Frame.Rsv = uint8(m.rng.IntN(8)); return fmt.Sprintf("RSV=%d", st.Frame.Rsv) })
	}},
	{"opcode", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			st.Frame.Opcode = frame.Opcode(m.rng.IntN(16))
			return fmt.Sprintf("opcode %d", st.Frame.Opcode)
		})
	}},
	{"mask", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			if st.Frame.Header.Masked {
				st.Frame.Header.Masked = false
				return "unmasked"
			}
			st.Frame = st.Frame.Masked(maskKey(m.rng))
			return "masked"
		})
	}},
	{"length encoding", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			st.Frame.Encoding = frame.LengthEncoding(1 + m.rng.IntN(3))
			return st.Frame.Encoding.String() + " length"
		})
	}},
	{"length lie", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			n := uint64(len(st.Frame.Payload))
			lies := []uint64{n + 1, n + uint64(1+m.rng.IntN(1000)), n / 2, 0, 125, 126, 65535, 65536,
				1 << 20, 16<<20 + 1, 32 << 20, 1 << 30, 1<<31 - 1, 1 << 31, 1<<32 - 1, 1 << 32, 1<<32 + n, 1 << 40,
				1<<53 + 1, 1<<63 - 1, 1 << 63, math.MaxUint64}
			lie := lies[m.rng.IntN(len(lies))]
			st.Frame.LengthOverride = &lie
			if lie > 65535 {
				st.Frame.Encoding = frame.Length64
			}
			return fmt.Sprintf("length field %d over %d octets", lie, n)
		})
	}},
	{"honest length", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			if st.Frame.LengthOverride == nil {
				return ""
			}
			st.Frame.LengthOverride = nil
			return "length field told the truth"
		})
	}},
	// payloads
	{"payload", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			p, what := m.payload(st.Frame.Payload)
			st.Frame.Payload = p
			return what
		})
	}},
	{"utf-8 split", func(m *mutation) string { return m.splitUTF8() }},
	{"bad utf-8", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			bad := badUTF8[m.rng.IntN(len(badUTF8))]
			at := m.rng.IntN(len(st.Frame.Payload) + 1)
			st.Frame.Payload = slices.Insert(slices.Clone(st.Frame.Payload), at, bad...)
			return fmt.Sprintf("% x inserted at %d", bad, at)
		})
	}},
	{"close payload", func(m *mutation) string { return m.closePayload() }},
	{"close payload", func(m *mutation) string { return m.closePayload() }}, // twice: every session ends in one
	// the sequence
	{"fragment", func(m *mutation) string { return m.fragment() }},
	{"insert control", func(m *mutation) string {
		ops := []frame.Opcode{frame.OpPing, frame.OpPong, frame.OpClose, frame.OpPing}
		f := frame.New(ops[m.rng.IntN(len(ops))], randomBytes(m.rng, m.sizeUpTo(126)))
		if f.Opcode == frame.OpClose {
			f.Payload = frame.ClosePayload(closeCodes[m.rng.IntN(len(closeCodes))], "")
		}
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, maskedStep(m.rng, f, "inserted "+f.Opcode.String()))
		return fmt.Sprintf("%v inserted at step %d", f.Opcode, at)
	}},
	{"insert frame", func(m *mutation) string {
		f := frame.New(frame.Opcode(m.rng.IntN(16)), randomBytes(m.rng, m.sizeUpTo(64)))
		f.Fin = m.rng.IntN(3) != 0
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, maskedStep(m.rng, f, "inserted frame"))
		return fmt.Sprintf("opcode %d frame inserted at step %d", f.Opcode, at)
	}},
	{"empty fragments", func(m *mutation) string {
		n := 1 + m.rng.IntN(4)
		first := frame.New([]frame.Opcode{frame.OpText, frame.OpBinary}[m.rng.IntN(2)], nil)
		first.Fin = false
		steps := []Step{maskedStep(m.rng, first, "empty fragments")}
		for i := range n {
			f := frame.New(frame.OpContinuation, nil)
			f.Fin = i == n-1
			steps = append(steps, maskedStep(m.rng, f, ""))
		}
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, steps...)
		return fmt.Sprintf("message of %d empty frames at step %d", n+1, at)
	}},
	{"delete step", func(m *mutation) string {
		if len(m.s.Steps) == 0 {
			return ""
		}
		i := m.rng.IntN(len(m.s.Steps))
		m.s.Steps = slices.Delete(m.s.Steps, i, i+1)
		return fmt.Sprintf("step %d deleted", i)
	}},
	{"duplicate step", func(m *mutation) string {
		if len(m.s.Steps) == 0 {
			return ""
		}
		i := m.rng.IntN(len(m.s.Steps))
		n := 1 + m.rng.IntN(3)
		for range n {
			m.s.Steps = slices.Insert(m.s.Steps, i, m.s.clone().Steps[i])
		}
		return fmt.Sprintf("step %d repeated %d times", i, n)
	}},
	{"swap steps", func(m *mutation) string {
		if len(m.s.Steps) < 2 {
			return ""
		}
		i := m.rng.IntN(len(m.s.Steps) - 1)
		m.s.Steps[i], m.s.Steps[i+1] = m.s.Steps[i+1], m.s.Steps[i]
		return fmt.Sprintf("steps %d and %d swapped", i, i+1)
	}},
	{"splice", func(m *mutation) string {
		if m.other == nil {
			return ""
		}
		o := m.other()
		if o == nil || len(o.Steps) == 0 {
			return ""
		}
		from := m.rng.IntN(len(o.Steps))
		to := from + 1 + m.rng.IntN(len(o.Steps)-from)
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, o.clone().Steps[from:to]...)
		return fmt.Sprintf("steps %d-%d of %s spliced in at %d", from, to-1, o.Origin, at)
	}},
	{"chop", func(m *mutation) string {
		if len(m.s.Steps) == 0 {
			return ""
		}
		i := m.rng.IntN(len(m.s.Steps))
		m.s.Steps[i].Chop = []int{0, 1, 2, 3, 5, 7, 13, 100}[m.rng.IntN(8)]
		return fmt.Sprintf("step %d written %d octets at a time", i, m.s.Steps[i].Chop)
	}},
	{"append close", func(m *mutation) string {
		m.s.Steps = append(m.s.Steps, closeStep(m.rng, frame.ClosePayload(frame.CloseNormal, "")))
		return "close appended"
	}},
	// the opening handshake
	{"handshake field", func(m *mutation) string { return m.handshakeField() }},
	{"handshake line", func(m *mutation) string { return m.requestLine() }},
	{"long header", func(m *mutation) string {
		n := []int{1000, 4000, 5000, 9000, 17000, 40000}[m.rng.IntN(6)]
		v := strings.Repeat(string(rune('a'+m.rng.IntN(26))), n)
		if m.rng.IntN(2) == 0 {
			name := requestFields[m.rng.IntN(len(requestFields))]
			m.s.Request.Set(name, v)
			return fmt.Sprintf("%s of %d octets", name, n)
		}
		m.s.Request.Add("X-Fuzz-"+v[:min(len(v), n/2)], "1")
		return fmt.Sprintf("field name of %d octets", n/2+7)
	}},
	// compression
	{"deflate offer", func(m *mutation) string {
		v := deflateOffers[m.rng.IntN(len(deflateOffers))]
		m.s.Request.Set("Sec-WebSocket-Extensions", v)
		return "offers " + v
	}},
	{"compressed message", func(m *mutation) string {
		if !m.s.offersDeflate() {
			m.s.Request.Set("Sec-WebSocket-Extensions", "permessage-deflate")
		}
		op, msg := frame.OpText, []byte(textOf(m.rng, m.sizeUpTo(2000)))
		if m.rng.IntN(2) == 0 {
			op, msg = frame.OpBinary, randomBytes(m.rng, m.sizeUpTo(2000))
		}
		payload := compress(msg)
		frag := len(payload) + 1
		if m.rng.IntN(3) == 0 {
			frag = 1 + m.rng.IntN(len(payload)+1)
		}
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, fragments(m.rng, op, payload, frag, true, 0, "compressed message")...)
		return fmt.Sprintf("compressed %d-octet %v message at step %d", len(msg), op, at)
	}},
	{"corrupt stream", func(m *mutation) string {
		return m.onFrame(func(st *Step) string {
			if st.Frame.Rsv&frame.RSV1 == 0 || len(st.Frame.Payload) == 0 {
				return ""
			}
			p := slices.Clone(st.Frame.Payload)
			switch m.rng.IntN(4) {
			case 0:
				i := m.rng.IntN(len(p))
				p[i] ^= byte(1 + m.rng.IntN(255))
				st.Frame.Payload = p
				return fmt.Sprintf("compressed octet %d flipped", i)
			case 1:
				st.Frame.Payload = p[:m.rng.IntN(len(p))]
				return "compressed stream cut"
			case 2:
				st.Frame.Payload = append(p, 0, 0, 0xff, 0xff)
				return "sync flush left in the message"
			default:
				st.Frame.Payload = append(p, 0x03, 0x00) // a final empty block: the next message would need a new stream
				return "final block in the message"
			}
		})
	}},
	{"bomb", func(m *mutation) string {
		if m.rng.IntN(4) != 0 {
			return "" // a quarter of the weight of the others: a bomb is expensive
		}
		if !m.s.offersDeflate() {
			m.s.Request.Set("Sec-WebSocket-Extensions", "permessage-deflate")
		}
		// mostly small: a big bomb costs the target (and the run) a lot of CPU
		mib := []int{1, 1, 2, 2, 4, 4, 24, 80}[m.rng.IntN(8)]
		f := frame.New([]frame.Opcode{frame.OpBinary, frame.OpText}[m.rng.IntN(2)], bomb(mib))
		f.Rsv = frame.RSV1
		at := m.rng.IntN(len(m.s.Steps) + 1)
		m.s.Steps = slices.Insert(m.s.Steps, at, maskedStep(m.rng, f, fmt.Sprintf("%d MiB of zeros in %d compressed octets", mib, len(f.Payload))))
		return fmt.Sprintf("decompression bomb of %d MiB at step %d", mib, at)
	}},
}

// onFrame applies fn to a random frame step (not raw octets).
func (m *mutation) onFrame(fn func(st *Step) string) string {
	var idx []int
	for i, st := range m.s.Steps {
		if st.Raw == nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	i := idx[m.rng.IntN(len(idx))]
	d := fn(&m.s.Steps[i])
	if d == "" {
		return ""
	}
	return fmt.Sprintf("step %d: %s", i, d)
}

// sizeUpTo favours small sizes and the ones at encoding edges.
func (m *mutation) sizeUpTo(n int) int {
	edges := []int{0, 1, 2, 125, 126, 127}
	if m.rng.IntN(3) == 0 {
		return min(edges[m.rng.IntN(len(edges))], n)
	}
	return m.rng.IntN(n + 1)
}

func (m *mutation) payload(p []byte) ([]byte, string) {
	p = slices.Clone(p)
	switch m.rng.IntN(7) {
	case 0:
		return nil, "payload emptied"
	case 1:
		if len(p) == 0 {
			return []byte{byte(m.rng.IntN(256))}, "one octet"
		}
		return p[:m.rng.IntN(len(p))], "payload cut"
	case 2:
		n := []int{1, 2, 124, 125, 126, 127, 65535, 65536, 70000}[m.rng.IntN(9)]
		return append(p, randomBytes(m.rng, n)...), fmt.Sprintf("%d octets appended", n)
	case 3:
		if len(p) == 0 {
			return p, ""
		}
		i := m.rng.IntN(len(p))
		p[i] ^= byte(1 + m.rng.IntN(255))
		return p, fmt.Sprintf("octet %d flipped", i)
	case 4:
		s := []byte(textOf(m.rng, m.sizeUpTo(300)))
		return s, fmt.Sprintf("%d octets of text", len(s))
	case 5:
		n := m.sizeUpTo(1 << 12)
		return bytes.Repeat([]byte{byte(m.rng.IntN(256))}, n), fmt.Sprintf("%d equal octets", n)
	default:
		if len(p) == 0 {
			return p, ""
		}
		return bytes.Repeat(p, 2), "payload doubled"
	}
}

// splitUTF8 cuts a single-frame text message into two fragments inside a
// multi-octet code point (every boundary is reachable).
func (m *mutation) splitUTF8() string {
	var idx []int
	for i, st := range m.s.Steps {
		if st.Raw == nil && st.Frame.Opcode == frame.OpText && st.Frame.Fin && st.Frame.Rsv == 0 && st.Frame.LengthOverride == nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	i := idx[m.rng.IntN(len(idx))]
	p := m.s.Steps[i].Frame.Payload
	if !utf8.Valid(p) || len(p) == 0 {
		p = []byte(textOf(m.rng, 20))
	}
	var inside []int
	for at := 1; at < len(p); at++ {
		if !utf8.RuneStart(p[at]) {
			inside = append(inside, at)
		}
	}
	at := 1 + m.rng.IntN(len(p))
	if len(inside) > 0 {
		at = inside[m.rng.IntN(len(inside))]
	}
	at = min(at, len(p))
	first, second := frame.New(frame.OpText, slices.Clone(p[:at])), frame.New(frame.OpContinuation, slices.Clone(p[at:]))
	first.Fin = false
	m.s.Steps = slices.Replace(m.s.Steps, i, i+1, maskedStep(m.rng, first, "text split inside a code point"), maskedStep(m.rng, second, ""))
	return fmt.Sprintf("step %d: text split at octet %d", i, at)
}

// fragment cuts a frame's payload into 2-4 frames (the first keeps opcode
// and RSV, the rest are continuations), with a ping between two of them now
// and then.
func (m *mutation) fragment() string {
	var idx []int
	for i, st := range m.s.Steps {
		if st.Raw == nil && !st.Frame.Opcode.IsControl() && st.Frame.LengthOverride == nil {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return ""
	}
	i := idx[m.rng.IntN(len(idx))]
	orig := m.s.Steps[i].Frame
	cuts := []int{0, len(orig.Payload)}
	for n := 1 + m.rng.IntN(3); n > 0; n-- {
		cuts = append(cuts, m.rng.IntN(len(orig.Payload)+1))
	}
	slices.Sort(cuts)
	var steps []Step
	for j := 0; j+1 < len(cuts); j++ {
		f := frame.New(frame.OpContinuation, slices.Clone(orig.Payload[cuts[j]:cuts[j+1]]))
		if j == 0 {
			f.Opcode, f.Rsv = orig.Opcode, orig.Rsv
		}
		f.Fin = j+2 == len(cuts) && orig.Fin
		steps = append(steps, maskedStep(m.rng, f, "fragment"))
		if j+2 < len(cuts) && m.rng.IntN(3) == 0 {
			steps = append(steps, maskedStep(m.rng, frame.New(frame.OpPing, randomBytes(m.rng, 4)), "ping between fragments"))
		}
	}
	m.s.Steps = slices.Replace(m.s.Steps, i, i+1, steps...)
	return fmt.Sprintf("step %d: fragmented in %d", i, len(cuts)-1)
}

func (m *mutation) closePayload() string {
	var p []byte
	var what string
	code := closeCodes[m.rng.IntN(len(closeCodes))]
	switch m.rng.IntN(8) {
	case 0, 6:
		p, what = []byte{byte(m.rng.IntN(256))}, "one-octet close payload"
	case 1, 7:
		p, what = nil, "empty close payload"
	case 2:
		p, what = frame.ClosePayload(code, strings.Repeat("r", 123)), fmt.Sprintf("close %d with a 123-octet reason", code)
	case 3:
		p, what = append(frame.ClosePayload(code, "bye"), badUTF8[m.rng.IntN(len(badUTF8))]...), fmt.Sprintf("close %d with a reason that is not UTF-8", code)
	case 4:
		p, what = frame.ClosePayload(code, strings.Repeat("r", 124)), fmt.Sprintf("close %d with a 124-octet reason (payload over 125)", code)
	default:
		p, what = frame.ClosePayload(code, textOf(m.rng, 10)), fmt.Sprintf("close %d", code)
	}
	for i, st := range m.s.Steps {
		if st.Raw == nil && st.Frame.Opcode == frame.OpClose && m.rng.IntN(2) == 0 {
			m.s.Steps[i].Frame.Payload = p
			return fmt.Sprintf("step %d: %s", i, what)
		}
	}
	m.s.Steps = append(m.s.Steps, closeStep(m.rng, p))
	return what + " appended"
}

func (m *mutation) handshakeField() string {
	r := m.s.Request
	name := requestFields[m.rng.IntN(len(requestFields))]
	switch m.rng.IntN(6) {
	case 0:
		r.Del(name)
		return name + " removed"
	case 1:
		v, _ := r.Get(name)
		r.Add(name, v)
		return name + " repeated"
	case 2:
		for i := range r.Header {
			if strings.EqualFold(r.Header[i].Name, name) {
				r.Header[i].Name = flipCase(m.rng, r.Header[i].Name)
				return name + " respelled " + r.Header[i].Name
			}
		}
		return ""
	default:
		vals := fieldValues[name]
		v := vals[m.rng.IntN(len(vals))]
		if v == "{newkey}" {
			v = handshake.NewKey()
		}
		r.Set(name, v)
		return fmt.Sprintf("%s: %q", name, v)
	}
}

func (m *mutation) requestLine() string {
	r := m.s.Request
	switch m.rng.IntN(3) {
	case 0:
		r.Method = []string{"GET", "get", "POST", "HEAD", "CONNECT", "G\x00T", ""}[m.rng.IntN(7)]
		return "method " + r.Method
	case 1:
		r.Proto = []string{"HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.10", "http/1.1", "HTTP/1.1 x"}[m.rng.IntN(6)]
		return "protocol " + r.Proto
	default:
		r.Target = []string{"/", "*", "", "//", "/?a=%zz", "http://example.com/", "/" + strings.Repeat("p", 3000)}[m.rng.IntN(7)]
		return fmt.Sprintf("request target of %d octets", len(r.Target))
	}
}

func flipCase(rng *rand.Rand, s string) string {
	b := []byte(s)
	for i := range b {
		if rng.IntN(2) == 0 {
			if b[i] >= 'a' && b[i] <= 'z' {
				b[i] -= 32
			} else if b[i] >= 'A' && b[i] <= 'Z' {
				b[i] += 32
			}
		}
	}
	return string(b)
}

var requestFields = []string{"Host", "Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version",
	"Sec-WebSocket-Extensions", "Sec-WebSocket-Protocol", "Origin"}

var fieldValues = map[string][]string{
	"Host":                     {"", "localhost", "a b", "[::1]:99999"},
	"Upgrade":                  {"websocket", "WebSocket", "websocket, h2c", "h2c, websocket", "", "web socket"},
	"Connection":               {"Upgrade", "keep-alive, Upgrade", "upgrade", "close", "", "Upgrade, close"},
	"Sec-WebSocket-Key":        {"{newkey}", "", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZQ===", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
	"Sec-WebSocket-Version":    {"13", "8", "12", "14", "0", "99", "-1", "13, 8", "a", ""},
	"Sec-WebSocket-Extensions": deflateOffers,
	"Sec-WebSocket-Protocol":   {"chat", "chat, superchat", "", "a b", ",", strings.Repeat("p,", 200)},
	"Origin":                   {"http://example.com", "null", ""},
}

var deflateOffers = []string{
	"permessage-deflate",
	"permessage-deflate; client_max_window_bits",
	"permessage-deflate; server_no_context_takeover; client_no_context_takeover",
	"permessage-deflate; server_max_window_bits=8",
	"permessage-deflate; server_max_window_bits=7",
	"permessage-deflate; client_max_window_bits=16",
	"permessage-deflate; client_max_window_bits=0",
	"permessage-deflate; server_max_window_bits",
	"permessage-deflate; unknown=1",
	"permessage-deflate; server_no_context_takeover; server_no_context_takeover",
	"permessage-deflate, permessage-deflate; client_max_window_bits=10",
	"permessage-deflate;",
	"permessage-deflate; server_max_window_bits=\"10\"",
	"x-webkit-deflate-frame",
	"",
}

// badUTF8 are sequences unicode/utf8 rejects: a surrogate, an overlong NUL,
// a code point past U+10FFFF, bytes that never occur, a lone continuation
// and a sequence cut short.
var badUTF8 = [][]byte{{0xED, 0xA0, 0x80}, {0xC0, 0x80}, {0xF4, 0x90, 0x80, 0x80}, {0xFF}, {0xF5}, {0x80}, {0xE2, 0x82}}

// closeCodes mixes codes a peer must accept with ones it must refuse (§7.4).
var closeCodes = []frame.CloseCode{0, 999, 1000, 1001, 1004, 1005, 1006, 1012, 1015, 1016, 2999, 3000, 4999, 5000, 65535}

// textOf is about n octets of valid UTF-8 mixing one- to four-octet code
// points and NUL.
func textOf(rng *rand.Rand, n int) string {
	pieces := []string{"a", "Hello", " ", "\x00", "κόσμε", "€", "😀", "\U0010FFFF", "\uFFFD"}
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return b
}
