package cases

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// TestCompressionSlicesMatchRuneByRune: slice's bulk copy of ASCII runs
// cuts the text documents exactly where decoding one character at a time
// does, across the wrap at the end of the document.
func TestCompressionSlicesMatchRuneByRune(t *testing.T) {
	byRune := func(dst, data []byte, pos, size int) ([]byte, int) {
		for range size {
			if pos == len(data) {
				pos = 0
			}
			_, w := utf8.DecodeRune(data[pos:])
			dst = append(dst, data[pos:pos+w]...)
			pos += w
		}
		return dst, pos
	}
	for _, k := range payloadKinds {
		if !k.text {
			continue
		}
		data := k.data()
		for _, size := range []int{1, 16, 1000, 128 * kib} {
			p := &CompressionPlan{Payload: k, Size: size}
			var got, want []byte
			start := max(0, len(data)-3*size/2) // near the end: wraps
			for !utf8.RuneStart(data[start]) {
				start--
			}
			pos, wantPos := start, start
			for i := range 4 {
				got, pos = p.slice(got[:0], data, pos)
				want, wantPos = byRune(want[:0], data, wantPos, size)
				if !bytes.Equal(got, want) || pos != wantPos {
					t.Fatalf("%s, %d characters, message %d: %d octets up to %d, want %d octets up to %d", k.name, size, i, len(got), pos, len(want), wantPos)
				}
			}
		}
	}
}
