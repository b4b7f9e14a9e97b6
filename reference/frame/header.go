package frame

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// RSV bits as they sit in the first header octet (§5.2).
const (
	RSV1 uint8 = 0x4
	RSV2 uint8 = 0x2
	RSV3 uint8 = 0x1
)

// LengthEncoding is the width of the payload length field on the wire (§5.2):
// the 7-bit field alone, or 126 followed by 16 bits, or 127 followed by 64 bits.
type LengthEncoding uint8

const (
	// LengthMinimal picks the shortest encoding, as §5.2 requires of senders.
	LengthMinimal LengthEncoding = iota
	Length7
	Length16
	Length64
)

func (e LengthEncoding) String() string {
	switch e {
	case Length7:
		return "7-bit"
	case Length16:
		return "16-bit"
	case Length64:
		return "64-bit"
	}
	return "minimal"
}

// MinimalLengthEncoding is the encoding §5.2 requires for a payload of n octets.
func MinimalLengthEncoding(n uint64) LengthEncoding {
	switch {
	case n <= 125:
		return Length7
	case n <= 0xFFFF:
		return Length16
	}
	return Length64
}

// Header is a decoded (or to-be-encoded) frame header. It can hold values the
// RFC forbids (reserved opcodes, a 64-bit length with the top bit set, a
// non-minimal length encoding): decoding keeps them so Check can name them,
// and the encoder writes them so cases can send them.
type Header struct {
	Fin    bool
	Rsv    uint8 // RSV1|RSV2|RSV3 bits, 0..7
	Opcode Opcode
	Masked bool
	Mask   [4]byte
	Length uint64
	// Encoding is the length field width seen on the wire (set by ParseHeader)
	// or to use when encoding (LengthMinimal picks the shortest).
	Encoding LengthEncoding
}

// Size is the number of octets the header occupies on the wire.
func (h Header) Size() int {
	n := 2
	switch h.lengthEncoding() {
	case Length16:
		n += 2
	case Length64:
		n += 8
	}
	if h.Masked {
		n += 4
	}
	return n
}

func (h Header) lengthEncoding() LengthEncoding {
	if h.Encoding == LengthMinimal {
		return MinimalLengthEncoding(h.Length)
	}
	return h.Encoding
}

func (h Header) String() string {
	s := fmt.Sprintf("%s fin=%t rsv=%d len=%d", h.Opcode, h.Fin, h.Rsv, h.Length)
	if h.Masked {
		s += fmt.Sprintf(" mask=%x", h.Mask[:])
	}
	return s
}

// ErrShortHeader means more octets are needed before the header can be decoded.
var ErrShortHeader = errors.New("frame: short header")

// MaxHeaderSize is the largest header on the wire: 2 + 8 length + 4 mask.
const MaxHeaderSize = 14

// ParseHeader decodes the frame header at the start of b and returns it with
// the number of octets it used. It does not judge the header (see Check) and
// never allocates. If b is too short it returns ErrShortHeader.
func ParseHeader(b []byte) (h Header, n int, err error) {
	if len(b) < 2 {
		return h, 0, ErrShortHeader
	}
	b0, b1 := b[0], b[1]
	h.Fin = b0&0x80 != 0
	h.Rsv = (b0 >> 4) & 0x7
	h.Opcode = Opcode(b0 & 0x0F)
	h.Masked = b1&0x80 != 0
	n = 2
	switch l := b1 & 0x7F; l {
	case 126:
		if len(b) < 4 {
			return h, 0, ErrShortHeader
		}
		h.Length = uint64(binary.BigEndian.Uint16(b[2:4]))
		h.Encoding = Length16
		n = 4
	case 127:
		if len(b) < 10 {
			return h, 0, ErrShortHeader
		}
		h.Length = binary.BigEndian.Uint64(b[2:10])
		h.Encoding = Length64
		n = 10
	default:
		h.Length = uint64(l)
		h.Encoding = Length7
	}
	if h.Masked {
		if len(b) < n+4 {
			return h, 0, ErrShortHeader
		}
		copy(h.Mask[:], b[n:n+4])
		n += 4
	}
	return h, n, nil
}

// AppendHeader appends the wire form of h to dst. It writes exactly what h
// says, including forbidden values: an explicit Encoding too narrow for
// Length truncates the length field (a length that lies), and RSV and opcode
// bits are written as given.
func AppendHeader(dst []byte, h Header) []byte {
	b0 := (h.Rsv&0x7)<<4 | byte(h.Opcode&0x0F)
	if h.Fin {
		b0 |= 0x80
	}
	var b1 byte
	if h.Masked {
		b1 = 0x80
	}
	switch h.lengthEncoding() {
	case Length7:
		dst = append(dst, b0, b1|byte(h.Length&0x7F))
	case Length16:
		dst = append(dst, b0, b1|126)
		dst = binary.BigEndian.AppendUint16(dst, uint16(h.Length))
	default:
		dst = append(dst, b0, b1|127)
		dst = binary.BigEndian.AppendUint64(dst, h.Length)
	}
	if h.Masked {
		dst = append(dst, h.Mask[:]...)
	}
	return dst
}
