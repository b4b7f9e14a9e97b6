package frame

// Frame is a header with its payload, as a case or the echo server sends it.
// Payload is always the unmasked application data; encoding masks a copy.
type Frame struct {
	Header
	Payload []byte
	// LengthOverride, when set, is written into the length field instead of
	// len(Payload): a length field that lies about what follows.
	LengthOverride *uint64
}

// New returns a final, unmasked frame with the given opcode and payload.
func New(op Opcode, payload []byte) Frame {
	return Frame{Header: Header{Fin: true, Opcode: op, Length: uint64(len(payload))}, Payload: payload}
}

// Masked returns a copy of f masked with key, as clients send (§5.3).
func (f Frame) Masked(key [4]byte) Frame {
	f.Header.Masked = true
	f.Header.Mask = key
	return f
}

// Append appends the wire form of f to dst. The header's Length is taken
// from the payload unless LengthOverride says otherwise.
func (f Frame) Append(dst []byte) []byte {
	h := f.Header
	h.Length = uint64(len(f.Payload))
	if f.LengthOverride != nil {
		h.Length = *f.LengthOverride
	}
	dst = AppendHeader(dst, h)
	start := len(dst)
	dst = append(dst, f.Payload...)
	if h.Masked {
		MaskBytes(h.Mask, 0, dst[start:])
	}
	return dst
}

// Bytes is the wire form of f in a new slice.
func (f Frame) Bytes() []byte {
	return f.Append(make([]byte, 0, MaxHeaderSize+len(f.Payload)))
}
