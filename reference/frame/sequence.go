package frame

// Sequence follows fragmentation across the frames of one direction of a
// connection (§5.4). The zero value expects the start of a message. Feed it
// every frame header in order, control frames included.
type Sequence struct {
	open   bool   // a data message has started and its final fragment is still to come
	opcode Opcode // text or binary: the opcode of the open message's first frame
	size   uint64 // payload octets of the current message so far, saturating
}

// Check judges h against the frames seen before and, when h is acceptable,
// advances the state. A violating frame leaves the state unchanged.
func (s *Sequence) Check(h Header) *Violation {
	switch {
	case h.Opcode.IsControl() || h.Opcode.IsReserved():
		// §5.4: "Control frames MAY be injected in the middle of a fragmented
		// message." They neither start nor end one. Reserved opcodes are
		// Check's business.
		return nil
	case h.Opcode == OpContinuation:
		// §5.4: a fragmented message is "a single frame with the FIN bit clear
		// and an opcode other than 0, followed by zero or more frames with the
		// FIN bit clear and the opcode set to 0". A continuation needs one.
		if !s.open {
			return &Violation{Rule: RuleContinuationNoStart, Section: "RFC 6455 §5.4", Code: CloseProtocolError,
				Detail: "continuation frame with no fragmented message to continue"}
		}
		s.size = addSaturating(s.size, h.Length)
	default: // text or binary
		// §5.4: "The fragments of one message MUST NOT be interleaved between
		// the fragments of another message unless an extension has been
		// negotiated that can interpret the interleaving."
		if s.open {
			return &Violation{Rule: RuleDataInsideFragmented, Section: "RFC 6455 §5.4", Code: CloseProtocolError,
				Detail: h.Opcode.String() + " while a fragmented " + s.opcode.String() + " message is still open"}
		}
		s.opcode = h.Opcode
		s.size = h.Length
	}
	s.open = !h.Fin
	return nil
}

// InMessage reports whether a fragmented message is open, waiting for
// continuation frames.
func (s *Sequence) InMessage() bool { return s.open }

// MessageOpcode is the opcode (text or binary) of the message the last data
// frame belonged to.
func (s *Sequence) MessageOpcode() Opcode { return s.opcode }

// MessageSize is the sum of the payload lengths of the data frames of the
// current (or just finished) message, saturating at the largest uint64.
// Compare it with a limit using CheckMessageSize.
func (s *Sequence) MessageSize() uint64 { return s.size }

func addSaturating(a, b uint64) uint64 {
	if a+b < a {
		return ^uint64(0)
	}
	return a + b
}
