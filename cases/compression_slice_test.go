package cases

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// TestCompressionSlicesMatchRuneByRune: the walk's bulk pass over ASCII
// runs cuts the text documents exactly where decoding one character at a
// time does, up to the wrap at the end of the document.
func TestCompressionSlicesMatchRuneByRune(t *testing.T) {
	byRune := func(data []byte, size int) [][]byte {
		var walk [][]byte
		for pos := 0; pos < len(data); {
			var msg []byte
			wrapped := false
			for range size {
				if pos == len(data) {
					pos, wrapped = 0, true
				}
				_, w := utf8.DecodeRune(data[pos:])
				msg = append(msg, data[pos:pos+w]...)
				pos += w
			}
			if wrapped {
				pos = len(data)
			}
			walk = append(walk, msg)
		}
		return walk
	}
	for _, k := range payloadKinds {
		if !k.text {
			continue
		}
		data := k.data()
		for _, size := range []int{1, 16, 1000, 128 * kib} {
			p := &CompressionPlan{Payload: k, Size: size, Count: len(data)}
			got, want := p.Walk(), byRune(data, size)
			if len(got) != len(want) {
				t.Fatalf("%s, %d characters: %d messages, want %d", k.name, size, len(got), len(want))
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("%s, %d characters, message %d: %d octets, want %d", k.name, size, i, len(got[i]), len(want[i]))
				}
			}
		}
	}
}
