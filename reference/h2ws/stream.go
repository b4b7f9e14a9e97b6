package h2ws

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// ResetError is a stream ended by RST_STREAM. RFC 8441 §6: RST_STREAM
// stands for TCP's RST, so it also reads as syscall.ECONNRESET.
type ResetError struct {
	Code   http2.ErrCode
	ByPeer bool
}

func (e *ResetError) Error() string {
	if e.ByPeer {
		return fmt.Sprintf("the peer reset the stream (RST_STREAM %v)", e.Code)
	}
	return fmt.Sprintf("stream reset by us (RST_STREAM %v)", e.Code)
}

func (e *ResetError) Is(target error) bool { return target == syscall.ECONNRESET }

// Stream is one HTTP/2 stream carrying a WebSocket: a net.Conn whose
// octets travel in DATA frames. END_STREAM is its FIN (Read returns
// io.EOF, CloseWrite sends it), RST_STREAM its RST (RFC 8441 §6).
type Stream struct {
	c  *Conn
	id uint32

	// Guarded by c.mu.
	request       []hpack.HeaderField
	response      []hpack.HeaderField
	responded     bool
	buf           []byte
	peerEnded     bool
	weEnded       bool
	reset         *ResetError
	lost          error // the connection ended under the stream
	sendWindow    int64
	recvWindow    int64
	unacked       int64 // consumed but not yet given back with WINDOW_UPDATE
	dataFrames    int
	flowViolation bool
	readDL        time.Time
	writeDL       time.Time
	owner         bool // closing the stream closes the connection
}

// newStream registers stream id; the caller holds mu.
func (c *Conn) newStream(id uint32) *Stream {
	s := &Stream{c: c, id: id, sendWindow: c.peerWindow, recvWindow: c.ourWindow()}
	c.streams[id] = s
	return s
}

// ourWindow is the initial stream window we advertised.
func (c *Conn) ourWindow() int64 {
	v, ok := Settings{c.cfg.Settings}.Value(http2.SettingInitialWindowSize)
	if !ok {
		return DefaultWindow
	}
	return int64(v)
}

// Open sends a HEADERS frame (with CONTINUATION frames as needed) opening
// the next client stream, with fields exactly as given, in order: a
// request RFC 8441 allows, or one it does not.
func (c *Conn) Open(fields []hpack.HeaderField, endStream bool) (*Stream, error) {
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return nil, c.err
	}
	id := c.nextID
	c.nextID += 2
	s := c.newStream(id)
	s.request = fields
	s.weEnded = endStream
	c.mu.Unlock()
	c.trace(fmt.Sprintf("send HEADERS stream=%d%s %s", id, flagNote(endStream), FormatFields(fields)))
	if err := c.writeHeaders(id, fields, endStream, time.Time{}); err != nil {
		return nil, fmt.Errorf("sending HEADERS: %w", err)
	}
	return s, nil
}

// writeHeaders encodes fields and sends them as one header block.
func (c *Conn) writeHeaders(id uint32, fields []hpack.HeaderField, endStream bool, deadline time.Time) error {
	return c.writeLocked(func() error {
		c.hbuf.Reset()
		for _, f := range fields {
			c.henc.WriteField(f)
		}
		block := c.hbuf.Bytes()
		c.mu.Lock()
		max := int(c.peerFrame)
		c.mu.Unlock()
		first := block[:min(len(block), max)]
		block = block[len(first):]
		err := c.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: endStream, EndHeaders: len(block) == 0})
		for err == nil && len(block) > 0 {
			n := min(len(block), max)
			err = c.fr.WriteContinuation(id, n == len(block), block[:n])
			block = block[n:]
		}
		return err
	}, deadline)
}

// Accept returns the next stream a client opened (server side), or an
// error once the connection has ended.
func (c *Conn) Accept() (*Stream, error) {
	s, ok := <-c.accept
	if !ok {
		return nil, c.Err()
	}
	return s, nil
}

// ID is the stream's identifier.
func (s *Stream) ID() uint32 { return s.id }

// Request is the header list that opened the stream.
func (s *Stream) Request() []hpack.HeaderField {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.request
}

// Response waits (until deadline) for the peer's response header list. A
// stream reset, or ended, before any response is an error.
func (s *Stream) Response(deadline time.Time) ([]hpack.HeaderField, error) {
	c := s.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for !s.responded {
		switch {
		case s.reset != nil:
			return nil, s.reset
		case s.lost != nil:
			return nil, s.lost
		}
		if !c.wait(deadline) {
			return nil, fmt.Errorf("no response HEADERS: %w", os.ErrDeadlineExceeded)
		}
	}
	return s.response, nil
}

// Respond sends the response header list (server side).
func (s *Stream) Respond(fields []hpack.HeaderField, endStream bool) error {
	s.c.mu.Lock()
	s.weEnded = s.weEnded || endStream
	dl := s.writeDL
	s.c.mu.Unlock()
	s.c.trace(fmt.Sprintf("send HEADERS stream=%d%s %s", s.id, flagNote(endStream), FormatFields(fields)))
	return s.c.writeHeaders(s.id, fields, endStream, dl)
}

// Read reads DATA payload; io.EOF after END_STREAM, a *ResetError after
// RST_STREAM, os.ErrDeadlineExceeded at the read deadline.
func (s *Stream) Read(p []byte) (int, error) {
	c := s.c
	c.mu.Lock()
	for len(s.buf) == 0 {
		err := s.readEnd()
		if err == nil && !s.readDL.IsZero() && !time.Now().Before(s.readDL) {
			err = os.ErrDeadlineExceeded
		}
		if err != nil {
			c.mu.Unlock()
			return 0, err
		}
		c.wait(s.readDL)
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	if len(s.buf) == 0 {
		s.buf = nil
	}
	s.unacked += int64(n)
	var give int64
	if !s.peerEnded && s.reset == nil && !c.cfg.WithholdStreamCredit && (s.unacked >= c.ourWindow()/4 || len(s.buf) == 0) {
		give, s.unacked = s.unacked, 0
		s.recvWindow += give
	}
	c.mu.Unlock()
	if give > 0 {
		c.writeLocked(func() error { return c.fr.WriteWindowUpdate(s.id, uint32(give)) }, time.Time{})
	}
	return n, nil
}

// readEnd is why nothing more can be read, nil if more may come; the
// caller holds mu.
func (s *Stream) readEnd() error {
	switch {
	case s.reset != nil:
		return s.reset
	case s.peerEnded:
		return io.EOF
	case s.lost != nil:
		return s.lost
	}
	return nil
}

// Write sends p in DATA frames, as the flow-control windows (RFC 9113
// §6.9) and the peer's SETTINGS_MAX_FRAME_SIZE allow, waiting for
// WINDOW_UPDATE until the write deadline.
func (s *Stream) Write(p []byte) (int, error) {
	c := s.c
	written := 0
	for len(p) > 0 {
		c.mu.Lock()
		var n int64
		for {
			if err := s.writeEnd(); err != nil {
				c.mu.Unlock()
				return written, err
			}
			n = min(int64(len(p)), s.sendWindow, c.sendWindow, int64(c.peerFrame))
			if n > 0 {
				break
			}
			if !s.writeDL.IsZero() && !time.Now().Before(s.writeDL) || !c.wait(s.writeDL) {
				c.mu.Unlock()
				return written, fmt.Errorf("waiting for WINDOW_UPDATE (stream window %d, connection window %d): %w", s.sendWindow, c.sendWindow, os.ErrDeadlineExceeded)
			}
		}
		s.sendWindow -= n
		c.sendWindow -= n
		dl := s.writeDL
		c.mu.Unlock()
		chunk := p[:n]
		if err := c.writeLocked(func() error { return c.fr.WriteData(s.id, false, chunk) }, dl); err != nil {
			return written, err
		}
		written += int(n)
		p = p[n:]
	}
	return written, nil
}

// writeEnd is why nothing more can be written; the caller holds mu.
func (s *Stream) writeEnd() error {
	switch {
	case s.reset != nil:
		return s.reset
	case s.weEnded:
		return errors.New("write after END_STREAM")
	case s.lost != nil:
		return s.lost
	}
	return nil
}

// CloseWrite ends our side of the stream with END_STREAM (an empty DATA
// frame): the stream's FIN.
func (s *Stream) CloseWrite() error {
	c := s.c
	c.mu.Lock()
	if s.weEnded || s.reset != nil {
		c.mu.Unlock()
		return nil
	}
	s.weEnded = true
	c.changed()
	c.mu.Unlock()
	c.trace(fmt.Sprintf("send DATA stream=%d len=0 END_STREAM", s.id))
	return c.writeLocked(func() error { return c.fr.WriteData(s.id, true, nil) }, time.Time{})
}

// Reset ends the stream with RST_STREAM and code.
func (s *Stream) Reset(code http2.ErrCode) {
	s.c.resetStream(s.id, code, false)
}

// Close ends the stream: END_STREAM if we had not sent it, and RST_STREAM
// (CANCEL) when the peer had not ended its side, as closing a socket with
// the peer still sending resets TCP. A stream opened by Dial closes its
// connection too.
func (s *Stream) Close() error {
	c := s.c
	c.mu.Lock()
	peerOpen := !s.peerEnded && s.reset == nil && s.lost == nil
	c.mu.Unlock()
	s.CloseWrite()
	if peerOpen {
		s.Reset(http2.ErrCodeCancel)
	}
	c.mu.Lock()
	delete(c.streams, s.id)
	owner := s.owner
	c.changed()
	c.mu.Unlock()
	if owner {
		c.Close()
	}
	return nil
}

// Ended reports how the peer ended the stream so far: END_STREAM seen,
// RST_STREAM seen (nil if none).
func (s *Stream) Ended() (endStream bool, reset *ResetError) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	r := s.reset
	if r != nil && !r.ByPeer {
		r = nil
	}
	return s.peerEnded, r
}

// FlowViolation reports whether the peer sent DATA beyond the window we
// gave it (RFC 9113 §6.9.1).
func (s *Stream) FlowViolation() bool {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	return s.flowViolation
}

// Conn is the HTTP/2 connection the stream belongs to.
func (s *Stream) Conn() *Conn { return s.c }

func (s *Stream) LocalAddr() net.Addr  { return s.c.nc.LocalAddr() }
func (s *Stream) RemoteAddr() net.Addr { return s.c.nc.RemoteAddr() }

func (s *Stream) SetDeadline(t time.Time) error      { return s.setDeadlines(t, true, true) }
func (s *Stream) SetReadDeadline(t time.Time) error  { return s.setDeadlines(t, true, false) }
func (s *Stream) SetWriteDeadline(t time.Time) error { return s.setDeadlines(t, false, true) }

// setDeadlines sets the read and/or write deadline and wakes the waiters,
// which recompute their timers.
func (s *Stream) setDeadlines(t time.Time, read, write bool) error {
	s.c.mu.Lock()
	if read {
		s.readDL = t
	}
	if write {
		s.writeDL = t
	}
	s.c.changed()
	s.c.mu.Unlock()
	return nil
}

var _ net.Conn = (*Stream)(nil)

// OwnConn makes the stream the owner of its connection: closing the
// stream closes the connection (one WebSocket per HTTP/2 connection).
func (s *Stream) OwnConn() {
	s.c.mu.Lock()
	s.owner = true
	s.c.mu.Unlock()
}
