package frame

import (
	"errors"
	"io"
)

// DefaultReaderBufferSize is the internal buffer of a Reader from NewReader.
const DefaultReaderBufferSize = 4096

// maxEmptyReads bounds how often a source may return (0, nil) in a row, as
// bufio does, so a broken source cannot spin a Reader forever.
const maxEmptyReads = 100

// Reader decodes frames from a byte stream. Next returns each frame header;
// Read returns that frame's payload, unmasked, as octets arrive, so a caller
// can validate (e.g. UTF-8) inside a frame before the frame is complete. A
// Reader never allocates after construction and never buffers more than its
// fixed internal buffer, whatever length a header declares.
type Reader struct {
	src       io.Reader
	buf       []byte // fixed size; buf[r:w] is read from src but not yet used
	r, w      int
	hdr       Header
	remaining uint64 // payload octets of hdr not yet returned by Read
	maskPos   int    // key position of the next payload octet
	err       error  // sticky error from src
}

// NewReader returns a Reader with a DefaultReaderBufferSize buffer.
func NewReader(src io.Reader) *Reader { return NewReaderSize(src, DefaultReaderBufferSize) }

// NewReaderSize returns a Reader whose internal buffer holds size octets,
// at least MaxHeaderSize.
func NewReaderSize(src io.Reader, size int) *Reader {
	size = max(size, MaxHeaderSize)
	return &Reader{src: src, buf: make([]byte, size)}
}

// Reset makes r read a new stream with the same buffer.
func (r *Reader) Reset(src io.Reader) {
	r.src, r.err = src, nil
	r.r, r.w = 0, 0
	r.hdr, r.remaining, r.maskPos = Header{}, 0, 0
}

// Next skips what is left of the current frame's payload and decodes the
// next frame header. It returns io.EOF only when the stream ends cleanly
// between frames, io.ErrUnexpectedEOF when it ends inside a frame. The
// header is not judged; see Check and Sequence.
func (r *Reader) Next() (Header, error) {
	if r.remaining > 0 {
		if err := r.skipPayload(); err != nil {
			return Header{}, err
		}
	}
	for {
		if r.w-r.r >= 2 { // ParseHeader needs at least two octets
			h, n, err := ParseHeader(r.buf[r.r:r.w])
			if err == nil {
				r.r += n
				r.hdr, r.remaining, r.maskPos = h, h.Length, 0
				return h, nil
			}
		}
		if err := r.fill(); err != nil {
			if err == io.EOF && r.r != r.w {
				err = io.ErrUnexpectedEOF
			}
			return Header{}, err
		}
	}
}

// Header is the header most recently returned by Next.
func (r *Reader) Header() Header { return r.hdr }

// Remaining is the number of payload octets of the current frame that Read
// has not returned yet.
func (r *Reader) Remaining() uint64 { return r.remaining }

// Buffered is the number of octets read from the source and not yet used.
func (r *Reader) Buffered() int { return r.w - r.r }

// Read reads unmasked payload of the current frame into p. It returns io.EOF
// at the end of the frame and io.ErrUnexpectedEOF if the stream ends first.
// Like any io.Reader it may return fewer octets than len(p): it makes at most
// one read from the source per call.
func (r *Reader) Read(p []byte) (int, error) {
	if r.remaining == 0 {
		return 0, io.EOF
	}
	if uint64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	switch {
	case r.r != r.w:
		n = copy(p, r.buf[r.r:r.w])
		r.r += n
	case len(p) >= len(r.buf):
		// A large read goes straight into p: one pass over the payload
		// instead of a copy through the buffer.
		var err error
		if n, err = r.readSource(p); n == 0 {
			return 0, r.payloadErr(err)
		}
	default:
		if err := r.fill(); err != nil {
			return 0, r.payloadErr(err)
		}
		n = copy(p, r.buf[r.r:r.w])
		r.r += n
	}
	if r.hdr.Masked {
		r.maskPos = MaskBytes(r.hdr.Mask, r.maskPos, p[:n])
	}
	r.remaining -= uint64(n)
	return n, nil
}

func (r *Reader) payloadErr(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// skipPayload discards the unread rest of the current frame.
func (r *Reader) skipPayload() error {
	for r.remaining > 0 {
		if r.r == r.w {
			if err := r.fill(); err != nil {
				return r.payloadErr(err)
			}
		}
		n := uint64(r.w - r.r)
		if n > r.remaining {
			n = r.remaining
		}
		r.r += int(n)
		r.remaining -= n
	}
	return nil
}

// fill reads at least one more octet into the buffer, first moving unread
// octets to its start. The buffer is never full here: callers either
// consume buffered octets or need fewer than MaxHeaderSize of them.
func (r *Reader) fill() error {
	if r.r > 0 {
		r.w = copy(r.buf, r.buf[r.r:r.w])
		r.r = 0
	}
	n, err := r.readSource(r.buf[r.w:])
	r.w += n
	if n > 0 {
		return nil
	}
	return err
}

// readSource makes one successful read from the source into p (or reports
// why it could not). Errors are sticky.
func (r *Reader) readSource(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	for range maxEmptyReads {
		n, err := r.src.Read(p)
		if n < 0 || n > len(p) {
			r.err = errInvalidRead
			return 0, r.err
		}
		if err != nil {
			r.err = err
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
	r.err = io.ErrNoProgress
	return 0, r.err
}

var errInvalidRead = errors.New("frame: source returned an invalid count from Read")

// ReadFrame reads the next whole frame from r, payload unmasked. A frame
// declaring more than max payload octets is refused with a *Violation
// (1009) before any of its payload is read: the returned Frame then has
// the header only, and the payload is skipped by the next call to Next.
// The payload grows as octets arrive, so a header that lies about its
// length cannot make ReadFrame allocate what the peer never sends.
func ReadFrame(r *Reader, max uint64) (Frame, error) {
	h, err := r.Next()
	if err != nil {
		return Frame{}, err
	}
	f := Frame{Header: h}
	if v := CheckMessageSize(h.Length, max); v != nil {
		v.Detail = "frame payload of " + itoa(h.Length) + " octets exceeds the limit of " + itoa(max)
		return f, v
	}
	const firstChunk = 32 << 10
	f.Payload = make([]byte, 0, min(h.Length, firstChunk))
	for r.remaining > 0 {
		if len(f.Payload) == cap(f.Payload) {
			f.Payload = append(f.Payload, 0)[:len(f.Payload)]
		}
		n, err := r.Read(f.Payload[len(f.Payload):cap(f.Payload)])
		f.Payload = f.Payload[:len(f.Payload)+n]
		if err != nil {
			return f, err
		}
	}
	return f, nil
}
