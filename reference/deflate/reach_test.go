package deflate

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
)

// randomBlock is n incompressible octets.
func randomBlock(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestWalkMatchesInflate(t *testing.T) {
	block := randomBlock(1, 1000)
	tests := []struct {
		name       string
		level      int
		msgs       [][]byte
		noCtx      bool
		wantBefore bool // the last message refers to an earlier one
		minDist    int  // the last message has a reference at least this far
	}{
		{"stored", flate.NoCompression, [][]byte{block}, true, false, 0},
		{"huffman only", flate.HuffmanOnly, [][]byte{bytes.Repeat(block, 3)}, true, false, 0},
		{"fixed, near repeats", flate.BestSpeed, [][]byte{bytes.Repeat([]byte("abc"), 100)}, true, false, 3},
		{"dynamic, repeat 1000 back", flate.BestCompression, [][]byte{append(append([]byte{}, block...), block...)}, true, false, 1000},
		{"context kept", flate.BestCompression, [][]byte{block, block}, false, true, 1000},
		{"context reset", flate.BestCompression, [][]byte{block, block}, true, false, 0},
		{"empty message", flate.BestSpeed, [][]byte{{}}, true, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := NewCompressor(tc.level, tc.noCtx)
			if err != nil {
				t.Fatal(err)
			}
			var z []byte
			for _, m := range tc.msgs {
				if z, err = c.Compress(z[:0], m); err != nil {
					t.Fatal(err)
				}
			}
			last := tc.msgs[len(tc.msgs)-1]
			r, err := Walk(z)
			if err != nil {
				t.Fatalf("Walk: %v", err)
			}
			if r.Output != int64(len(last)) {
				t.Errorf("Output = %d, want %d", r.Output, len(last))
			}
			if (r.BeforeStart > 0) != tc.wantBefore {
				t.Errorf("BeforeStart = %d, want >0: %t", r.BeforeStart, tc.wantBefore)
			}
			if r.MaxDistance < tc.minDist || (tc.minDist == 0 && tc.level <= flate.HuffmanOnly && r.MaxDistance != 0) {
				t.Errorf("MaxDistance = %d, want at least %d", r.MaxDistance, tc.minDist)
			}
		})
	}
}

func TestCheckReach(t *testing.T) {
	block := randomBlock(2, 1000)
	c, _ := NewCompressor(flate.BestCompression, false)
	first, _ := c.Compress(nil, block)
	second, _ := c.Compress(nil, block)
	far, _ := NewCompressor(flate.BestCompression, true)
	twice, _ := far.Compress(nil, append(append([]byte{}, block...), block...))
	tests := []struct {
		name    string
		payload []byte
		bits    int
		noCtx   bool
		rule    string
	}{
		{"fresh message, no promises", first, 0, false, ""},
		{"kept context, allowed", second, 15, false, ""},
		{"kept context after no_context_takeover", second, 0, true, RuleContextKept},
		{"distance 1000 within 2^10", twice, 10, true, ""},
		{"distance 1000 past 2^9", twice, 9, true, RuleWindowExceeded},
		{"garbage is left to inflating", []byte{0xff, 0xff, 0xff}, 9, true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckReach(tc.payload, tc.bits, tc.noCtx)
			got := ""
			if e, ok := err.(*Error); ok {
				got = e.Rule
			} else if err != nil {
				got = err.Error()
			}
			if got != tc.rule {
				t.Errorf("CheckReach = %v, want rule %q", err, tc.rule)
			}
		})
	}
}

// The decompressor's check catches a sender that keeps its window after
// promising not to, whole (Decompress) or streamed (DecompressTo).
func TestDecompressorCheckReach(t *testing.T) {
	block := randomBlock(3, 600)
	keeper, _ := NewCompressor(flate.BestCompression, false)
	first, _ := keeper.Compress(nil, block)
	second, _ := keeper.Compress(nil, block)
	for _, streamed := range []bool{false, true} {
		d := NewDecompressor(true, 0)
		d.CheckReach(15)
		inflate := func(p []byte) error {
			if streamed {
				_, err := d.DecompressTo(io.Discard, bytes.NewReader(p))
				return err
			}
			_, err := d.Decompress(nil, p)
			return err
		}
		if err := inflate(first); err != nil {
			t.Fatalf("streamed=%t: first message: %v", streamed, err)
		}
		err := inflate(second)
		if e, ok := err.(*Error); !ok || e.Rule != RuleContextKept {
			t.Errorf("streamed=%t: second message: %v, want %s", streamed, err, RuleContextKept)
		}
	}
}
