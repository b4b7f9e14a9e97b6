package server

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

// keepBufferLimit is the largest message buffer a session keeps between
// messages; a larger one is released so idle connections stay small.
const keepBufferLimit = 1 << 20

// session is one client connection, served by one goroutine: every read
// and every write happens here, so frames go out in the order their causes
// came in (pongs in ping order, echoes in message order).
type session struct {
	cfg  Config
	conn net.Conn
	in   *idleReader
	br   *bufio.Reader
	fr   *frame.Reader
	ext  frame.Extensions // RSV bits the negotiated extensions define
	seq  frame.Sequence
	pmd  *deflate.Codec // permessage-deflate state, nil unless negotiated

	// The data message being received.
	msg     []byte
	msgText bool
	// msgCompressed: RSV1 was set on the message's first frame (RFC 7692
	// §6), so msg holds DEFLATE data until the message is complete.
	msgCompressed bool
	inflated      []byte // spare buffer for inflating msg
	deflated      []byte // scratch for compressed echoes
	utf8          utf8stream.Validator

	control [frame.MaxControlPayload]byte
	out     []byte // scratch for outgoing headers and control frames
}

func newSession(c net.Conn, cfg Config) *session {
	in := &idleReader{conn: c}
	br := bufio.NewReaderSize(in, 4096)
	return &session{cfg: cfg, conn: c, in: in, br: br, fr: frame.NewReaderSize(br, 4096)}
}

func (s *session) run() {
	defer s.conn.Close()
	if !s.openingHandshake() {
		return
	}
	s.in.idle = s.cfg.IdleTimeout
	err := s.serveFrames()
	var v *frame.Violation
	switch {
	case errors.Is(err, errClosed):
	case errors.As(err, &v):
		s.cfg.Logf("server: %s: failing the connection: %v", s.conn.RemoteAddr(), v)
		s.closeHandshake(frame.ClosePayload(v.Code, v.Rule))
	case errors.Is(err, os.ErrDeadlineExceeded): // only reads unwrap to it; see writeError
		s.cfg.Logf("server: %s: idle for %v, closing", s.conn.RemoteAddr(), s.cfg.IdleTimeout)
		s.closeHandshake(frame.ClosePayload(frame.CloseGoingAway, "idle timeout"))
	default:
		// The peer vanished or broke TCP: there is nobody to send a close to.
	}
}

// errClosed ends serveFrames after a completed closing handshake.
var errClosed = errors.New("server: closing handshake done")

// serveFrames reads and answers frames until the connection must end. A
// *frame.Violation means fail the connection with its code.
func (s *session) serveFrames() error {
	for {
		h, err := s.fr.Next()
		if err != nil {
			return err
		}
		skip, v := s.judge(h)
		switch {
		case v != nil:
			return v
		case skip:
			continue // its payload is discarded by the next Next
		case h.Opcode.IsControl():
			err = s.controlFrame(h)
		default:
			err = s.dataFrame(h)
		}
		if err != nil {
			return err
		}
	}
}

// judge applies the per-header rules (frame.Check), the fragmentation rules
// (frame.Sequence) and the size limit, less those Config.Faults waives. A
// frame that only a fault lets through but that has no meaning (a reserved
// opcode, a stray continuation) is to be skipped.
func (s *session) judge(h frame.Header) (skip bool, v *frame.Violation) {
	for _, v := range frame.Check(h, frame.FromClient, s.ext) {
		if !s.cfg.Faults.waived(v.Rule) {
			return false, &v
		}
	}
	limit := uint64(s.cfg.MaxMessageSize)
	switch {
	case h.Opcode.IsReserved():
		return true, nil
	case h.Opcode.IsControl():
		return false, frame.CheckMessageSize(h.Length, limit)
	}
	if v := s.seq.Check(h); v != nil {
		if !s.cfg.Faults.waived(v.Rule) {
			return false, v
		}
		return true, nil
	}
	return false, frame.CheckMessageSize(s.seq.MessageSize(), limit)
}

// idleReader sets a fresh read deadline before every read once idle is
// set, so a peer that stops sending for that long is noticed.
type idleReader struct {
	conn net.Conn
	idle time.Duration
}

func (r *idleReader) Read(p []byte) (int, error) {
	if r.idle > 0 {
		r.conn.SetReadDeadline(time.Now().Add(r.idle))
	}
	return r.conn.Read(p)
}

var _ io.Reader = (*idleReader)(nil)
