// Package frame is RFC 6455 §5 framing, written once: typed opcodes, headers,
// a strict zero-allocation decoder, an encoder that can produce any frame
// (including deliberately broken ones), masking, and close-frame payloads.
//
// Decoding and judging are separate steps: ParseHeader and Reader decode
// whatever is on the wire; Check says which rules a decoded header breaks.
package frame

import "strconv"

// Opcode is the 4-bit frame opcode of RFC 6455 §5.2.
type Opcode uint8

const (
	OpContinuation Opcode = 0x0
	OpText         Opcode = 0x1
	OpBinary       Opcode = 0x2
	OpClose        Opcode = 0x8
	OpPing         Opcode = 0x9
	OpPong         Opcode = 0xA
)

// IsControl reports whether the opcode is in the control range 0x8-0xF (§5.5).
func (o Opcode) IsControl() bool { return o&0x8 != 0 }

// IsReserved reports whether the opcode is one §5.2 reserves for further
// definition: 0x3-0x7 (non-control) and 0xB-0xF (control).
func (o Opcode) IsReserved() bool {
	switch o {
	case OpContinuation, OpText, OpBinary, OpClose, OpPing, OpPong:
		return false
	}
	return true
}

// IsData reports whether the opcode starts a data message (text or binary).
func (o Opcode) IsData() bool { return o == OpText || o == OpBinary }

// String spells the opcode as RFC 6455 §5.2 names it.
func (o Opcode) String() string {
	switch o {
	case OpContinuation:
		return "continuation frame"
	case OpText:
		return "text frame"
	case OpBinary:
		return "binary frame"
	case OpClose:
		return "connection close"
	case OpPing:
		return "ping"
	case OpPong:
		return "pong"
	}
	if o.IsControl() {
		return "reserved control frame 0x" + strconv.FormatUint(uint64(o), 16)
	}
	return "reserved non-control frame 0x" + strconv.FormatUint(uint64(o), 16)
}
