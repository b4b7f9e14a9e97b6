package deflate

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
)

// TestCompressorReleasesBigBuffer: after a big message the compressor
// keeps no big buffer, and later messages still inflate (with context
// takeover too: only the buffer goes, not the window).
func TestCompressorReleasesBigBuffer(t *testing.T) {
	big := make([]byte, 4<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.IntN(256))
	}
	small := bytes.Repeat([]byte("small message "), 10)
	for _, noContext := range []bool{false, true} {
		c, _ := NewCompressor(flate.BestSpeed, noContext)
		d := NewDecompressor(noContext, 0)
		for i, msg := range [][]byte{small, big, small, small} {
			z, err := c.Compress(nil, msg)
			if err != nil {
				t.Fatal(err)
			}
			if c.buf.Cap() > keepBufferLimit {
				t.Errorf("no context takeover %t, message %d: %d octets of buffer kept", noContext, i, c.buf.Cap())
			}
			got, err := d.Decompress(nil, z)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("no context takeover %t, message %d: inflated %d octets (%v), want %d", noContext, i, len(got), err, len(msg))
			}
		}
	}
}
