package serverfuzz

import (
	"bytes"
	"compress/flate"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Session is what a fuzz input decodes to: one client connection, as
// octets ready to send, with a line per step for the reproducer.
//
// The decoder is structure-aware so that coverage feedback explores the
// server's protocol states rather than its HTTP parse errors: most values of
// each decision octet pick the valid choice, and the frames are built by
// reference/frame, which can also write every broken field on purpose (RSV
// bits, reserved opcodes, missing masks, non-minimal and lying lengths). An
// input that runs out decodes as if it went on with zero octets, so every
// input is a session, and a short one is a short valid session.
type Session struct {
	Request  *handshake.Request
	Pipeline bool // frames follow the request at once, without waiting for the answer
	Steps    []Step
}

// Step is one thing the client sends after the opening handshake.
type Step struct {
	Desc string
	Wire []byte
	// Inflated is what the step's compressed message inflates to (0 when
	// it has none, or none that inflates).
	Inflated int
}

// Bounds of one decoded session, so that the octets sent stay proportional
// to the input (the memory watchdog's yardstick) apart from a few fixed
// large payloads.
const (
	maxSteps     = 64
	maxFragments = 1024
)

// waitsForAnswer says whether the client waits for the server's answer
// before its frames: unless the session pipelines, or the request announces
// a body (net/http servers may wait for one before answering).
func (s *Session) waitsForAnswer() bool {
	_, cl := s.Request.Get("Content-Length")
	_, te := s.Request.Get("Transfer-Encoding")
	return !s.Pipeline && !cl && !te
}

// inflated is the octets the session's compressed messages inflate to,
// each counted up to limit.
func (s *Session) inflated(limit int) int {
	n := 0
	for _, st := range s.Steps {
		n += min(st.Inflated, limit)
	}
	return n
}

// String is the session as a list of steps, for a finding's reproducer.
func (s *Session) String() string {
	var b strings.Builder
	b.WriteString("request:\n")
	for _, line := range strings.Split(strings.TrimRight(string(s.Request.Bytes()), "\r\n"), "\r\n") {
		fmt.Fprintf(&b, "  %s\n", clip(line, 120))
	}
	if !s.waitsForAnswer() {
		b.WriteString("frames sent without waiting for the answer\n")
	}
	for i, st := range s.Steps {
		fmt.Fprintf(&b, "%2d. %s (%d octets)\n", i+1, st.Desc, len(st.Wire))
	}
	return b.String()
}

// WireSize is the number of octets the session sends.
func (s *Session) WireSize() int {
	n := len(s.Request.Bytes())
	for _, st := range s.Steps {
		n += len(st.Wire)
	}
	return n
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return fmt.Sprintf("%s... (%d octets)", s[:n], len(s))
}

// input hands out the fuzz input octet by octet; past its end, zeros.
type input struct {
	data []byte
}

func (in *input) more() bool { return len(in.data) > 0 }

func (in *input) byte() byte {
	if len(in.data) == 0 {
		return 0
	}
	b := in.data[0]
	in.data = in.data[1:]
	return b
}

// take returns the next n octets (fewer if the input ends).
func (in *input) take(n int) []byte {
	n = min(n, len(in.data))
	b := in.data[:n:n]
	in.data = in.data[n:]
	return b
}

// Decode turns a fuzz input into a session. It never fails.
func Decode(data []byte) *Session {
	in := &input{data: data}
	s := &Session{}
	s.decodeHandshake(in)
	d := stepDecoder{in: in}
	for in.more() && len(s.Steps) < maxSteps {
		s.Steps = append(s.Steps, d.step(len(s.Steps)))
	}
	return s
}

// Opening handshake: one octet of choices, then the octets they ask for.
//
//	bits 0-2  0-4 valid request; 5 one field changed; 6 one extra header; 7 both
//	bits 3-4  extension offer: none, permessage-deflate, permessage-deflate
//	          with parameters (one more octet), a raw value (length + octets)
//	bit 5     a subprotocol offer
//	bit 6     pipeline: frames without waiting for the answer
func (s *Session) decodeHandshake(in *input) {
	h := in.byte()
	u := &url.URL{Scheme: "ws", Host: "server.test", Path: "/"}
	req := handshake.NewClientRequest(u, "dGhlIHNhbXBsZSBub25jZQ==")
	if m := h & 7; m == 5 || m == 7 {
		mutateField(req, in.byte())
	}
	if m := h & 7; m == 6 || m == 7 {
		extraHeader(req, in.byte(), in)
	}
	switch (h >> 3) & 3 {
	case 1:
		req.Add("Sec-WebSocket-Extensions", deflate.ExtensionName)
	case 2:
		req.Add("Sec-WebSocket-Extensions", deflateOffer(in.byte()))
	case 3:
		req.Add("Sec-WebSocket-Extensions", string(in.take(int(in.byte()))))
	}
	if h&0x20 != 0 {
		req.Add("Sec-WebSocket-Protocol", "chat, superchat")
	}
	s.Pipeline = h&0x40 != 0
	s.Request = req
}

// fieldVariants are the changes one request field can get: each breaks or
// bends a §4.1/§4.2.1 requirement, or is a legal spelling servers get wrong.
var fieldVariants = []struct {
	name   string
	values []string // "" deletes the field
}{
	{":method", []string{"POST", "get", "HEAD", "GET\x00"}},
	{":target", []string{"*", "http://server.test/x?y=z", "/a%zz", "", "/" + strings.Repeat("a", 3000)}},
	{":proto", []string{"HTTP/1.0", "HTTP/2.0", "HTTP/1.1 ", "http/1.1"}},
	{"Host", []string{"", "a b", "server.test:99999"}},
	{"Upgrade", []string{"", "WebSocket", "websocket, h2c", "h2c", "websocket\x00"}},
	{"Connection", []string{"", "keep-alive, Upgrade", "close", "UPGRADE", "Upgrade,,"}},
	{"Sec-WebSocket-Key", []string{"", "short", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", "dGhlIHNhbXBsZSBub25jZQ", "!!!!!!!!!!!!!!!!!!!!!!=="}},
	{"Sec-WebSocket-Version", []string{"", "8", "14", "13, 8", "abc", "013"}},
}

func mutateField(req *handshake.Request, b byte) {
	f := fieldVariants[int(b)%len(fieldVariants)]
	v := f.values[int(b)/len(fieldVariants)%len(f.values)]
	switch f.name {
	case ":method":
		req.Method = v
	case ":target":
		req.Target = v
	case ":proto":
		req.Proto = v
	default:
		if v == "" {
			req.Del(f.name)
		} else {
			req.Set(f.name, v)
		}
	}
}

// extraHeader adds one field (or a body): bits 0-2 the kind, bits 3-7 a size.
func extraHeader(req *handshake.Request, b byte, in *input) {
	size := int(b >> 3)
	switch b & 7 {
	case 0:
		req.Add("Origin", "http://origin.test")
	case 1:
		req.Add("Sec-WebSocket-Key", "x3JJHMbDL1EzLkh9GBhXDw==") // a second key
	case 2: // a long line, up to twice handshake.MaxHeaderBytes
		req.Add("X-Long", strings.Repeat("a", size*1024))
	case 3:
		for i := range size * 16 {
			req.Add(fmt.Sprintf("X-Many-%d", i), "v")
		}
	case 4:
		req.Add("Content-Length", "4")
		req.Body = []byte("abcd")
	case 5:
		req.Add("Transfer-Encoding", "chunked")
	case 6:
		req.Add("X-Folded", "a\r\n b") // obs-fold, §3.2.4 of RFC 7230
	case 7:
		req.Add(string(in.take(size)), "v") // a name of raw octets
	}
}

// deflateOffer renders one permessage-deflate offer from the bits of b.
func deflateOffer(b byte) string {
	var p []string
	if b&1 != 0 {
		p = append(p, "server_no_context_takeover")
	}
	if b&2 != 0 {
		p = append(p, "client_no_context_takeover")
	}
	if b&4 != 0 {
		p = append(p, "client_max_window_bits")
	}
	if b&8 != 0 {
		p = append(p, fmt.Sprintf("server_max_window_bits=%d", 8+(b>>4)&7))
	}
	if b&0x80 != 0 {
		p = append(p, "x_unknown=1") // §7.1: the server must decline this offer
	}
	if len(p) == 0 {
		return deflate.ExtensionName
	}
	return deflate.ExtensionName + "; " + strings.Join(p, "; ")
}

type stepDecoder struct {
	in *input
}

// Step kinds, the low 3 bits of a step's first octet.
const (
	kindMessage      = iota // whole message, maybe fragmented and compressed
	kindPing                // ping with a payload (up to too long)
	kindPong                // unsolicited pong
	kindClose               // close frame with a code and reason
	kindOpenFragment        // first frame of a message, FIN clear
	kindContinuation        // continuation frame, FIN from a bit
	kindRaw                 // every header field from the input
	kindSpecial             // raw octets, corrupt deflate, a bomb, many fragments
)

// longLengths are payload sizes past the 7-bit length field, filled from
// one input octet so that 16- and 64-bit lengths are reached cheaply.
var longLengths = []int{125, 126, 127, 200, 1000, 65535, 65536, 100000}

// hugeLengths are announced lengths no payload follows: past 2^16, 2^31,
// 2^32, the top bit of 64 bits.
var hugeLengths = []uint64{1 << 16, 1<<31 - 1, 1 << 31, 1 << 32, 1 << 40, 1<<63 - 1, 1 << 63, 1<<64 - 1}

// payload reads a length octet and that many payload octets: below 192 the
// octets come from the input, above it a long length is filled.
func (d *stepDecoder) payload() []byte {
	l := d.in.byte()
	if l < 192 {
		return d.in.take(int(l))
	}
	n := longLengths[int(l)%len(longLengths)]
	return bytes.Repeat([]byte{'a' + d.in.byte()%26}, n)
}

// key is the masking key of frame i: fixed (so inputs stay small) but
// never all zeros, or from the input.
func (d *stepDecoder) key(i int, fromInput bool) [4]byte {
	if fromInput {
		var k [4]byte
		copy(k[:], d.in.take(4))
		return k
	}
	return [4]byte{0x37, 0xfa, 0x21, byte(i)}
}

func (d *stepDecoder) step(i int) Step {
	k := d.in.byte()
	switch k & 7 {
	case kindMessage:
		return d.message(i, k)
	case kindPing, kindPong:
		op := frame.OpPing
		if k&7 == kindPong {
			op = frame.OpPong
		}
		p := d.payload()
		if k&8 == 0 && len(p) > frame.MaxControlPayload {
			p = p[:frame.MaxControlPayload]
		}
		f := frame.New(op, p).Masked(d.key(i, false))
		return Step{fmt.Sprintf("%s, %d octets", opName(op), len(p)), f.Bytes(), 0}
	case kindClose:
		return d.close(i)
	case kindOpenFragment, kindContinuation:
		op := frame.OpContinuation
		fin := k&8 != 0
		if k&7 == kindOpenFragment {
			op, fin = frame.OpBinary, false
			if k&8 != 0 {
				op = frame.OpText
			}
		}
		var rsv uint8
		if k&0x10 != 0 {
			rsv = frame.RSV1
		}
		p := d.payload()
		f := frame.Frame{Header: frame.Header{Fin: fin, Rsv: rsv, Opcode: op}, Payload: p}.Masked(d.key(i, false))
		return Step{fmt.Sprintf("%s frame fin=%t rsv=%d, %d octets", opName(op), fin, rsv, len(p)), f.Bytes(), 0}
	case kindRaw:
		return d.raw(i)
	}
	return d.special(i, k)
}

// message decodes a whole data message: octet k (bit 3 text, bits 4-5
// fragments-1), a flags octet, the payload.
//
//	flags bit 0   compressed (RSV1, deflated by reference/deflate)
//	flags bit 1   text left as is (else made valid UTF-8)
//	flags bit 2,3 a ping, a pong between fragments
//	flags bit 6,7 masking: fixed key, fixed key, key from input, unmasked
func (d *stepDecoder) message(i int, k byte) Step {
	op := frame.OpBinary
	if k&8 != 0 {
		op = frame.OpText
	}
	fragments := 1 + int(k>>4)&3
	flags := d.in.byte()
	p := d.payload()
	if op == frame.OpText && flags&2 == 0 {
		p = []byte(strings.ToValidUTF8(string(p), "\uFFFD"))
	}
	desc := fmt.Sprintf("%s message, %d octets in %d frame(s)", opName(op), len(p), fragments)
	wirePayload, rsv, inflated := p, uint8(0), 0
	if flags&1 != 0 {
		inflated = len(p)
		wirePayload, rsv = compress(p), frame.RSV1
		desc += fmt.Sprintf(", compressed to %d", len(wirePayload))
	}
	var between []frame.Frame
	if flags&4 != 0 {
		between = append(between, frame.New(frame.OpPing, []byte("between")))
		desc += ", a ping between fragments"
	}
	if flags&8 != 0 {
		between = append(between, frame.New(frame.OpPong, nil))
		desc += ", a pong between fragments"
	}
	masked, fromInput := true, false
	switch flags >> 6 {
	case 2:
		fromInput = true
	case 3:
		masked = false
		desc += ", unmasked"
	}
	key := d.key(i, fromInput)
	var wire []byte
	for j, part := range split(wirePayload, fragments) {
		f := frame.Frame{Header: frame.Header{Fin: j == fragments-1, Opcode: frame.OpContinuation}, Payload: part}
		if j == 0 {
			f.Opcode, f.Rsv = op, rsv
		} else {
			for _, c := range between {
				wire = c.Masked(key).Append(wire)
			}
		}
		if masked {
			f = f.Masked(key)
		}
		wire = f.Append(wire)
	}
	return Step{desc, wire, inflated}
}

// split cuts p into n parts of near-equal size (some may be empty).
func split(p []byte, n int) [][]byte {
	parts := make([][]byte, n)
	for j := range n {
		parts[j] = p[len(p)*j/n : len(p)*(j+1)/n]
	}
	return parts
}

var (
	validCodes   = []frame.CloseCode{1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 3000, 4999}
	invalidCodes = []frame.CloseCode{0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}
)

// close decodes a close frame: one octet picks the body's shape.
func (d *stepDecoder) close(i int) Step {
	c := d.in.byte()
	var body []byte
	var desc string
	switch c & 7 {
	case 0:
		desc = "close, empty body"
	case 1:
		body = []byte{d.in.byte()}
		desc = "close, 1-octet body"
	case 2, 3:
		code := validCodes[int(c>>3)%len(validCodes)]
		body, desc = frame.ClosePayload(code, ""), fmt.Sprintf("close %d", code)
	case 4:
		code := invalidCodes[int(c>>3)%len(invalidCodes)]
		body, desc = frame.ClosePayload(code, ""), fmt.Sprintf("close with invalid code %d", code)
	case 5:
		reason := strings.ToValidUTF8(string(d.in.take(int(c>>3))), "?")
		body, desc = frame.ClosePayload(frame.CloseNormal, reason), fmt.Sprintf("close 1000, reason %q", reason)
	case 6:
		reason := d.in.take(int(c >> 3))
		body = append(frame.ClosePayload(frame.CloseNormal, ""), reason...)
		desc = fmt.Sprintf("close 1000, raw reason %q", reason)
	case 7:
		body = append(frame.ClosePayload(frame.CloseNormal, ""), bytes.Repeat([]byte("r"), 124+int(c>>3)%4)...)
		desc = fmt.Sprintf("close 1000 with a %d-octet body", len(body))
	}
	f := frame.New(frame.OpClose, body).Masked(d.key(i, false))
	return Step{desc, f.Bytes(), 0}
}

// raw decodes a frame whose header comes from the input: the first header
// octet as is (FIN, RSV, opcode), then an octet of
//
//	bit 0     unmasked
//	bits 1-2  length encoding: minimal, 7-bit, 16-bit, 64-bit
//	bits 3-5  length lie: 0-3 none, 4 one more, 5 one less, 6 huge, 7 zero
//	bit 6     key from input
func (d *stepDecoder) raw(i int) Step {
	b0, b1 := d.in.byte(), d.in.byte()
	h := frame.Header{Fin: b0&0x80 != 0, Rsv: (b0 >> 4) & 7, Opcode: frame.Opcode(b0 & 0x0F)}
	h.Encoding = frame.LengthEncoding((b1 >> 1) & 3)
	key := d.key(i, b1&0x40 != 0)
	p := d.payload()
	f := frame.Frame{Header: h, Payload: p}
	if b1&1 == 0 {
		f = f.Masked(key)
	}
	var lie uint64
	switch (b1 >> 3) & 7 {
	case 4:
		lie = uint64(len(p)) + 1
	case 5:
		lie = uint64(max(len(p), 1)) - 1
	case 6:
		lie = hugeLengths[int(d.in.byte())%len(hugeLengths)]
	case 7:
		lie = 0
	default:
		f.Length = uint64(len(p))
		return Step{fmt.Sprintf("raw frame %v, %s length, %d octets", f.Header, f.Encoding, len(p)), f.Bytes(), 0}
	}
	f.LengthOverride = &lie
	f.Length = lie
	return Step{fmt.Sprintf("raw frame %v announcing %d octets, %d sent", f.Header, lie, len(p)), f.Bytes(), 0}
}

// special decodes the rest: bits 3-4 of k pick
//
//	0 raw octets onto the wire, unframed
//	1 a compressed message whose payload is not DEFLATE data (or is cut)
//	2 a decompression bomb: 1 MiB (or 64 MiB, bit 5) of zeros, deflated
//	3 a message in many fragments: 4 x (next octet) + 2 frames
func (d *stepDecoder) special(i int, k byte) Step {
	key := d.key(i, false)
	switch (k >> 3) & 3 {
	case 0:
		p := d.payload()
		return Step{fmt.Sprintf("%d raw octets", len(p)), p, 0}
	case 1:
		p := d.payload()
		f := frame.Frame{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpBinary}, Payload: p}.Masked(key)
		return Step{fmt.Sprintf("compressed binary message of %d octets that are not a DEFLATE stream of ours", len(p)), f.Bytes(), 0}
	case 2:
		size := 1 << 20
		if k&0x20 != 0 {
			size = 64 << 20
		}
		p := bomb(size)
		f := frame.Frame{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpBinary}, Payload: p}.Masked(key)
		return Step{fmt.Sprintf("compressed binary message of %d octets inflating to %d", len(p), size), f.Bytes(), size}
	}
	n := 2 + 4*int(d.in.byte())
	var wire []byte
	for j := range min(n, maxFragments) {
		op := frame.OpContinuation
		if j == 0 {
			op = frame.OpText
		}
		f := frame.Frame{Header: frame.Header{Fin: j == n-1, Opcode: op}, Payload: []byte{'a' + byte(j%26)}}
		wire = f.Masked(key).Append(wire)
	}
	return Step{fmt.Sprintf("text message in %d one-octet frames", n), wire, 0}
}

// compressors hold reference/deflate compressors without context takeover:
// each message is compressed on its own, so one compressor serves any
// number of sessions, and such a stream is valid whatever was agreed.
var compressors = sync.Pool{New: func() any {
	c, err := deflate.NewCompressor(flate.BestSpeed, true)
	if err != nil {
		panic(err)
	}
	return c
}}

func compress(p []byte) []byte {
	c := compressors.Get().(*deflate.Compressor)
	defer compressors.Put(c)
	out, err := c.Compress(nil, p)
	if err != nil {
		panic(err) // writing to memory: never
	}
	return out
}

var bombs sync.Map // size -> []byte

// bomb is size zeros, deflated once and kept (64 MiB: 80 KiB, built in
// about 0.15 s at BestSpeed).
func bomb(size int) []byte {
	if b, ok := bombs.Load(size); ok {
		return b.([]byte)
	}
	c, err := deflate.NewCompressor(flate.BestSpeed, true)
	if err != nil {
		panic(err)
	}
	out, err := c.Compress(nil, make([]byte, size))
	if err != nil {
		panic(err)
	}
	bombs.Store(size, out)
	return out
}

// opName is "text" for frame.OpText's "text frame", and so on.
func opName(op frame.Opcode) string { return strings.TrimSuffix(op.String(), " frame") }
