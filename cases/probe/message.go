package probe

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
)

// A message from the target is never held whole: its data (inflated, if
// compressed) streams through a messageSink, which checks text as it
// arrives and keeps what the record needs. A receiving connection costs a
// fixed amount of memory, whatever the message size the target announces
// or inflates to.

// chunkSize is how much payload the reader moves at a time.
const chunkSize = 32 << 10

// messageSink takes a message's data as it arrives: it counts it, has the
// receiver check text as UTF-8 (§8.1), and keeps it whole up to
// MaxKeptPayload octets; past that it keeps the first octets and a running
// SHA-256.
type messageSink struct {
	size    int
	keep    []byte // the message so far, or its first previewLen octets once hashing
	hashing bool
	hash    hash.Hash
	rc      *receive.Receiver // judges the data as it arrives
}

func (s *messageSink) reset(rc *receive.Receiver) {
	s.rc, s.size, s.keep, s.hashing = rc, 0, s.keep[:0], false
}

// Write takes the next piece of data; a *frame.Violation error means the
// text is not UTF-8.
func (s *messageSink) Write(p []byte) (int, error) {
	if v := s.rc.Data(p); v != nil {
		return 0, v
	}
	s.size += len(p)
	switch {
	case s.hashing:
		s.hash.Write(p)
	case len(s.keep)+len(p) <= MaxKeptPayload:
		s.keep = append(s.keep, p...)
	default:
		if s.hash == nil {
			s.hash = sha256.New()
		}
		s.hash.Reset()
		s.hash.Write(s.keep)
		s.hash.Write(p)
		if len(s.keep) < previewLen {
			s.keep = append(s.keep, p[:previewLen-len(s.keep)]...)
		}
		s.keep, s.hashing = s.keep[:previewLen], true
	}
	return len(p), nil
}

// finish ends the message: a text message must not end inside a code point.
func (s *messageSink) finish() *frame.Violation { return s.rc.End() }

// event is the message as the record keeps it (l decides whether a
// payload of up to MaxKeptPayload octets is kept whole).
func (s *messageSink) event(binary bool, l *eventLog) observed.Event {
	e := observed.Event{Kind: observed.Message, Binary: binary}
	if s.hashing {
		e.Payload = append([]byte(nil), s.keep...)
		e.Digest = &observed.Digest{Size: s.size}
		s.hash.Sum(e.Digest.SHA256[:0])
		return e
	}
	e.Payload, e.Digest = l.keepPayload(s.keep)
	return e
}

// errAbandoned ends a message whose rest will not be read as a message:
// a frame in it broke a rule, or we failed the connection meanwhile.
var errAbandoned = errors.New("probe: message abandoned")

// messageSource reads one message's payload across its frames, handling
// the control frames the target puts between them (§5.4 allows them).
type messageSource struct {
	c       *Conn
	r       *frame.Reader
	rc      *receive.Receiver
	h       frame.Header // the current frame
	logged  bool         // the current frame is in the wire log
	preview []byte       // its first payload octets, for the wire log
	wire    int64        // payload octets read, all frames
	err     error        // the connection's read error: the read loop ends
}

func (s *messageSource) Read(p []byte) (int, error) {
	for s.r.Remaining() == 0 {
		s.logFrame()
		if s.h.Fin {
			return 0, io.EOF
		}
		if !s.next() {
			if s.err != nil {
				return 0, s.err
			}
			return 0, errAbandoned
		}
	}
	n, err := s.r.Read(p)
	if len(s.preview) < previewLen {
		s.preview = append(s.preview, p[:min(n, previewLen-len(s.preview))]...)
	}
	s.wire += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
		return n, err
	}
	return n, nil
}

func (s *messageSource) logFrame() {
	if !s.logged {
		s.logged = true
		if !s.c.Log.bulk() { // describing costs more than logging it when off
			s.c.Log.Frame(observed.Received, describePreview(s.h, s.preview))
		}
	}
}

// next reads up to the message's next frame, answering control frames on
// the way; false if there is none to read (see err).
func (s *messageSource) next() bool {
	for {
		if s.c.failedByMe() {
			return false
		}
		h, err := s.r.Next()
		if err != nil {
			s.err = err
			return false
		}
		s.c.shape(h)
		ok, err := s.c.checkFrame(s.r, h, s.rc)
		if err == nil && ok && h.Opcode.IsControl() {
			err = s.c.control(s.r, h, s.rc)
		}
		if err != nil {
			s.err = err
			return false
		}
		if !ok {
			return false
		}
		if h.Opcode.IsControl() {
			continue
		}
		// A continuation: the receiver refused anything else.
		s.h, s.logged, s.preview = h, false, s.preview[:0]
		return true
	}
}

// receiveMessage reads the message whose first frame is h (accepted) and
// records it, or fails the connection if it breaks a rule. An error means
// the connection is gone.
func (c *Conn) receiveMessage(r *frame.Reader, h frame.Header, rc *receive.Receiver) error {
	src := &c.src
	*src = messageSource{c: c, r: r, rc: rc, h: h, preview: src.preview[:0]}
	sink := &c.sink
	sink.reset(rc)
	var err error
	var inflated int64
	compressed := c.compressedStart(rc)
	if compressed {
		inflated, err = c.deflate.codec.In.DecompressTo(sink, src)
		if err == nil {
			// DEFLATE data can end (a final block) before the payload
			// does; what follows is not part of the message.
			err = c.discard(src)
		}
	} else {
		err = c.copyMessage(sink, src)
	}
	switch {
	case src.err != nil:
		return src.err
	case errors.Is(err, errAbandoned):
		return nil
	case err != nil:
		var v *frame.Violation
		if !errors.As(err, &v) {
			v = receive.InflateViolation(err)
		}
		c.peerBroke(*v)
		return nil
	}
	if v := sink.finish(); v != nil {
		c.peerBroke(*v)
		return nil
	}
	if compressed {
		c.deflate.mu.Lock()
		c.deflate.inWire += src.wire
		c.deflate.inInflated += inflated
		c.deflate.mu.Unlock()
	}
	c.mu.Lock()
	e := sink.event(h.Opcode == frame.OpBinary, &c.events)
	c.mu.Unlock()
	c.record(e)
	return nil
}

func (c *Conn) copyMessage(w io.Writer, src *messageSource) error {
	if c.chunk == nil {
		c.chunk = make([]byte, chunkSize)
	}
	for {
		n, err := src.Read(c.chunk)
		if n > 0 {
			if _, werr := w.Write(c.chunk[:n]); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (c *Conn) discard(src *messageSource) error {
	return c.copyMessage(io.Discard, src)
}

// checkFrame has the receiver judge a frame header from the target,
// whatever state the connection is in (a close reply is judged like any
// other frame). A broken rule is recorded and fails the connection; a
// close frame that breaks one is still the target's close, read and
// judged with its header's fault. ok=false: the frame is done with.
func (c *Conn) checkFrame(r *frame.Reader, h frame.Header, rc *receive.Receiver) (ok bool, err error) {
	_, v := rc.Frame(h)
	if v == nil {
		return true, nil
	}
	c.Log.Frame(observed.Received, h.String())
	if v.Rule == frame.RuleDataAfterClose {
		// The closing handshake is under way (the target started it or
		// answered ours): recorded and skipped, the close goes on as it
		// would have.
		c.dataAfterClose(*v)
		return false, nil
	}
	c.peerBroke(*v)
	if h.Opcode == frame.OpClose {
		return false, c.readClose(r, h, rc, v)
	}
	return false, nil
}

// control reads and answers an accepted control frame (Check has bounded
// its payload to 125 octets).
func (c *Conn) control(r *frame.Reader, h frame.Header, rc *receive.Receiver) error {
	if h.Opcode == frame.OpClose {
		return c.readClose(r, h, rc, nil)
	}
	var buf [125]byte
	payload := buf[:h.Length]
	if _, err := io.ReadFull(r, payload); err != nil {
		return err
	}
	if !c.Log.bulk() {
		c.Log.Frame(observed.Received, describe(h, payload))
	}
	c.mu.Lock()
	p, _ := c.events.keepPayload(payload)
	c.mu.Unlock()
	switch h.Opcode {
	case frame.OpPing:
		c.record(observed.Event{Kind: observed.Ping, Payload: p})
		select {
		case c.pongs <- p:
		default: // a peer flooding pings gets fewer pongs; §5.5.3 allows answering only the latest
		}
	case frame.OpPong:
		c.record(observed.Event{Kind: observed.Pong, Payload: p})
	}
	return nil
}

// readClose reads the target's close frame, at most 125 octets of it (a
// longer one broke §5.5, headerViolation says so; the rest is skipped),
// and hands it to the closing handshake. The first close frame is logged
// even after we failed the connection: it is the closing handshake.
func (c *Conn) readClose(r *frame.Reader, h frame.Header, rc *receive.Receiver, headerViolation *frame.Violation) error {
	var buf [125]byte
	payload := buf[:min(h.Length, uint64(len(buf)))]
	if _, err := io.ReadFull(r, payload); err != nil {
		return err
	}
	c.mu.Lock()
	first := !c.state.ReceivedClose
	c.mu.Unlock()
	if first && c.Log != nil {
		c.Log.add(observed.Entry{Dir: observed.Received, Frame: describePreview(h, payload)}, true)
	} else {
		c.Log.Frame(observed.Received, h.String())
	}
	c.closeReceived(rc, payload, headerViolation)
	return nil
}

// describePreview is describe for a frame of which only the first octets
// of the payload are at hand.
func describePreview(h frame.Header, prefix []byte) string {
	s := h.String()
	if len(prefix) > 0 {
		s += fmt.Sprintf(" payload=%q", prefix[:min(len(prefix), previewLen)])
		if h.Length > uint64(min(len(prefix), previewLen)) {
			s += "…"
		}
	}
	return s
}
