package server

import (
	"errors"
	"time"

	"github.com/wsconform/wsconform/reference/handshake"
)

// openingHandshake reads and judges the client's request (§4.2.1) and
// answers it. It reports whether the connection is now a WebSocket.
func (s *session) openingHandshake() bool {
	s.conn.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	if s.cfg.Faults.HandshakeDeadlinePerRead {
		s.in.idle = s.cfg.HandshakeTimeout
	}
	req, err := handshake.ReadRequest(s.br)
	s.in.idle = 0
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
	ext, extFields, pmd := negotiateExtensions(req, s.cfg)
	if err := s.startDeflate(pmd); err != nil {
		s.reject(500, nil)
		return false
	}
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
