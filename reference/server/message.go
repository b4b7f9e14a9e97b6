package server

import (
	"slices"
	"strconv"

	"github.com/wsconform/wsconform/reference/frame"
)

// dataFrame receives one text, binary or continuation frame that judge
// accepted, and echoes the message once its final fragment is in.
func (s *session) dataFrame(h frame.Header) error {
	if h.Opcode != frame.OpContinuation {
		s.msg = s.msg[:0]
		s.msgText = h.Opcode == frame.OpText
		s.msgCompressed = s.pmd != nil && h.Rsv&frame.RSV1 != 0
		s.utf8.Reset()
	}
	if err := s.readPayload(h.Length); err != nil {
		return err
	}
	if !h.Fin {
		return nil
	}
	if s.msgCompressed {
		if err := s.inflate(); err != nil {
			return err
		}
	}
	if err := s.checkCompleteText(); err != nil {
		return err
	}
	err := s.writeMessage(s.seq.MessageOpcode(), s.msg)
	if cap(s.msg) > keepBufferLimit {
		s.msg = nil
	}
	if cap(s.inflated) > keepBufferLimit {
		s.inflated = nil
	}
	return err
}

// readPayload appends the current frame's payload to s.msg, checking text
// as it arrives.
//
// §8.1: an endpoint that finds a byte stream is not valid UTF-8 "MUST
// _Fail the WebSocket Connection_". Checking each read, not each frame,
// is what lets the server fail while the rest of a frame is still in
// flight (Autobahn 6.4.3, 6.4.4).
func (s *session) readPayload(n uint64) error {
	// judge bounded n (and the whole message) by MaxMessageSize, so the
	// buffer is sized once for the frame rather than grown as it arrives.
	s.msg = slices.Grow(s.msg, int(n))
	// Compressed text is checked once inflated, in checkCompleteText.
	failFast := s.msgText && !s.msgCompressed && !s.cfg.Faults.SkipUTF8Validation && !s.cfg.Faults.NoFailFastUTF8
	for s.fr.Remaining() > 0 {
		start := len(s.msg)
		k, err := s.fr.Read(s.msg[start:cap(s.msg)])
		s.msg = s.msg[:start+k]
		if failFast {
			if bad := s.utf8.Write(s.msg[start:]); bad >= 0 {
				return invalidUTF8(bad)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// checkCompleteText judges a finished text message: a code point the last
// fragment cut off, or (with Faults.NoFailFastUTF8) anything at all.
func (s *session) checkCompleteText() error {
	if !s.msgText || s.cfg.Faults.SkipUTF8Validation {
		return nil
	}
	if s.cfg.Faults.NoFailFastUTF8 || s.msgCompressed {
		s.utf8.Reset()
		s.utf8.Write(s.msg)
	}
	if bad := s.utf8.Finish(); bad >= 0 {
		return invalidUTF8(bad)
	}
	return nil
}

func invalidUTF8(at int64) *frame.Violation {
	return frame.TextInvalidUTF8("text message is not valid UTF-8 at octet " + strconv.FormatInt(at, 10))
}
