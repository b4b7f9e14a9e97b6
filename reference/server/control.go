package server

import (
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
)

// controlFrame answers a ping, ignores a pong and completes the closing
// handshake on a close (then returns errClosed).
func (s *session) controlFrame(it receive.Item) error {
	switch it.Opcode {
	case frame.OpPing:
		// §5.5.2: "Upon receipt of a Ping frame, an endpoint MUST send a Pong
		// frame in response ... the Pong frame sent in response to a Ping
		// frame must have identical "Application data" as found in the
		// message body of the Ping frame being replied to."
		if s.cfg.Faults.IgnorePing {
			return nil
		}
		return s.writeFrame(frame.OpPong, it.Payload)
	case frame.OpClose:
		s.closeReceived(it.Close, it.Payload)
		return errClosed
	}
	// §5.5.3: "A response to an unsolicited Pong frame is not expected."
	return nil
}

// closeReceived answers a client's close frame (judged by the receiver).
func (s *session) closeReceived(body frame.CloseBody, p []byte) {
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
}
