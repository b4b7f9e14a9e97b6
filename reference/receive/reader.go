package receive

import (
	"errors"
	"io"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

// minGrow is the least a message buffer grows by.
const minGrow = 1 << 20

// keepBufferLimit is the largest message buffer a Reader keeps between
// messages; a larger one is released so idle connections stay small.
const keepBufferLimit = 1 << 20

// Item is what Reader.Next returns: a whole data message or a control
// frame. Payload is valid until the next call to Next.
type Item struct {
	// Opcode is OpText or OpBinary for a message, OpPing, OpPong or
	// OpClose for a control frame.
	Opcode  frame.Opcode
	Payload []byte // the message (inflated) or the control frame's payload
	Close   frame.CloseBody
}

// Reader reads whole messages and control frames from a frame.Reader,
// judging everything with a Receiver. Control frames between the fragments
// of a message come out as they arrive, before the message.
type Reader struct {
	rc       *Receiver
	fr       *frame.Reader
	inflater *deflate.Decompressor
	frames   int
	hdr      frame.Header

	msg       []byte
	inflated  []byte // spare buffer for inflating msg
	control   [frame.MaxControlPayload]byte
	onControl func(Item) error
}

// HandleControl hands every control frame to f as it arrives, instead of
// returning it from Next; an error from f ends Next with that error. Then a
// compressed message is inflated as its frames stream in (a ping between
// its fragments is answered while it is being inflated), so neither the
// compressed message nor more than the inflater's limit of output is ever
// held, and compressed text is judged as UTF-8 as it is inflated.
func (r *Reader) HandleControl(f func(Item) error) { r.onControl = f }

// NewReader returns a Reader of the frames fr decodes. inflater inflates
// compressed messages; nil when permessage-deflate was not agreed, and then
// RSV1 has no meaning whatever cfg.Extensions says.
func NewReader(fr *frame.Reader, cfg Config, inflater *deflate.Decompressor) *Reader {
	if inflater == nil {
		cfg.Extensions.RSV1 = false
	}
	return &Reader{rc: New(cfg), fr: fr, inflater: inflater}
}

// Frames is how many frame headers Next has read.
func (r *Reader) Frames() int { return r.frames }

// Header is the last frame header Next read.
func (r *Reader) Header() frame.Header { return r.hdr }

// Next returns the next message or control frame. Its error is a
// *frame.Violation when the peer broke a rule (the first one), else what
// the frame.Reader returned (io.EOF between messages, io.ErrUnexpectedEOF
// inside one).
func (r *Reader) Next() (Item, error) {
	for {
		h, err := r.fr.Next()
		if err == io.EOF && r.rc.seq.InMessage() {
			err = io.ErrUnexpectedEOF
		}
		if err != nil {
			return Item{}, err
		}
		r.frames++
		r.hdr = h
		kind, v := r.rc.Frame(h)
		switch {
		case v != nil:
			return Item{}, v
		case kind == Skip:
			continue // its payload is discarded by the next Next
		case kind == Control:
			it, err := r.controlFrame(h)
			if err != nil || r.onControl == nil {
				return it, err
			}
			if err := r.onControl(it); err != nil {
				return Item{}, err
			}
			continue
		}
		if h.Opcode != frame.OpContinuation {
			r.msg = r.msg[:0]
			if r.onControl != nil && r.rc.Compressed() {
				return r.inflateStream()
			}
		}
		if err := r.readPayload(); err != nil {
			return Item{}, err
		}
		if !h.Fin {
			continue
		}
		return r.message()
	}
}

func (r *Reader) controlFrame(h frame.Header) (Item, error) {
	p := r.control[:]
	if h.Length > uint64(len(p)) { // only when RuleControlTooLong is waived
		p = make([]byte, h.Length)
	}
	p = p[:h.Length]
	if _, err := io.ReadFull(r.fr, p); err != nil {
		return Item{}, err
	}
	it := Item{Opcode: h.Opcode, Payload: p}
	if h.Opcode == frame.OpClose {
		var v *frame.Violation
		if it.Close, v = r.rc.Close(p); v != nil {
			return Item{}, v
		}
	}
	return it, nil
}

// readPayload appends the current frame's payload to msg, judging text as
// it arrives (compressed text is judged once inflated).
func (r *Reader) readPayload() error {
	for r.fr.Remaining() > 0 {
		if len(r.msg) == cap(r.msg) {
			// Grown as octets arrive (fourfold, up to the frame's end), not
			// sized by the header: a header announcing MaxMessage octets
			// that never come costs at most minGrow. At least by a quarter,
			// so that a message in many small frames is not copied at each.
			r.msg = grow(r.msg, max(int(min(r.fr.Remaining(), uint64(max(3*cap(r.msg), minGrow)))), cap(r.msg)/4))
		}
		start := len(r.msg)
		k, err := r.fr.Read(r.msg[start:cap(r.msg)])
		r.msg = r.msg[:start+k]
		if !r.rc.Compressed() {
			if v := r.rc.Data(r.msg[start:]); v != nil {
				return v
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// message ends the message in msg: inflated (RFC 7692 §7.2.2) and judged.
func (r *Reader) message() (Item, error) {
	if r.rc.Compressed() {
		out, err := r.inflater.Decompress(r.inflated[:0], r.msg)
		if err != nil {
			return Item{}, InflateViolation(err)
		}
		r.inflated, r.msg = r.msg[:0], out
		if v := r.rc.Data(r.msg); v != nil {
			return Item{}, v
		}
	}
	return r.end()
}

// end judges the end of the message in msg and returns it.
func (r *Reader) end() (Item, error) {
	if v := r.rc.End(); v != nil {
		return Item{}, v
	}
	it := Item{Opcode: r.rc.Opcode(), Payload: r.msg}
	if cap(r.msg) > keepBufferLimit {
		r.msg = nil
	}
	if cap(r.inflated) > keepBufferLimit {
		r.inflated = nil
	}
	return it, nil
}

// inflateStream inflates the compressed message whose first frame Next
// has just read, pulling its payload frame by frame (messageFrames) and
// judging the output as it comes (inflatedSink), into msg.
func (r *Reader) inflateStream() (Item, error) {
	_, err := r.inflater.DecompressTo((*inflatedSink)(r), (*messageFrames)(r))
	var de *deflate.Error
	switch {
	case errors.As(err, &de):
		return Item{}, InflateViolation(err)
	case err != nil:
		return Item{}, err // the connection's, or a violation found in the frames or the text
	}
	// The DEFLATE data may end (a final block) before the message does;
	// what follows is ignored, as Decompressor.Decompress ignores it.
	if _, err := io.Copy(io.Discard, (*messageFrames)(r)); err != nil {
		return Item{}, err
	}
	return r.end()
}

// messageFrames reads the payload of the current message across its
// frames: the next frame header is read when flate wants more, judged,
// and a control frame in between goes to the handler.
type messageFrames Reader

func (m *messageFrames) Read(p []byte) (int, error) {
	r := (*Reader)(m)
	for r.fr.Remaining() == 0 {
		if r.rc.Final() {
			return 0, io.EOF
		}
		if err := r.nextFragment(); err != nil {
			return 0, err
		}
	}
	n, err := r.fr.Read(p)
	if err == io.EOF { // the end of this frame, not of the message
		err = nil
	}
	return n, err
}

// nextFragment reads frames up to the next data frame of the current
// message, handing control frames to the handler.
func (r *Reader) nextFragment() error {
	for {
		h, err := r.fr.Next()
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // inside a message: flate must not take it for the end
		}
		if err != nil {
			return err
		}
		r.frames++
		r.hdr = h
		kind, v := r.rc.Frame(h)
		switch {
		case v != nil:
			return v
		case kind == Skip:
			continue
		case kind == Control:
			it, err := r.controlFrame(h)
			if err == nil {
				err = r.onControl(it)
			}
			if err != nil {
				return err
			}
			continue
		}
		return nil
	}
}

// inflatedSink appends inflated octets to the message and judges them.
type inflatedSink Reader

func (s *inflatedSink) Write(p []byte) (int, error) {
	r := (*Reader)(s)
	if v := r.rc.Data(p); v != nil {
		return 0, v
	}
	if need := len(r.msg) + len(p); need > cap(r.msg) {
		// Doubling, but never past what the inflater may write (its limit
		// and one octet): a message at the limit costs the limit.
		size := max(need, 2*cap(r.msg))
		if most := r.inflater.Limit() + 1; int64(size) > most && int64(need) <= most {
			size = int(most)
		}
		r.msg = grow(r.msg, size-len(r.msg))
	}
	r.msg = append(r.msg, p...)
	return len(p), nil
}

// grow returns b with room for exactly n more octets. Growing by append
// instead would copy a large buffer more often and overshoot by up to a
// quarter: megabytes for a message near the limit.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	g := make([]byte, len(b), len(b)+n)
	copy(g, b)
	return g
}
