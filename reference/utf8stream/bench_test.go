package utf8stream

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

// Each corpus is measured three ways: unicode/utf8.Valid (the yardstick),
// this package's Valid, and a Validator fed the corpus in one Write.
// The target is ours within 1.5x of unicode/utf8.

var benchCorpora = []struct {
	name string
	text func(size int) []byte
}{
	{"ascii", func(size int) []byte { return repeatTo("The quick brown fox jumps over the lazy dog. ", size) }},
	// About 90% ASCII octets with Greek, CJK and emoji mixed in.
	{"mixed", func(size int) []byte {
		return repeatTo("Hello, world! Plain ASCII text carries most of the octets in this line; "+
			"κόσμε 世界 🙂 then more ASCII to keep the ratio near nine in ten, thanks. ", size)
	}},
	{"multibyte", func(size int) []byte { return repeatTo("κόσμε世界🙂Ωπ日本語🚀", size) }},
}

// repeatTo repeats s up to size octets, cutting only at a code point
// boundary so every corpus is valid.
func repeatTo(s string, size int) []byte {
	p := []byte(strings.Repeat(s, size/len(s)+1))
	for len(p) > size || !utf8.Valid(p) {
		p = p[:len(p)-1]
	}
	return p
}

func BenchmarkValid(b *testing.B) {
	for _, c := range benchCorpora {
		for _, size := range []int{4 << 10, 1 << 20} {
			p := c.text(size)
			name := fmt.Sprintf("%s/%dKiB", c.name, size>>10)
			b.Run(name+"/unicode-utf8", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				for b.Loop() {
					if !utf8.Valid(p) {
						b.Fatal("corpus invalid")
					}
				}
			})
			b.Run(name+"/Valid", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				for b.Loop() {
					if !Valid(p) {
						b.Fatal("corpus invalid")
					}
				}
			})
			b.Run(name+"/Validator", func(b *testing.B) {
				b.SetBytes(int64(len(p)))
				var v Validator
				for b.Loop() {
					v.Reset()
					if v.Write(p) >= 0 || v.Finish() >= 0 {
						b.Fatal("corpus invalid")
					}
				}
			})
		}
	}
}

// BenchmarkFragmented measures the cost of carrying code points across
// fragment boundaries: the mixed corpus fed in 7-octet fragments, which cut
// many code points.
func BenchmarkFragmented(b *testing.B) {
	p := benchCorpora[1].text(1 << 20)
	b.SetBytes(int64(len(p)))
	var v Validator
	for b.Loop() {
		v.Reset()
		for q := p; len(q) > 0; {
			n := min(7, len(q))
			if v.Write(q[:n]) >= 0 {
				b.Fatal("corpus invalid")
			}
			q = q[n:]
		}
		if v.Finish() >= 0 {
			b.Fatal("corpus invalid")
		}
	}
}
