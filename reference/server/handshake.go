package server

import (
	"errors"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// openingHandshake reads and judges the client's request (§4.2.1) and
// answers it. It reports whether the connection is now a WebSocket.
func (s *session) openingHandshake() bool {
	s.conn.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	req, err := handshake.ReadRequest(s.br)
	if err != nil {
		switch {
		case errors.Is(err, handshake.ErrHeaderTooLarge):
			s.reject(431, nil)
		case errors.Is(err, handshake.ErrMalformed):
			s.reject(400, nil)
		}
		return false
	}
	status, fields, vs := handshake.ValidateRequest(req)
	if status != 101 {
		for _, v := range vs {
			s.cfg.Logf("server: %s: opening handshake: %v", s.conn.RemoteAddr(), v)
		}
		s.reject(status, fields)
		return false
	}
	ext, extFields := negotiateExtensions(req)
	s.ext = ext
	fields = append(fields, extFields...)
	if _, err := s.conn.Write(handshake.BuildServerResponse(101, fields)); err != nil {
		return false
	}
	s.conn.SetDeadline(time.Time{})
	return true
}

// reject answers a failed handshake with status and ends the connection.
// §4.2.1: "If the server, while reading the handshake, finds that the client
// did not send a handshake that matches the description below ..., the
// server MUST stop processing the client's handshake and return an HTTP
// response with an appropriate error code (such as 400 Bad Request)."
func (s *session) reject(status int, fields []handshake.Field) {
	if _, err := s.conn.Write(handshake.BuildServerResponse(status, fields)); err != nil {
		return
	}
	s.lingeringClose()
}

// negotiateExtensions picks the extensions to use and the response fields
// that announce them. The reference server negotiates none: an offer is
// declined by leaving Sec-WebSocket-Extensions out of the response (§9.1),
// and every RSV bit stays a protocol error.
//
// permessage-deflate (RFC 7692) plugs in here: choose an offer from
// req.Values("Sec-WebSocket-Extensions") with reference/deflate, return
// frame.PerMessageDeflate with the accepted Sec-WebSocket-Extensions field,
// and inflate/deflate RSV1 messages in dataFrame/writeFrame.
//
// Subprotocols are likewise never selected (§4.2.2 item 5.4 lets a server
// answer without Sec-WebSocket-Protocol).
func negotiateExtensions(req *handshake.Request) (frame.Extensions, []handshake.Field) {
	return frame.Extensions{}, nil
}
