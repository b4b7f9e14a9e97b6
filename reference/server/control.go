package server

import (
	"io"

	"github.com/wsconform/wsconform/reference/frame"
)

// controlFrame answers a ping, ignores a pong and completes the closing
// handshake on a close (then returns errClosed).
func (s *session) controlFrame(h frame.Header) error {
	p := s.control[:]
	if h.Length > uint64(len(p)) { // only with Faults.AcceptLongControl
		p = make([]byte, h.Length)
	}
	p = p[:h.Length]
	if _, err := io.ReadFull(s.fr, p); err != nil {
		return err
	}
	switch h.Opcode {
	case frame.OpPing:
		// §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong
		// frame in response ... the Pong frame sent in response to a Ping
		// frame must have identical "Application data" as found in the
		// message body of the Ping frame being replied to."
		if s.cfg.Faults.IgnorePing {
			return nil
		}
		return s.writeFrame(frame.OpPong, p)
	case frame.OpClose:
		return s.closeReceived(p)
	}
	// §5.5.3: "A response to an unsolicited Pong frame is not expected."
	return nil
}

// closeReceived answers a client's close frame.
func (s *session) closeReceived(p []byte) error {
	body, v := frame.ParseClosePayload(p)
	if v != nil && !s.cfg.Faults.waived(v.Rule) {
		return v
	}
	// §5.5.1: "When sending a Close frame in response, the endpoint
	// typically echos the status code it received." No code in, no code
	// out; a malformed body or a code that may not be on the wire (let
	// through only by Faults.SkipCloseCodeValidation) is answered with 1000.
	var reply []byte
	switch {
	case body.HasCode && body.Code.ValidOnWire():
		reply = frame.ClosePayload(body.Code, "")
	case len(p) > 0:
		reply = frame.ClosePayload(frame.CloseNormal, "")
	}
	s.closeHandshake(reply)
	return errClosed
}
