package utf8stream

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// classEdges holds the first and last octet of every class the RFC 3629
// grammar distinguishes (ASCII, the three continuation sub-ranges, each kind
// of lead, the never-valid octets), so short strings over it reach every
// path of the grammar.
var classEdges = []byte{
	0x00, 0x7F, // ASCII
	0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, // continuation sub-ranges
	0xC0, 0xC1, // never valid
	0xC2, 0xDF, 0xE0, 0xE1, 0xEC, 0xED, 0xEE, 0xEF, // 2- and 3-octet leads
	0xF0, 0xF1, 0xF3, 0xF4, // 4-octet leads
	0xF5, 0xFF, // never valid
}

// check compares every way the validator can be driven over p with the
// oracle and unicode/utf8.Valid.
func check(t *testing.T, p []byte, splits ...[][]byte) {
	t.Helper()
	want := oracle(p)
	if Valid(p) != utf8.Valid(p) {
		t.Fatalf("Valid(%x) = %v, unicode/utf8 says %v", p, Valid(p), utf8.Valid(p))
	}
	if (want.bad < 0 && want.tail < 0) != utf8.Valid(p) {
		t.Fatalf("oracle broken on %x: %+v", p, want)
	}
	for _, fragments := range splits {
		got, in := feed(fragments)
		if got != want {
			t.Fatalf("%x fed as %x: %+v, want %+v", p, fragments, got, want)
		}
		if got.bad >= 0 {
			// Reported by the Write that delivered the bad octet, not later.
			var end int64
			for _, f := range fragments[:in+1] {
				end += int64(len(f))
			}
			if got.bad >= end || got.bad < end-int64(len(fragments[in])) {
				t.Fatalf("%x fed as %x: offset %d reported by fragment %d", p, fragments, got.bad, in)
			}
		}
	}
}

// TestAllShortInputs enumerates every input of up to 2 octets, every input
// of up to 4 octets over classEdges, and embeds each in ASCII so that the
// 8/16/32-octet fast path hands over at every alignment.
func TestAllShortInputs(t *testing.T) {
	for n := 0; n <= 2; n++ {
		forAll(n, 256, func(i int) byte { return byte(i) }, func(p []byte) {
			check(t, p, [][]byte{p}, octets(p))
		})
	}
	pad := []byte("0123456789abcdef0123456789abcdef0123456789")
	maxLen := 4
	if testing.Short() {
		maxLen = 3
	}
	for n := 3; n <= maxLen; n++ {
		forAll(n, len(classEdges), func(i int) byte { return classEdges[i] }, func(p []byte) {
			check(t, p, [][]byte{p}, octets(p), everySplitInTwo(p)[n/2])
			q := append(append(append([]byte(nil), pad[:len(p)*7%len(pad)]...), p...), pad[:9]...)
			check(t, q, [][]byte{q})
		})
	}
}

func forAll(n, symbols int, sym func(int) byte, f func([]byte)) {
	p := make([]byte, n)
	idx := make([]int, n)
	for {
		for i := range p {
			p[i] = sym(idx[i])
		}
		f(p)
		k := n - 1
		for k >= 0 && idx[k] == symbols-1 {
			idx[k] = 0
			k--
		}
		if k < 0 {
			return
		}
		idx[k]++
	}
}

func everySplitInTwo(p []byte) [][][]byte {
	out := make([][][]byte, 0, len(p)+1)
	for i := 0; i <= len(p); i++ {
		out = append(out, [][]byte{p[:i], p[i:]})
	}
	return out
}

// TestRandomMixed feeds random texts (ASCII runs, valid code points of every
// length, stray octets) cut at random points.
func TestRandomMixed(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	rounds := 200000
	if testing.Short() {
		rounds = 20000
	}
	for range rounds {
		p := randomText(rng, rng.IntN(120))
		check(t, p, [][]byte{p}, randomSplit(rng, p), everySplitInTwo(p)[rng.IntN(len(p)+1)])
	}
}

func randomText(rng *rand.Rand, pieces int) []byte {
	var p []byte
	for range pieces {
		switch k := rng.IntN(10); {
		case k < 4:
			for range rng.IntN(40) {
				p = append(p, byte(0x20+rng.IntN(0x5F)))
			}
		case k < 8:
			p = utf8.AppendRune(p, randomRune(rng))
		case k < 9:
			p = append(p, classEdges[rng.IntN(len(classEdges))])
		default:
			p = append(p, byte(rng.IntN(256)))
		}
	}
	return p
}

func randomRune(rng *rand.Rand) rune {
	switch rng.IntN(4) {
	case 0:
		return rune(0x80 + rng.IntN(0x800-0x80))
	case 1:
		return rune(0x800 + rng.IntN(0x10000-0x800))
	case 2:
		return rune(0x10000 + rng.IntN(0x110000-0x10000))
	default:
		return rune(rng.IntN(0x110000))
	}
}

func randomSplit(rng *rand.Rand, p []byte) [][]byte {
	var out [][]byte
	for len(p) > 0 {
		n := rng.IntN(min(len(p), 9) + 1)
		out = append(out, p[:n])
		p = p[n:]
	}
	return out
}
