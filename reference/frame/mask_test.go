package frame

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// naiveMask is the §5.3 definition, octet by octet: j = i MOD 4,
// transformed-octet-i = original-octet-i XOR masking-key-octet-j.
func naiveMask(key [4]byte, pos int, b []byte) int {
	for i := range b {
		b[i] ^= key[(pos+i)&3]
	}
	return (pos + len(b)) & 3
}

func TestMaskBytesMatchesNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	backing := make([]byte, 300+16)
	for n := 0; n <= 300; n++ {
		for trial := 0; trial < 8; trial++ {
			var key [4]byte
			for i := range key {
				key[i] = byte(rng.Uint32())
			}
			pos := rng.IntN(4)
			off := rng.IntN(16) // unaligned starts
			for i := range backing {
				backing[i] = byte(rng.Uint32())
			}
			got := bytes.Clone(backing)
			want := bytes.Clone(backing)
			gotPos := MaskBytes(key, pos, got[off:off+n])
			wantPos := naiveMask(key, pos, want[off:off+n])
			if gotPos != wantPos || !bytes.Equal(got, want) {
				t.Fatalf("n=%d pos=%d off=%d key=%x: pos %d want %d, bytes differ: %t", n, pos, off, key, gotPos, wantPos, !bytes.Equal(got, want))
			}
		}
	}
}

func TestMaskBytesInChunks(t *testing.T) {
	key := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	data := bytes.Repeat([]byte("chunked masking must equal one pass "), 40)
	want := bytes.Clone(data)
	naiveMask(key, 0, want)
	for _, chunk := range []int{1, 3, 5, 7, 63, 64, 65, 1000} {
		got := bytes.Clone(data)
		pos := 0
		for i := 0; i < len(got); i += chunk {
			pos = MaskBytes(key, pos, got[i:min(i+chunk, len(got))])
		}
		if !bytes.Equal(got, want) {
			t.Errorf("chunks of %d differ from one pass", chunk)
		}
	}
}

func TestMaskBytesIsAnInvolution(t *testing.T) {
	data := []byte("Hello, masked world! 0123456789abcdef0123456789abcdef0123456789abcdef0123456789")
	got := bytes.Clone(data)
	key := [4]byte{9, 8, 7, 6}
	MaskBytes(key, 2, got)
	if bytes.Equal(got, data) {
		t.Fatal("masking changed nothing")
	}
	MaskBytes(key, 2, got)
	if !bytes.Equal(got, data) {
		t.Error("masking twice must restore the data")
	}
}
