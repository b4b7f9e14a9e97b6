package deflate

import (
	"bufio"
	"bytes"
	stdflate "compress/flate"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/klauspost/compress/flate"
)

// The codec runs on klauspost/compress/flate; the standard library's
// compress/flate is the independent implementation it must agree with,
// message after message, in both directions and both context modes.

func interopMessages() [][]byte {
	r := rand.New(rand.NewPCG(7, 7))
	text := bytes.Repeat([]byte(`{"id": 17, "name": "Faust", "tags": ["Geist", "Welt"]}, `), 2500)
	noise := make([]byte, 40<<10)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	return [][]byte{[]byte("Hello"), text[:128<<10], {}, noise, text[7 : 64<<10], []byte("Hello")}
}

// stdSyncFlush compresses msg with compress/flate the way §7.2.1 says.
func stdSyncFlush(t testing.TB, w *stdflate.Writer, buf *bytes.Buffer, msg []byte) []byte {
	buf.Reset()
	w.Write(msg)
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), tail)
}

func TestInteropWithStandardLibrary(t *testing.T) {
	for _, noContext := range []bool{false, true} {
		t.Run(fmt.Sprintf("no_context_takeover=%t", noContext), func(t *testing.T) {
			// compress/flate compresses, our Decompressor inflates.
			var buf bytes.Buffer
			w, _ := stdflate.NewWriter(&buf, stdflate.BestSpeed)
			d := NewDecompressor(noContext, 0)
			for i, msg := range interopMessages() {
				z := stdSyncFlush(t, w, &buf, msg)
				if noContext {
					w.Reset(&buf)
				}
				got, err := d.Decompress(nil, z)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("message %d from compress/flate: %d octets, %v; want %d", i, len(got), err, len(msg))
				}
			}
			// Our Compressor compresses, compress/flate inflates (with
			// the previous output as its dictionary under context takeover).
			c, _ := NewCompressor(flate.BestSpeed, noContext)
			var history []byte
			for i, msg := range interopMessages() {
				z, err := c.Compress(nil, msg)
				if err != nil {
					t.Fatal(err)
				}
				dict := history
				if noContext {
					dict = nil
				}
				r := stdflate.NewReaderDict(io.MultiReader(bytes.NewReader(z), bytes.NewReader(tail), bytes.NewReader(finalEmptyBlock)), dict)
				got, err := io.ReadAll(r)
				if err != nil || !bytes.Equal(got, msg) {
					t.Fatalf("message %d read by compress/flate: %d octets, %v; want %d", i, len(got), err, len(msg))
				}
				history = append(history, msg...)
				if len(history) > windowSize {
					history = history[len(history)-windowSize:]
				}
			}
		})
	}
}

// BenchmarkCodec compresses and inflates a 128 KiB JSON-like message (the
// largest of sections 12 and 13) with a fresh window each time, as both
// ends of a compression case do; compress/flate doing the same work is the
// named peer.
func BenchmarkCodec(b *testing.B) {
	msg := interopMessages()[1]
	b.Run("wsconform", func(b *testing.B) {
		c, _ := NewCompressor(flate.BestSpeed, true)
		d := NewDecompressor(true, 0)
		var z, out []byte
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			z, _ = c.Compress(z[:0], msg)
			out, _ = d.Decompress(out[:0], z)
		}
	})
	b.Run("compress-flate", func(b *testing.B) {
		var buf bytes.Buffer
		w, _ := stdflate.NewWriter(&buf, stdflate.BestSpeed)
		r := stdflate.NewReader(nil)
		br := bufio.NewReader(nil)
		var out bytes.Buffer
		b.SetBytes(int64(len(msg)))
		for b.Loop() {
			z := stdSyncFlush(b, w, &buf, msg)
			w.Reset(&buf)
			br.Reset(io.MultiReader(bytes.NewReader(z), bytes.NewReader(tail), bytes.NewReader(finalEmptyBlock)))
			r.(stdflate.Resetter).Reset(br, nil)
			out.Reset()
			io.Copy(&out, r)
		}
	})
}
