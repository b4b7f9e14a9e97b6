package server

import (
	"io"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// closeHandshake sends a close frame with payload and ends the TCP
// connection from the server side first.
//
// §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be
// closed first by the server". Closing outright while the client's last
// frames are still unread would make the kernel answer with a reset, and
// the client would see an unclean close; so the server shuts its sending
// side (FIN), then reads and discards until the client closes too or
// CloseTimeout passes. The caller closes the socket.
func (s *session) closeHandshake(payload []byte) {
	if err := s.writeFrame(frame.OpClose, payload); err != nil {
		return
	}
	s.lingeringClose()
}

// lingeringClose shuts the sending side and drains until the peer's FIN.
func (s *session) lingeringClose() {
	if cw, ok := s.conn.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	s.in.idle = 0
	s.conn.SetReadDeadline(time.Now().Add(s.cfg.CloseTimeout))
	io.Copy(io.Discard, s.br)
}

// smallFrame is the largest payload copied next to its header for a single
// write; larger payloads go out with writev, uncopied.
const smallFrame = 4096

// writeFrame sends one final, unmasked frame (§5.1: "A server MUST NOT mask
// any frames that it sends to the client").
func (s *session) writeFrame(op frame.Opcode, payload []byte) error {
	return s.writeFrameRSV(op, 0, payload)
}

// writeFrameRSV is writeFrame with RSV bits (RSV1 on a compressed message).
func (s *session) writeFrameRSV(op frame.Opcode, rsv uint8, payload []byte) error {
	s.out = frame.AppendHeader(s.out[:0], frame.Header{Fin: true, Rsv: rsv, Opcode: op, Length: uint64(len(payload))})
	if len(payload) <= smallFrame {
		s.out = append(s.out, payload...)
		return s.write(s.out)
	}
	if err := s.write(s.out); err != nil {
		return err
	}
	// Each piece gets WriteTimeout: a slow reader is fine, one that has
	// stopped reading is dropped.
	for len(payload) > 0 {
		n := min(len(payload), writePiece)
		if err := s.write(payload[:n]); err != nil {
			return err
		}
		payload = payload[n:]
	}
	return nil
}

// writePiece is how much of a large frame is written under one deadline.
const writePiece = 256 << 10

// write writes b within WriteTimeout.
func (s *session) write(b []byte) error {
	s.conn.SetWriteDeadline(time.Now().Add(s.cfg.WriteTimeout))
	if _, err := s.conn.Write(b); err != nil {
		return writeError{err}
	}
	return nil
}

// writeError is a failed write: the peer stopped reading or is gone, so
// there is no point in trying to send it a close frame. It deliberately
// does not unwrap, so a write timeout is not taken for an idle reader.
type writeError struct{ err error }

func (e writeError) Error() string { return "server: write: " + e.err.Error() }
