package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// pieces records every Write it gets.
type pieces struct {
	bytes.Buffer
	largest int
}

func (p *pieces) Write(b []byte) (int, error) {
	p.largest = max(p.largest, len(b))
	return p.Buffer.Write(b)
}

// TestDecompressToMatchesDecompress: streaming inflation, fed a payload
// one octet at a time, gives what Decompress gives, message after message
// (the window carries over with context takeover), in bounded pieces.
func TestDecompressToMatchesDecompress(t *testing.T) {
	msgs := [][]byte{[]byte("Hello"), []byte("Hello"), bytes.Repeat([]byte("abcdefgh"), 40<<10), {}, []byte("Hello, Hello")}
	for _, noContext := range []bool{false, true} {
		c, _ := NewCompressor(flate.BestSpeed, noContext)
		whole, stream := NewDecompressor(noContext, 0), NewDecompressor(noContext, 0)
		for i, msg := range msgs {
			z, _ := c.Compress(nil, msg)
			want, err := whole.Decompress(nil, z)
			if err != nil || !bytes.Equal(want, msg) {
				t.Fatalf("Decompress message %d: %v", i, err)
			}
			var got pieces
			n, err := stream.DecompressTo(&got, iotest.OneByteReader(bytes.NewReader(z)))
			if err != nil || n != int64(len(msg)) || !bytes.Equal(got.Bytes(), msg) {
				t.Errorf("no context takeover %t, message %d: DecompressTo gave %d octets, %v; want %d", noContext, i, n, err, len(msg))
			}
			if got.largest > pieceSize {
				t.Errorf("a piece of %d octets, want at most %d", got.largest, pieceSize)
			}
		}
	}
}

// TestDecompressToBomb: output stops one octet past the limit, and what
// was written before is all the output there is.
func TestDecompressToBomb(t *testing.T) {
	c, _ := NewCompressor(flate.BestCompression, true)
	const limit = 1 << 20
	bomb, _ := c.Compress(nil, make([]byte, 4<<20))
	var out pieces
	n, err := NewDecompressor(false, limit).DecompressTo(&out, bytes.NewReader(bomb))
	var e *Error
	if !errors.As(err, &e) || e.Rule != RuleInflatedTooBig {
		t.Fatalf("err %v, want %s", err, RuleInflatedTooBig)
	}
	if n != limit+1 || out.Len() > limit {
		t.Errorf("inflated %d, wrote %d; want to stop at %d, writing at most %d", n, out.Len(), limit+1, limit)
	}
}

// TestDecompressToErrors: the source's error and the writer's error come
// back as they are; invalid data is RuleInvalidData.
func TestDecompressToErrors(t *testing.T) {
	c, _ := NewCompressor(flate.BestSpeed, true)
	z, _ := c.Compress(nil, bytes.Repeat([]byte("x"), 100<<10))
	broken := errors.New("connection reset")
	if _, err := NewDecompressor(true, 0).DecompressTo(io.Discard, io.MultiReader(bytes.NewReader(z[:10]), iotest.ErrReader(broken))); !errors.Is(err, broken) {
		t.Errorf("source error: got %v, want %v", err, broken)
	}
	refused := errors.New("not UTF-8")
	w := writerFunc(func(p []byte) (int, error) { return 0, refused })
	if _, err := NewDecompressor(true, 0).DecompressTo(w, bytes.NewReader(z)); !errors.Is(err, refused) {
		t.Errorf("writer error: got %v, want %v", err, refused)
	}
	var e *Error
	if _, err := NewDecompressor(true, 0).DecompressTo(io.Discard, bytes.NewReader([]byte{0xff, 0xff, 0xff})); !errors.As(err, &e) || e.Rule != RuleInvalidData {
		t.Errorf("invalid data: got %v, want %s", err, RuleInvalidData)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
