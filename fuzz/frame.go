package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/wsconform/wsconform/reference/frame"
)

// Frame is the fuzz body for reference/frame: data is a stream of frames as a
// client would send it. It panics when one of these breaks:
//
//  1. Reader.Next decodes the same header as ParseHeader on the same octets,
//     and AppendHeader re-encodes it to exactly those octets.
//  2. Reader.Read, whatever the chunk sizes, yields the payload unmasked as
//     §5.3 defines it (checked against a plain octet loop), and reports
//     io.ErrUnexpectedEOF exactly when the data ends inside a frame.
//  3. A complete frame re-encodes (Frame.Append) to its original octets.
//  4. Check, Sequence and ParseClosePayload agree with a plain restatement of
//     the rules, and every violation names a rule, a section and a code.
//  5. ReadFrame over a one-octet-at-a-time source gives the same frames.
//
// It returns 1 when data is a whole number of frames, 0 when it is cut
// short, and -1 for empty input.
func Frame(data []byte) int {
	if len(data) == 0 {
		return -1
	}
	frames, clean := decodeStream(data)
	compareReadFrame(data, frames)
	if clean && len(frames) > 0 {
		return 1
	}
	return 0
}

// decoded is one frame as the streaming pass saw it.
type decoded struct {
	header  frame.Header
	payload []byte // unmasked; shorter than header.Length if data ran out
}

// readChunks are the Read sizes the streaming pass cycles through.
var readChunks = [...]int{1, 3, 64, 4096}

func decodeStream(data []byte) (frames []decoded, clean bool) {
	r := frame.NewReaderSize(bytes.NewReader(data), 64) // small buffer: many refills
	var seq frame.Sequence
	buf := make([]byte, 4096)
	off := 0
	for i := 0; ; i++ {
		h, err := r.Next()
		if err == io.EOF {
			if off != len(data) {
				panic(fmt.Sprintf("io.EOF at offset %d of %d", off, len(data)))
			}
			return frames, true
		}
		if err == io.ErrUnexpectedEOF {
			if _, _, perr := frame.ParseHeader(data[off:]); perr != frame.ErrShortHeader {
				panic(fmt.Sprintf("Next: unexpected EOF at %d but ParseHeader(% x) = %v", off, data[off:], perr))
			}
			return frames, false
		}
		if err != nil {
			panic(fmt.Sprintf("Next at offset %d: %v", off, err))
		}

		wireHeader := checkHeader(data[off:], h)
		off += len(wireHeader)
		checkRules(h)
		checkSequence(&seq, h)

		avail := uint64(len(data) - off)
		want := data[off : off+int(min(h.Length, avail))]
		payload := unmask(h, want)
		got := buf[:0]
		chunk := readChunks[i%len(readChunks)]
		for {
			n, err := r.Read(buf[len(got):min(len(got)+chunk, cap(buf))])
			if n > 0 && !bytes.Equal(buf[len(got):len(got)+n], payload[len(got):len(got)+n]) {
				panic(fmt.Sprintf("frame %d: Read returned % x, want % x", i, buf[len(got):len(got)+n], payload[len(got):len(got)+n]))
			}
			got = buf[:len(got)+n]
			if len(got) == cap(buf) { // compared already; start over to stay bounded
				payload = payload[len(got):]
				got = buf[:0]
			}
			if err == io.EOF {
				break
			}
			if err == io.ErrUnexpectedEOF && h.Length > avail {
				frames = append(frames, decoded{h, unmask(h, want)})
				return frames, false
			}
			if err != nil {
				panic(fmt.Sprintf("frame %d: Read: %v", i, err))
			}
		}
		if h.Length > avail {
			panic(fmt.Sprintf("frame %d: io.EOF after %d of %d declared octets", i, avail, h.Length))
		}
		off += int(h.Length)

		full := unmask(h, want)
		f := frame.Frame{Header: h, Payload: full}
		if re := f.Append(nil); !bytes.Equal(re, data[off-len(want)-len(wireHeader):off]) {
			panic(fmt.Sprintf("frame %d: re-encoded % x, wire was % x", i, re, data[off-len(want)-len(wireHeader):off]))
		}
		if h.Opcode == frame.OpClose {
			checkClose(full)
		}
		frames = append(frames, decoded{h, full})
	}
}

// checkHeader compares h with ParseHeader and AppendHeader and returns the
// header's octets.
func checkHeader(wire []byte, h frame.Header) []byte {
	ph, n, err := frame.ParseHeader(wire)
	if err != nil || ph != h || n != h.Size() {
		panic(fmt.Sprintf("Reader header %#v, ParseHeader %#v n=%d err=%v", h, ph, n, err))
	}
	if re := frame.AppendHeader(nil, h); !bytes.Equal(re, wire[:n]) {
		panic(fmt.Sprintf("header %v re-encoded % x, wire % x", h, re, wire[:n]))
	}
	return wire[:n]
}

// unmask is §5.3 written out octet by octet, as an oracle for MaskBytes.
func unmask(h frame.Header, wire []byte) []byte {
	p := slices.Clone(wire)
	if h.Masked {
		for i := range p {
			p[i] ^= h.Mask[i%4]
		}
	}
	return p
}

// checkRules restates the per-header rules plainly and compares with Check,
// both without extensions and with permessage-deflate.
func checkRules(h frame.Header) {
	control := h.Opcode >= 8
	reserved := (h.Opcode >= 3 && h.Opcode <= 7) || h.Opcode >= 0xB
	minimal := (h.Length <= 125 && h.Encoding == frame.Length7) ||
		(h.Length > 125 && h.Length <= 0xFFFF && h.Encoding == frame.Length16) ||
		(h.Length > 0xFFFF && h.Encoding == frame.Length64)
	rsv1 := h.Rsv&frame.RSV1 != 0
	for _, ext := range []frame.Extensions{{}, frame.PerMessageDeflate} {
		want := map[string]bool{
			frame.RuleRSVWithoutExtension: h.Rsv&^rsvBits(ext) != 0,
			frame.RuleReservedOpcode:      reserved,
			frame.RuleClientFrameUnmasked: !h.Masked,
			frame.RuleControlTooLong:      control && h.Length > 125,
			frame.RuleControlFragmented:   control && !h.Fin,
			frame.RuleLengthTopBit:        h.Length >= 1<<63,
			frame.RuleLengthNotMinimal:    !minimal,
			frame.RuleCompressedControl:   ext.RSV1 && rsv1 && control,
			frame.RuleCompressedContinued: ext.RSV1 && rsv1 && h.Opcode == frame.OpContinuation,
		}
		got := map[string]bool{}
		for _, v := range frame.Check(h, frame.FromClient, ext) {
			checkViolation(v)
			if got[v.Rule] {
				panic("rule reported twice: " + v.Rule)
			}
			got[v.Rule] = true
		}
		for rule, w := range want {
			if got[rule] != w {
				panic(fmt.Sprintf("Check(%v, ext %+v): rule %s reported %t, want %t", h, ext, rule, got[rule], w))
			}
			delete(got, rule)
		}
		if len(got) != 0 {
			panic(fmt.Sprintf("Check(%v): unexpected rules %v", h, got))
		}
	}
}

func rsvBits(e frame.Extensions) uint8 {
	var b uint8
	if e.RSV1 {
		b |= frame.RSV1
	}
	if e.RSV2 {
		b |= frame.RSV2
	}
	if e.RSV3 {
		b |= frame.RSV3
	}
	return b
}

func checkViolation(v frame.Violation) {
	if v.Rule == "" || v.Section == "" || v.Detail == "" || v.Code < 1000 || v.Error() == "" {
		panic(fmt.Sprintf("incomplete violation %#v", v))
	}
}

// checkSequence restates §5.4 for one header against Sequence's state.
func checkSequence(seq *frame.Sequence, h frame.Header) {
	wasOpen := seq.InMessage()
	v := seq.Check(h)
	var want string
	switch {
	case h.Opcode == frame.OpContinuation && !wasOpen:
		want = frame.RuleContinuationNoStart
	case (h.Opcode == frame.OpText || h.Opcode == frame.OpBinary) && wasOpen:
		want = frame.RuleDataInsideFragmented
	}
	got := ""
	if v != nil {
		checkViolation(*v)
		got = v.Rule
	}
	if got != want {
		panic(fmt.Sprintf("Sequence.Check(%v) open=%t: rule %q, want %q", h, wasOpen, got, want))
	}
	if v == nil && h.Opcode <= frame.OpBinary && seq.InMessage() == h.Fin {
		panic(fmt.Sprintf("Sequence after %v: open=%t", h, seq.InMessage()))
	}
}

// checkClose compares ParseClosePayload with the §5.5.1/§7.4 rules and
// ClosePayload.
func checkClose(p []byte) {
	body, v := frame.ParseClosePayload(p)
	code, reason := body.Code, body.Reason
	if v != nil {
		checkViolation(*v)
	}
	if body.HasCode != (len(p) >= 2) {
		panic(fmt.Sprintf("close % x: HasCode %t", p, body.HasCode))
	}
	switch {
	case len(p) == 0:
		if v != nil {
			panic(fmt.Sprintf("empty close: %v", v))
		}
	case len(p) == 1:
		if v == nil || v.Rule != frame.RuleCloseOneOctet {
			panic(fmt.Sprintf("1-octet close: %v", v))
		}
	case !code.ValidOnWire():
		if v == nil || v.Rule != frame.RuleCloseCodeInvalid {
			panic(fmt.Sprintf("close code %v: %v", code, v))
		}
	case v == nil:
		if !bytes.Equal(frame.ClosePayload(code, string(reason)), p) {
			panic(fmt.Sprintf("ClosePayload(%v, %q) != % x", code, reason, p))
		}
	case v.Rule != frame.RuleCloseReasonUTF8:
		panic(fmt.Sprintf("close % x: unexpected %v", p, v))
	}
}

// compareReadFrame decodes data again with ReadFrame over a source that
// hands out one octet per read, and compares with the streaming pass.
func compareReadFrame(data []byte, want []decoded) {
	r := frame.NewReader(&oneOctetReader{data: data})
	for i, w := range want {
		f, err := frame.ReadFrame(r, uint64(len(data)))
		if w.header.Length > uint64(len(data)) {
			// Refused before any payload is read; it is the last frame,
			// since the data cannot hold it.
			var v *frame.Violation
			if !errors.As(err, &v) || v.Code != frame.CloseMessageTooBig || f.Header != w.header || f.Payload != nil {
				panic(fmt.Sprintf("ReadFrame over the limit: %v, %v", f.Header, err))
			}
			return
		}
		if f.Header != w.header || !bytes.Equal(f.Payload, w.payload) {
			panic(fmt.Sprintf("ReadFrame frame %d: %v % x (%v), streaming saw %v % x", i, f.Header, f.Payload, err, w.header, w.payload))
		}
		complete := uint64(len(w.payload)) == w.header.Length
		if complete != (err == nil) {
			panic(fmt.Sprintf("ReadFrame frame %d: err %v for a frame complete=%t", i, err, complete))
		}
	}
}

type oneOctetReader struct{ data []byte }

func (o *oneOctetReader) Read(p []byte) (int, error) {
	if len(o.data) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.data[0]
	o.data = o.data[1:]
	return 1, nil
}
