package h2ws

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// readLoop reads the peer's frames until the connection ends, answering
// what HTTP/2 requires at once (SETTINGS ACK, PING ACK, WINDOW_UPDATE for
// the connection) and handing the rest to the streams.
func (c *Conn) readLoop() {
	var err error
	for err == nil {
		var f http2.Frame
		f, err = c.fr.ReadFrame()
		if err != nil {
			var se http2.StreamError
			if errors.As(err, &se) {
				c.trace(fmt.Sprintf("recv frame refused: %v", se))
				c.resetStream(se.StreamID, se.Code, false)
				err = nil
				continue
			}
			break
		}
		err = c.handle(f)
	}
	var ce http2.ConnectionError
	if errors.As(err, &ce) {
		c.trace(fmt.Sprintf("connection error %v: sending GOAWAY", http2.ErrCode(ce)))
		c.writeLocked(func() error { return c.fr.WriteGoAway(c.lastPeer(), http2.ErrCode(ce), nil) }, time.Now().Add(time.Second))
		err = fmt.Errorf("the peer broke HTTP/2 (%v)", http2.ErrCode(ce))
	} else if errors.Is(err, io.EOF) {
		// Not io.EOF itself: a stream's orderly end is END_STREAM, and
		// the connection ending under it is not one (RFC 8441 §6).
		err = errors.New("the peer closed the HTTP/2 connection")
	}
	c.nc.Close()
	c.mu.Lock()
	c.err = err
	for _, s := range c.streams {
		if !s.peerEnded && s.reset == nil {
			s.lost = err
		}
	}
	c.changed()
	c.mu.Unlock()
	close(c.done)
	if c.accept != nil {
		close(c.accept)
	}
}

func (c *Conn) lastPeer() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastPeerID
}

func (c *Conn) handle(f http2.Frame) error {
	switch f := f.(type) {
	case *http2.SettingsFrame:
		return c.onSettings(f)
	case *http2.MetaHeadersFrame:
		return c.onHeaders(f)
	case *http2.DataFrame:
		return c.onData(f)
	case *http2.WindowUpdateFrame:
		return c.onWindowUpdate(f)
	case *http2.RSTStreamFrame:
		c.trace(fmt.Sprintf("recv RST_STREAM stream=%d %v", f.StreamID, f.ErrCode))
		c.mu.Lock()
		if s := c.streams[f.StreamID]; s != nil && s.reset == nil {
			s.reset = &ResetError{Code: f.ErrCode, ByPeer: true}
			c.changed()
		}
		c.mu.Unlock()
	case *http2.PingFrame:
		if f.IsAck() {
			c.trace("recv PING ACK")
			return nil
		}
		c.trace("recv PING")
		return c.writeLocked(func() error { return c.fr.WritePing(true, f.Data) }, time.Time{})
	case *http2.GoAwayFrame:
		c.trace(fmt.Sprintf("recv GOAWAY last-stream=%d %v %q", f.LastStreamID, f.ErrCode, trim(string(f.DebugData()))))
		c.mu.Lock()
		c.goAway = &GoAway{LastStreamID: f.LastStreamID, Code: f.ErrCode, Debug: trim(string(f.DebugData()))}
		for id, s := range c.streams {
			if id > f.LastStreamID && !s.peerEnded && s.reset == nil {
				s.lost = fmt.Errorf("the peer sent GOAWAY (last stream %d, %v) before answering stream %d", f.LastStreamID, f.ErrCode, id)
			}
		}
		c.changed()
		c.mu.Unlock()
	default:
		c.trace(fmt.Sprintf("recv %v stream=%d (ignored)", f.Header().Type, f.Header().StreamID))
	}
	return nil
}

func (c *Conn) onSettings(f *http2.SettingsFrame) error {
	if f.IsAck() {
		c.trace("recv SETTINGS ACK")
		return nil
	}
	var got []http2.Setting
	f.ForeachSetting(func(s http2.Setting) error {
		got = append(got, s)
		return nil
	})
	c.trace("recv SETTINGS " + Settings{got}.String())
	// Recorded before they are judged: a value out of range is a result.
	var invalid error
	for _, s := range got {
		if err := s.Valid(); err != nil && invalid == nil {
			invalid = err
		}
	}
	c.mu.Lock()
	for _, s := range got {
		switch s.ID {
		case http2.SettingInitialWindowSize:
			// RFC 9113 §6.9.2: the change applies to every open stream.
			delta := int64(s.Val) - c.peerWindow
			c.peerWindow = int64(s.Val)
			for _, st := range c.streams {
				st.sendWindow += delta
			}
		case http2.SettingMaxFrameSize:
			c.peerFrame = s.Val
		}
	}
	if len(c.settings.List) < 256 {
		c.settings.List = append(c.settings.List, got...)
	}
	c.settled = true
	c.changed()
	c.mu.Unlock()
	if invalid != nil {
		return invalid
	}
	return c.writeLocked(c.fr.WriteSettingsAck, time.Time{})
}

func (c *Conn) onHeaders(f *http2.MetaHeadersFrame) error {
	id := f.StreamID
	c.trace(fmt.Sprintf("recv HEADERS stream=%d%s %s", id, flagNote(f.StreamEnded()), FormatFields(f.Fields)))
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.streams[id]
	if s == nil {
		if !c.server || id%2 == 0 || id <= c.lastPeerID {
			// A stream we do not know: closed already, or never opened.
			return nil
		}
		c.lastPeerID = id
		if max := c.cfg.MaxStreams; len(c.streams) >= max && max > 0 || max == 0 && len(c.streams) >= defaultMaxStreams {
			// RFC 9113 §5.1.2: over the advertised limit.
			go c.writeLocked(func() error { return c.fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) }, time.Time{})
			return nil
		}
		s = c.newStream(id)
		s.request = f.Fields
		s.responded = true // the request is the peer's headers; nothing to wait for
		s.peerEnded = f.StreamEnded()
		select {
		case c.accept <- s:
		default:
			s.reset = &ResetError{Code: http2.ErrCodeRefusedStream}
			go c.writeLocked(func() error { return c.fr.WriteRSTStream(id, http2.ErrCodeRefusedStream) }, time.Time{})
		}
		c.changed()
		return nil
	}
	if !s.responded {
		status := fieldValue(f.Fields, ":status")
		if len(status) == 3 && status[0] == '1' && !f.StreamEnded() {
			return nil // informational; the response follows
		}
		s.response, s.responded = f.Fields, true
	}
	if f.StreamEnded() {
		s.peerEnded = true
	}
	c.changed()
	return nil
}

func (c *Conn) onData(f *http2.DataFrame) error {
	id, n := f.StreamID, int64(f.Length)
	c.trace(fmt.Sprintf("recv DATA stream=%d len=%d%s", id, len(f.Data()), flagNote(f.StreamEnded())))
	c.mu.Lock()
	s := c.streams[id]
	var refuse http2.ErrCode
	switch {
	case s == nil:
		refuse = http2.ErrCodeStreamClosed
	case s.reset != nil:
		refuse = 0 // we reset it; late frames are expected
	case s.peerEnded:
		refuse = http2.ErrCodeStreamClosed
	case n > s.recvWindow:
		// RFC 9113 §6.9.1: a sender MUST NOT send beyond the window.
		s.flowViolation = true
		refuse = http2.ErrCodeFlowControl
	default:
		s.recvWindow -= n
		if len(s.buf)+len(f.Data()) > maxBuffered {
			refuse = http2.ErrCodeFlowControl
			s.flowViolation = true
			break
		}
		s.buf = append(s.buf, f.Data()...)
		s.dataFrames++
		if f.StreamEnded() {
			s.peerEnded = true
		}
	}
	c.changed()
	c.mu.Unlock()
	if refuse != 0 {
		c.resetStream(id, refuse, false)
	}
	if n > 0 { // the connection window is given back at once: stream windows bound the buffers
		return c.writeLocked(func() error { return c.fr.WriteWindowUpdate(0, uint32(n)) }, time.Time{})
	}
	return nil
}

// defaultMaxStreams is a server's MaxStreams when none is set.
const defaultMaxStreams = 100

// maxBuffered bounds what a stream holds unread, whatever windows say.
const maxBuffered = 1 << 20

func (c *Conn) onWindowUpdate(f *http2.WindowUpdateFrame) error {
	c.trace(fmt.Sprintf("recv WINDOW_UPDATE stream=%d +%d", f.StreamID, f.Increment))
	c.mu.Lock()
	defer c.mu.Unlock()
	if f.StreamID == 0 {
		c.sendWindow += int64(f.Increment)
	} else if s := c.streams[f.StreamID]; s != nil {
		s.sendWindow += int64(f.Increment)
	}
	c.changed()
	return nil
}

// resetStream marks a stream reset by us and sends RST_STREAM.
func (c *Conn) resetStream(id uint32, code http2.ErrCode, quiet bool) {
	c.mu.Lock()
	if s := c.streams[id]; s != nil && s.reset == nil {
		s.reset = &ResetError{Code: code}
		c.changed()
	}
	c.mu.Unlock()
	if !quiet {
		c.trace(fmt.Sprintf("send RST_STREAM stream=%d %v", id, code))
	}
	c.writeLocked(func() error { return c.fr.WriteRSTStream(id, code) }, time.Time{})
}

func flagNote(ended bool) string {
	if ended {
		return " END_STREAM"
	}
	return ""
}

func fieldValue(fs []hpack.HeaderField, name string) string {
	for _, f := range fs {
		if f.Name == name {
			return f.Value
		}
	}
	return ""
}

// FormatFields is a header list on one line, for logs and verdicts.
func FormatFields(fs []hpack.HeaderField) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name + ": " + trim(f.Value))
	}
	return b.String()
}

func trim(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
