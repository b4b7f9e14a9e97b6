package deflate

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"testing"
)

// A server told server_max_window_bits=9 compresses without back-references
// (NewCodec picks flate.HuffmanOnly), so its output must inflate with a
// 512-octet window. Go's own inflater never limits the window, so the check
// uses zlib's, through Python, which refuses a distance beyond its window
// ("invalid distance too far back").
func TestSmallWindowOutputFitsTheWindow(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 (for zlib's window-limited inflater) is not installed")
	}
	codec, err := NewCodec(Params{ServerMaxWindowBits: 9}, ServerRole, 6, 0)
	if err != nil {
		t.Fatal(err)
	}
	// A pseudo-random 2000-octet block repeated: every match a normal
	// compressor finds is 2000 octets back, beyond a 512-octet window.
	block := make([]byte, 2000)
	rand.NewChaCha8([32]byte{1}).Read(block)
	msg := bytes.Repeat(block, 14)
	for i := range 3 { // later messages use the kept context, if any
		out, err := codec.Out.Compress(nil, msg)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(python, "-c", `
import sys, zlib
data = sys.stdin.buffer.read() + b"\x00\x00\xff\xff"
sys.stdout.write(str(len(zlib.decompressobj(-9).decompress(data))))`)
		cmd.Stdin = bytes.NewReader(out)
		got, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("message %d: zlib with a 9-bit window refused our output: %v\n%s", i, err, got)
		}
		if string(got) != "28000" {
			t.Fatalf("message %d: zlib inflated %s octets, want 28000", i, got)
		}
	}
}
