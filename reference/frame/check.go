package frame

import "strconv"

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// Role says which endpoint sent the frame being checked.
type Role uint8

const (
	FromClient Role = iota + 1
	FromServer
)

func (r Role) String() string {
	switch r {
	case FromClient:
		return "client"
	case FromServer:
		return "server"
	}
	return "role(" + strconv.Itoa(int(r)) + ")"
}

// Extensions says which RSV bits the negotiated extensions give a meaning to
// (§5.2). PerMessageDeflate (RFC 7692) defines RSV1.
type Extensions struct{ RSV1, RSV2, RSV3 bool }

// PerMessageDeflate is the Extensions value after permessage-deflate was
// negotiated.
var PerMessageDeflate = Extensions{RSV1: true}

func (e Extensions) bits() uint8 {
	var b uint8
	if e.RSV1 {
		b |= RSV1
	}
	if e.RSV2 {
		b |= RSV2
	}
	if e.RSV3 {
		b |= RSV3
	}
	return b
}

// MaxControlPayload is the largest payload a control frame may carry (§5.5).
const MaxControlPayload = 125

// Check returns the rules of RFC 6455 §5.1-§5.5 (and RFC 7692 §6) that h
// breaks on its own, without looking at earlier frames (see Sequence for
// those). A role other than FromClient or FromServer skips the masking rules.
// It allocates only when there is something to report.
func Check(h Header, from Role, ext Extensions) []Violation {
	var vs []Violation
	add := func(rule, section, detail string) {
		vs = append(vs, Violation{Rule: rule, Section: section, Code: CloseProtocolError, Detail: detail})
	}

	// §5.2: "MUST be 0 unless an extension is negotiated that defines meanings
	// for non-zero values. If a nonzero value is received and none of the
	// negotiated extensions defines the meaning of such a nonzero value, the
	// receiving endpoint MUST _Fail the WebSocket Connection_."
	if extra := h.Rsv &^ ext.bits(); extra != 0 {
		add(RuleRSVWithoutExtension, "RFC 6455 §5.2", "RSV bits "+rsvString(extra)+" set without a negotiated extension")
	}
	// §5.2: "If an unknown opcode is received, the receiving endpoint MUST
	// _Fail the WebSocket Connection_."
	if h.Opcode.IsReserved() {
		add(RuleReservedOpcode, "RFC 6455 §5.2", "reserved opcode 0x"+strconv.FormatUint(uint64(h.Opcode), 16))
	}
	switch {
	// §5.1: "a client MUST mask all frames that it sends to the server ... The
	// server MUST close the connection upon receiving a frame that is not
	// masked."
	case from == FromClient && !h.Masked:
		add(RuleClientFrameUnmasked, "RFC 6455 §5.1", "client frame is not masked")
	// §5.1: "A server MUST NOT mask any frames that it sends to the client. A
	// client MUST close a connection if it detects a masked frame."
	case from == FromServer && h.Masked:
		add(RuleServerFrameMasked, "RFC 6455 §5.1", "server frame is masked")
	}
	if h.Opcode.IsControl() {
		// §5.5: "All control frames MUST have a payload length of 125 bytes or
		// less and MUST NOT be fragmented."
		if h.Length > MaxControlPayload {
			add(RuleControlTooLong, "RFC 6455 §5.5", "control frame payload of "+strconv.FormatUint(h.Length, 10)+" octets exceeds 125")
		}
		if !h.Fin {
			add(RuleControlFragmented, "RFC 6455 §5.5", "control frame without FIN")
		}
	}
	// §5.2: "the most significant bit MUST be 0" of the 64-bit length.
	if h.Length>>63 != 0 {
		add(RuleLengthTopBit, "RFC 6455 §5.2", "64-bit payload length 0x"+strconv.FormatUint(h.Length, 16)+" has its most significant bit set")
	}
	// §5.2: "in all cases, the minimal number of bytes MUST be used to encode
	// the length". Receivers often tolerate this; it has its own rule id so
	// callers can filter it out.
	if h.Encoding != LengthMinimal && h.Encoding != MinimalLengthEncoding(h.Length) {
		add(RuleLengthNotMinimal, "RFC 6455 §5.2", "length "+strconv.FormatUint(h.Length, 10)+" sent with a "+h.Encoding.String()+" length field")
	}
	// RFC 7692 §6: "An endpoint MUST NOT set the "Per-Message Compressed" bit
	// of control frames and non-first fragments of a data message. An
	// endpoint receiving such a frame MUST _Fail the WebSocket Connection_."
	// Without the extension, RSV1 is already reported above.
	if ext.RSV1 && h.Rsv&RSV1 != 0 {
		switch {
		case h.Opcode.IsControl():
			add(RuleCompressedControl, "RFC 7692 §6", "RSV1 (Per-Message Compressed) set on a "+h.Opcode.String())
		case h.Opcode == OpContinuation:
			add(RuleCompressedContinued, "RFC 7692 §6", "RSV1 (Per-Message Compressed) set on a continuation frame")
		}
	}
	return vs
}

func rsvString(bits uint8) string {
	s := ""
	for i, b := range [...]uint8{RSV1, RSV2, RSV3} {
		if bits&b != 0 {
			if s != "" {
				s += "+"
			}
			s += "RSV" + strconv.Itoa(i+1)
		}
	}
	return s
}

// CheckMessageSize reports a 1009 violation when a message of size octets
// exceeds limit. §10.4: implementations "SHOULD impose an appropriate limit
// on frame sizes and the total message size after reassembly"; §7.4.1 names
// 1009 for a message "too big for it to process".
func CheckMessageSize(size, limit uint64) *Violation {
	if size <= limit {
		return nil
	}
	return &Violation{Rule: RuleMessageTooBig, Section: "RFC 6455 §10.4", Code: CloseMessageTooBig,
		Detail: "message of " + strconv.FormatUint(size, 10) + " octets exceeds the limit of " + strconv.FormatUint(limit, 10)}
}
