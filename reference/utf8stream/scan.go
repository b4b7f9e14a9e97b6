package utf8stream

import "encoding/binary"

const highBits = 0x8080808080808080

func word(p []byte) uint64 { return binary.LittleEndian.Uint64(p) }

// completePrefix returns the length of the longest prefix of p made of
// complete, valid sequences, stopping at the first sequence that is invalid
// or cut off by the end of p. It is the fast path: ASCII eight octets at a
// time, whole sequences checked against the lead table.
func completePrefix(p []byte) int {
	n := len(p)
	p = p[:n:n]
	for len(p) > 0 {
		c := p[0]
		if c < 0x80 {
			p = p[1:]
			// One ASCII octet predicts more: skip 8, then 16, then 32 at a time.
			// (> rather than >= keeps every reslice in bounds without fixups.)
			if len(p) > 8 && word(p)&highBits == 0 {
				p = p[8:]
				if len(p) > 16 && (word(p)|word(p[8:]))&highBits == 0 {
					p = p[16:]
					for len(p) > 32 && (word(p)|word(p[8:])|word(p[16:])|word(p[24:]))&highBits == 0 {
						p = p[32:]
					}
				}
			}
			continue
		}
		l := leads[c]
		switch l.size {
		case 2:
			if len(p) < 2 || p[1] < l.lo || l.hi < p[1] {
				return n - len(p)
			}
			p = p[2:]
		case 3:
			if len(p) < 3 || p[1] < l.lo || l.hi < p[1] || p[2] < tailLo || tailHi < p[2] {
				return n - len(p)
			}
			p = p[3:]
		case 4:
			if len(p) < 4 || p[1] < l.lo || l.hi < p[1] ||
				p[2] < tailLo || tailHi < p[2] || p[3] < tailLo || tailHi < p[3] {
				return n - len(p)
			}
			p = p[4:]
		default:
			return n - len(p)
		}
	}
	return n
}

// Valid reports whether p is entirely valid UTF-8. It agrees with
// unicode/utf8.Valid.
func Valid(p []byte) bool { return completePrefix(p) == len(p) }
