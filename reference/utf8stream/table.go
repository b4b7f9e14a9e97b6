package utf8stream

// RFC 3629 §4 is the whole grammar this package enforces:
//
//	UTF8-1      = %x00-7F
//	UTF8-2      = %xC2-DF UTF8-tail
//	UTF8-3      = %xE0 %xA0-BF UTF8-tail / %xE1-EC 2( UTF8-tail ) /
//	              %xED %x80-9F UTF8-tail / %xEE-EF 2( UTF8-tail )
//	UTF8-4      = %xF0 %x90-BF 2( UTF8-tail ) / %xF1-F3 3( UTF8-tail ) /
//	              %xF4 %x80-8F 2( UTF8-tail )
//	UTF8-tail   = %x80-BF
//
// The narrowed second-octet ranges are what make a sequence fail at its
// second octet: E0 80..9F would be overlong, ED A0..BF a UTF-16 surrogate,
// F0 80..8F overlong, F4 90..BF beyond U+10FFFF. C0, C1 and F5..FF can start
// nothing.

const (
	tailLo = 0x80
	tailHi = 0xBF
)

// lead describes the sequence an octet >= 0x80 starts: its total length
// (0 when the octet cannot start a sequence) and the range the second octet
// must fall in.
type lead struct {
	size   uint8
	lo, hi byte
}

var leads = buildLeads()

func buildLeads() (t [256]lead) {
	set := func(from, to byte, l lead) {
		for c := int(from); c <= int(to); c++ {
			t[c] = l
		}
	}
	set(0xC2, 0xDF, lead{2, tailLo, tailHi})
	set(0xE0, 0xE0, lead{3, 0xA0, tailHi})
	set(0xE1, 0xEC, lead{3, tailLo, tailHi})
	set(0xED, 0xED, lead{3, tailLo, 0x9F})
	set(0xEE, 0xEF, lead{3, tailLo, tailHi})
	set(0xF0, 0xF0, lead{4, 0x90, tailHi})
	set(0xF1, 0xF3, lead{4, tailLo, tailHi})
	set(0xF4, 0xF4, lead{4, tailLo, 0x8F})
	return t
}

// automaton is the octet-at-a-time form of the grammar: the slow path that
// carries a code point across fragment boundaries and pins the exact octet
// at which a stream goes bad.
type automaton struct {
	pending uint8 // continuation octets still expected
	lo, hi  byte  // range the next continuation octet must fall in
}

// step feeds one octet and reports whether the stream can still be valid.
func (a *automaton) step(c byte) bool {
	if a.pending == 0 {
		if c < 0x80 {
			return true
		}
		l := leads[c]
		if l.size == 0 {
			return false
		}
		a.pending, a.lo, a.hi = l.size-1, l.lo, l.hi
		return true
	}
	if c < a.lo || a.hi < c {
		return false
	}
	a.pending--
	a.lo, a.hi = tailLo, tailHi
	return true
}
