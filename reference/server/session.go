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
	"github.com/wsconform/wsconform/reference/receive"
)

// keepBufferLimit is the largest echo buffer a session keeps between
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
	pmd  *deflate.Codec   // permessage-deflate state, nil unless negotiated
	rd   *receive.Reader

	deflated []byte // scratch for compressed echoes
	out      []byte // scratch for outgoing headers and control frames
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
	s.serve()
}

// runUpgraded serves a connection whose opening handshake happened
// elsewhere (an HTTP/2 stream accepted by an extended CONNECT).
func (s *session) runUpgraded() {
	defer s.conn.Close()
	s.serve()
}

// serve runs the WebSocket once the opening handshake is done.
func (s *session) serve() {
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

// serveFrames reads and answers messages and control frames until the
// connection must end. A *frame.Violation means fail the connection with
// its code.
func (s *session) serveFrames() error {
	s.rd = receive.NewReader(s.fr, s.receiveConfig(), s.inflater())
	// Control frames are answered as they arrive, also between the
	// fragments of a compressed message that is being inflated.
	s.rd.HandleControl(s.controlFrame)
	for {
		it, err := s.rd.Next()
		if err != nil {
			return err
		}
		if err := s.writeMessage(it.Opcode, it.Payload); err != nil {
			return err
		}
	}
}

// receiveConfig is the receiving side of the protocol for this session:
// masked client frames, the negotiated extensions, MaxMessageSize, less
// the rules Config.Faults waives.
func (s *session) receiveConfig() receive.Config {
	cfg := receive.Config{
		From:       frame.FromClient,
		Extensions: s.ext,
		MaxMessage: uint64(s.cfg.MaxMessageSize),
		Waive:      s.cfg.Faults.waived,
		TextAtEnd:  s.cfg.Faults.NoFailFastUTF8,
	}
	if s.cfg.Faults.LimitFramesOnly {
		cfg.MaxMessage, cfg.MaxFrame = receive.Unlimited, uint64(s.cfg.MaxMessageSize)
	}
	return cfg
}

func (s *session) inflater() *deflate.Decompressor {
	if s.pmd == nil {
		return nil
	}
	return s.pmd.In
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
