package frame

import "encoding/binary"

// MaskBytes XORs b in place with key, starting at key position pos (0-3), and
// returns the key position for the octet after b. Masking and unmasking are
// the same operation (§5.3), so a payload can be processed in any chunks.
func MaskBytes(key [4]byte, pos int, b []byte) int {
	pos &= 3
	// Bring the key into phase with b so the word loops can use it unrotated.
	for pos != 0 && len(b) > 0 {
		b[0] ^= key[pos]
		b = b[1:]
		pos = (pos + 1) & 3
	}
	if pos != 0 { // b ran out before the key came into phase
		return pos
	}
	if len(b) >= 8 {
		k32 := uint64(binary.LittleEndian.Uint32(key[:]))
		k := k32 | k32<<32
		// 64 octets per iteration: eight independent load-xor-store steps keep
		// the store ports busy; the b[63] hint removes the bounds checks.
		for len(b) >= 64 {
			_ = b[63]
			binary.LittleEndian.PutUint64(b[0:], binary.LittleEndian.Uint64(b[0:])^k)
			binary.LittleEndian.PutUint64(b[8:], binary.LittleEndian.Uint64(b[8:])^k)
			binary.LittleEndian.PutUint64(b[16:], binary.LittleEndian.Uint64(b[16:])^k)
			binary.LittleEndian.PutUint64(b[24:], binary.LittleEndian.Uint64(b[24:])^k)
			binary.LittleEndian.PutUint64(b[32:], binary.LittleEndian.Uint64(b[32:])^k)
			binary.LittleEndian.PutUint64(b[40:], binary.LittleEndian.Uint64(b[40:])^k)
			binary.LittleEndian.PutUint64(b[48:], binary.LittleEndian.Uint64(b[48:])^k)
			binary.LittleEndian.PutUint64(b[56:], binary.LittleEndian.Uint64(b[56:])^k)
			b = b[64:]
		}
		for len(b) >= 8 {
			binary.LittleEndian.PutUint64(b, binary.LittleEndian.Uint64(b)^k)
			b = b[8:]
		}
	}
	// Whole words leave the key position unchanged; only the tail advances it.
	for i := range b {
		b[i] ^= key[i&3]
	}
	return len(b) & 3
}
