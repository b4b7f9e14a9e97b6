package probe

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// Piece says where a frame's octets are cut on the wire: Chop octets per
// write, plus explicit cut points (octet offsets into the whole frame,
// header included) after which Between runs with the frame still open.
type Piece struct {
	Chop int
	Cuts []int
	// Between runs after the octets up to Cuts[i] are written; returning
	// false abandons the rest of the frame (the peer has gone away).
	Between func(i int) bool
	// Unmasked sends the payload without a mask, which §5.1 forbids for
	// clients; set only by cases that test that rule.
	Unmasked bool
	// Force sends even after a close frame went out (cases that test what
	// a peer does with frames after a close); only a closed TCP stops it.
	Force bool
	// Raw frames do not take part in the closing handshake: a close frame
	// sent raw (say, with RSV bits) is just octets to the probe.
	Raw bool
}

// scratchSize bounds the masking buffer: big payloads are masked and written
// through it, never copied whole.
const scratchSize = 64 << 10

// SendFrame writes f to the peer. Unless p.Unmasked, the payload is masked
// with a fresh key; f.Payload is never modified. The frame is written as one
// unit: pongs we owe the peer wait until it is complete.
func (c *Conn) SendFrame(f frame.Frame, p Piece) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.closedLocked() || (c.state.SentClose && !p.Force) {
		c.mu.Unlock()
		return errClosing
	}
	if f.Opcode == frame.OpClose && !p.Raw && !c.state.SentClose {
		c.state.SentClose = true
		if !c.state.ReceivedClose {
			c.state.ClosedByMe = true
		}
		// Recorded before the frame is written: the peer may close TCP as
		// soon as it reads it, and the state must already say what we sent.
		body, _ := frame.ParseClosePayload(f.Payload)
		if body.HasCode {
			c.state.LocalCode = &body.Code
		}
		c.state.LocalReason = string(body.Reason)
	}
	c.inFrame = true
	c.mu.Unlock()
	defer func() { c.mu.Lock(); c.inFrame = false; c.mu.Unlock() }()

	if !p.Unmasked && !f.Header.Masked && !c.server {
		f = f.Masked(NewMaskKey())
	}
	h := f.Header
	h.Length = uint64(len(f.Payload))
	if f.LengthOverride != nil {
		h.Length = *f.LengthOverride
	}
	if !c.Log.bulk() {
		c.Log.Frame(observed.Sent, describe(h, f.Payload))
	}
	head := frame.AppendHeader(make([]byte, 0, frame.MaxHeaderSize), h)
	total := len(head) + len(f.Payload)

	chop := p.Chop
	if chop <= 0 {
		chop = total
	}
	var scratch []byte
	cut := 0
	maskPos := 0
	for off := 0; off < total; {
		end := min(off+chop, total)
		if cut < len(p.Cuts) && p.Cuts[cut] < end && p.Cuts[cut] > off {
			end = p.Cuts[cut]
		}
		// Fill [off,end) from header then masked payload, at most scratchSize at a time.
		for off < end {
			n := min(end-off, scratchSize)
			if scratch == nil {
				scratch = make([]byte, min(scratchSize, total))
			}
			buf := scratch[:n]
			filled := 0
			if off < len(head) {
				filled = copy(buf, head[off:])
			}
			if filled < n {
				start := off + filled - len(head)
				m := copy(buf[filled:], f.Payload[start:start+n-filled])
				if h.Masked {
					maskPos = frame.MaskBytes(h.Mask, maskPos, buf[filled:filled+m])
				}
			}
			if err := c.write(buf); err != nil {
				return err
			}
			off += n
		}
		for cut < len(p.Cuts) && p.Cuts[cut] <= off {
			if p.Between != nil && !p.Between(cut) {
				c.Log.Note(fmt.Sprintf("rest of frame not sent (%d of %d octets written): connection closing", off, total))
				return errClosing
			}
			cut++
		}
	}
	return nil
}

// SendClose starts (or answers) the closing handshake with a close frame
// carrying code and reason (any code, 0 included, is written as given). If
// the peer does not answer within the close timeout, TCP is dropped.
func (c *Conn) SendClose(code frame.CloseCode, reason string) error {
	return c.SendCloseRaw(frame.ClosePayload(code, reason))
}

// SendEmptyClose is SendClose with no status code: an empty close body.
func (c *Conn) SendEmptyClose() error { return c.SendCloseRaw(nil) }

// SendCloseRaw sends a close frame with any payload (cases send invalid
// ones on purpose); SendFrame records the code and reason read back from it.
func (c *Conn) SendCloseRaw(payload []byte) error {
	c.mu.Lock()
	first := !c.state.SentClose
	c.mu.Unlock()
	err := c.SendFrame(frame.New(frame.OpClose, payload), Piece{})
	if err != nil || !first {
		return err
	}
	c.mu.Lock()
	answered := c.state.ReceivedClose
	if !answered {
		c.closeT = time.AfterFunc(c.timeouts.CloseWait, c.closeWaitExpired)
	}
	c.mu.Unlock()
	if answered && c.server {
		c.closeTCPAsServer()
	}
	return nil
}

// Fail fails the connection (§7.1.7): a close frame with code, then TCP.
// Only the first call (or close frame) counts.
func (c *Conn) Fail(code frame.CloseCode, reason string) {
	c.mu.Lock()
	first := !c.state.FailedByMe && !c.state.SentClose
	c.state.FailedByMe = true
	c.mu.Unlock()
	if first {
		c.sendFail(code, reason)
	}
}

// sendFail sends the close frame that fails the connection; the caller has
// set FailedByMe.
func (c *Conn) sendFail(code frame.CloseCode, reason string) {
	c.Log.Note(fmt.Sprintf("failing the connection: %d %s", code, reason))
	c.Log.countOnly()
	if err := c.SendClose(code, reason); err != nil {
		c.Abort()
	}
}

func (c *Conn) closeWaitExpired() {
	c.mu.Lock()
	if c.state.ReceivedClose || c.closedLocked() {
		c.mu.Unlock()
		return
	}
	c.state.CloseTimeout = true
	c.mu.Unlock()
	c.Log.Note("no close frame from the peer within the close timeout: dropping TCP")
	c.Abort()
}

func describe(h frame.Header, payload []byte) string {
	s := h.String()
	if len(payload) > 0 {
		p := payload
		if len(p) > previewLen {
			p = p[:previewLen]
		}
		s += fmt.Sprintf(" payload=%q", p)
		if len(payload) > previewLen {
			s += "…"
		}
	}
	return s
}
