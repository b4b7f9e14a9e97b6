package probe

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
)

// Start begins reading frames from the peer. ext lists the RSV bits the
// negotiated extensions define (none, until compression is negotiated).
func (c *Conn) Start(ext frame.Extensions) {
	c.mu.Lock()
	c.txBase = c.txOctets
	c.mu.Unlock()
	from := frame.FromServer
	if c.server {
		from = frame.FromClient
	}
	go c.readLoop(receive.New(receive.Config{From: from, Extensions: ext, MaxMessage: MaxMessage}))
	go c.pongLoop()
}

// Events returns the events so far.
func (c *Conn) Events() []observed.Event {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events.all()
}

// Done is closed when TCP is gone and the reader has stopped.
func (c *Conn) Done() <-chan struct{} { return c.done }

// State is how the closing went, so far.
func (c *Conn) State() observed.CloseState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Closing reports whether either side has started closing or TCP is gone.
func (c *Conn) Closing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.SentClose || c.state.ReceivedClose || c.closedLocked()
}

// Mark records a script marker event.
func (c *Conn) Mark(tag string) {
	c.Log.Note("timer fired with the connection open: " + tag)
	c.record(observed.Event{Kind: observed.Marker, Tag: tag})
}

// Quiet stops payload previews in the wire log (bulk transfers).
func (c *Conn) Quiet(on bool) { c.Log.SetEnabled(!on) }

func (c *Conn) record(e observed.Event) {
	c.mu.Lock()
	e.At = time.Since(c.Log.start)
	r := recorded{Event: e}
	if e.Kind == observed.Message {
		r.msgNo = c.messages
		c.messages++
	}
	c.events.add(r)
	c.wakeLocked()
	c.mu.Unlock()
}

// MaxShapes bounds the frame headers a connection records (Shapes).
const MaxShapes = 256

// shape records the header of a frame the peer sent.
func (c *Conn) shape(h frame.Header) {
	c.mu.Lock()
	if len(c.shapes) < MaxShapes {
		c.shapes = append(c.shapes, observed.FrameShape{Opcode: h.Opcode, Fin: h.Fin, Rsv: h.Rsv, Length: h.Length})
	} else {
		c.shapesOmitted++
	}
	c.mu.Unlock()
}

// Shapes are the headers of the frames the peer sent, in order (the first
// MaxShapes), and how many more came.
func (c *Conn) Shapes() ([]observed.FrameShape, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]observed.FrameShape(nil), c.shapes...), c.shapesOmitted
}

// MessageCount is how many messages the peer has sent so far.
func (c *Conn) MessageCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.messages
}

// Wake returns a channel closed at the next change: an event, the peer's
// close frame, a rule the peer broke, or the end of the connection. Any
// number of goroutines can wait on it (a script waiting for an echo and the
// case's judge both do). Take the channel before looking at the state, so
// that no change falls between the two.
func (c *Conn) Wake() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wake == nil {
		c.wake = make(chan struct{})
		if c.closedLocked() {
			close(c.wake)
		}
	}
	return c.wake
}

func (c *Conn) wakeLocked() {
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
}

func (c *Conn) readLoop(rc *receive.Receiver) {
	defer c.finish()
	r := frame.NewReader(c.br)
	for {
		h, err := r.Next()
		if err != nil {
			c.lost(err)
			return
		}
		c.shape(h)
		// Every frame the peer sends is checked, also after we failed the
		// connection or started the close; after we failed it only its
		// close frame is read, the rest is skipped (counted by the log).
		failed := c.failedByMe()
		ok, err := c.checkFrame(r, h, rc)
		switch {
		case err != nil || !ok:
		case h.Opcode == frame.OpClose || !failed && h.Opcode.IsControl():
			err = c.control(r, h, rc)
		case failed:
			c.Log.Frame(observed.Received, h.String())
		default: // text or binary: Sequence refused a continuation here
			err = c.receiveMessage(r, h, rc)
		}
		if err != nil {
			c.lost(err)
			return
		}
	}
}

// failedByMe reports whether we have failed the connection, or are about
// to because the peer broke a rule: from then on frames are only read for
// the close reply.
func (c *Conn) failedByMe() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state.FailedByMe || c.state.PeerViolation != ""
}

// peerBroke records a rule the peer broke (the first one is kept) and
// fails the connection, unless we already failed it or sent our close.
func (c *Conn) peerBroke(v frame.Violation) {
	c.mu.Lock()
	if c.state.PeerViolation == "" {
		c.state.PeerViolation, c.state.PeerRule, c.state.PeerSection = violationText(v), v.Rule, v.Section
		c.wakeLocked()
	}
	fail := !c.state.SentClose && !c.state.FailedByMe
	if fail {
		c.state.FailedByMe, c.state.FailedOn = true, violationText(v)
	}
	c.mu.Unlock()
	c.Log.countOnly()
	if fail {
		go c.sendFail(v.Code, "")
	}
}

// dataAfterClose records the first data frame the peer sent after its own
// close frame.
func (c *Conn) dataAfterClose(v frame.Violation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.DataAfterClose == "" {
		c.state.DataAfterClose = violationText(v)
		c.wakeLocked()
	}
}

// violationText is a rule broken, for people: "RFC 6455 §5.4: continuation
// frame with no fragmented message to continue [continuation-without-start]".
func violationText(v frame.Violation) string {
	return fmt.Sprintf("%s: %s [%s]", v.Section, v.Detail, v.Rule)
}

// closeReceived handles the peer's close frame; headerViolation is a rule
// its header broke (checked by the caller).
func (c *Conn) closeReceived(rc *receive.Receiver, payload []byte, headerViolation *frame.Violation) {
	body, v := rc.Close(payload)
	if headerViolation != nil {
		v = headerViolation
	}
	c.mu.Lock()
	if c.state.ReceivedClose {
		c.mu.Unlock()
		return
	}
	c.state.ReceivedClose = true
	if !c.state.SentClose {
		c.txAtRemoteClose = c.txOctets
	}
	if body.HasCode {
		c.state.RemoteCode = &body.Code
	}
	c.state.RemoteReason = string(body.Reason)
	if v != nil {
		c.state.RemoteCloseViolation, c.state.RemoteCloseRule, c.state.RemoteCloseSection = violationText(*v), v.Rule, v.Section
	}
	if c.closeT != nil {
		c.closeT.Stop()
	}
	reply := !c.state.SentClose && !c.state.FailedByMe
	answer := c.state.SentClose // this close answers ours: the handshake is done
	midFrame := c.inFrame
	c.dropT = time.AfterFunc(c.timeouts.DropWait+c.timeouts.CloseWait, c.dropWaitExpired)
	c.wakeLocked()
	c.mu.Unlock()
	if answer && c.server {
		c.closeTCPAsServer()
	}
	switch {
	case v != nil:
		// Whoever closed first, a malformed close frame is a rule broken:
		// recorded, and answered by failing the connection if we have
		// not sent our close yet. Once both close frames are exchanged we
		// wait for the peer to close TCP as usual, so the verdict does not
		// depend on a drop of ours.
		c.peerBroke(*v)
	case reply && midFrame:
		// A close frame cannot be sent inside the frame we are writing; the
		// peer has failed the connection, so we wait for it to drop TCP.
		c.Log.Note("peer closed while our frame was partly sent: no close reply")
	case reply && body.HasCode:
		// §5.5.1: the endpoint that receives a close answers with a close,
		// typically echoing the status code it received.
		go c.SendClose(body.Code, "")
	case reply:
		go c.SendEmptyClose()
	}
}

func (c *Conn) dropWaitExpired() {
	c.mu.Lock()
	if c.closedLocked() {
		c.mu.Unlock()
		return
	}
	c.state.DropTimeout = true
	c.mu.Unlock()
	c.Log.Note("the target did not close TCP after the closing handshake: dropping it")
	c.Abort()
}

func (c *Conn) pongLoop() {
	for {
		select {
		case <-c.done:
			return
		case p := <-c.pongs:
			if err := c.SendFrame(frame.New(frame.OpPong, p), Piece{}); err != nil && !IsClosing(err) {
				c.Log.Note("pong not sent: " + err.Error())
			}
		}
	}
}

func (c *Conn) lost(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case errors.Is(err, io.EOF):
	case c.state.DroppedByMe:
	case c.state.HandshakeDone() && errors.Is(err, syscall.ECONNRESET):
		// A peer that closes its socket with our later octets unread (we
		// sent frames after our close, 7.1.2-7.1.5) makes its kernel send
		// RST. The closing handshake is complete by then, so the close is
		// clean (as in Autobahn); the reset is only noted.
		c.Log.Note("TCP reset by the target after the closing handshake (it closed its socket with octets of ours unread): still a clean close")
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.state.TCPError = "deadline exceeded"
	default:
		c.state.TCPError = err.Error()
	}
}

// finish records the end of TCP and works out whether the close was clean.
func (c *Conn) finish() {
	c.nc.Close()
	c.stopCtx()
	c.mu.Lock()
	if c.closeT != nil {
		c.closeT.Stop()
	}
	if c.dropT != nil {
		c.dropT.Stop()
	}
	s := &c.state
	s.ClosedAt = time.Since(c.Log.start)
	switch {
	case s.Abandoned != "":
		s.NotCleanReason = "we gave up at our case deadline " + s.Abandoned
	case !s.SentClose && !s.ReceivedClose:
		s.NotCleanReason = "TCP ended without a closing handshake"
	case !s.ReceivedClose:
		s.NotCleanReason = s.Peer() + " never answered our close frame"
	case !s.SentClose:
		s.NotCleanReason = "we did not send a close frame (peer closed while our frame was in flight)"
	case s.IsServer && s.TCPError == "":
		// Our TCP close after the handshake (or the client's, which
		// §7.1.1 allows) ends it cleanly.
		s.Clean = true
	case s.DropTimeout:
		s.NotCleanReason = s.Peer() + " did not close TCP after the closing handshake"
	case s.DroppedByMe:
		s.NotCleanReason = "we dropped TCP"
	case s.TCPError != "":
		s.NotCleanReason = "TCP error: " + s.TCPError
	default:
		s.Clean = true
	}
	switch {
	case c.h2 != nil && s.DroppedByMe:
		c.Log.Note("HTTP/2 stream and connection closed by me (over HTTP/2, \"TCP\" in this case's verdicts is the stream: RFC 8441 §6 maps END_STREAM to FIN, RST_STREAM to RST)")
	case c.h2 != nil:
		c.Log.Note("HTTP/2 stream ended by peer (over HTTP/2, \"TCP\" in this case's verdicts is the stream: RFC 8441 §6 maps END_STREAM to FIN, RST_STREAM to RST)")
	case s.DroppedByMe:
		c.Log.Note("TCP dropped by me")
	default:
		c.Log.Note("TCP dropped by peer")
	}
	c.wakeLocked()
	c.mu.Unlock()
	close(c.done)
}
