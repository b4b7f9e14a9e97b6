package frame_test

// Benchmarks against the two Go WebSocket libraries the suite is compared
// with. Run them in one invocation so the ratios come from the same
// machine state:
//
//	go test -run '^$' -bench . -count 6 ./reference/frame | tee new.txt
//
// Throughput (MB/s) counts each payload octet once. Masking rewrites the
// buffer in place; copy reads one buffer and writes another.

import (
	"bytes"
	"fmt"
	"testing"
	_ "unsafe" // for go:linkname

	"github.com/gobwas/ws"
	_ "github.com/gorilla/websocket" // linked for gorillaMaskBytes

	"github.com/wsconform/wsconform/reference/frame"
)

// gorillaMaskBytes is gorilla/websocket v1.5.3's unexported maskBytes
// (mask.go), the function its Conn calls on every masked read and write.
// Reaching it by name measures exactly that compiled code, with none of the
// framing, buffering and copying its public API adds around it. If gorilla
// renames the function this file stops linking; that is intended.
//
//go:linkname gorillaMaskBytes github.com/gorilla/websocket.maskBytes
func gorillaMaskBytes(key [4]byte, pos int, b []byte) int

var (
	benchKey   = [4]byte{0x37, 0xfa, 0x21, 0x3d}
	benchSizes = []int{4 << 10, 1 << 20}
)

func benchMask(b *testing.B, mask func(p []byte)) {
	for _, n := range benchSizes {
		b.Run(sizeName(n), func(b *testing.B) {
			buf := make([]byte, n)
			b.SetBytes(int64(n))
			for b.Loop() {
				mask(buf)
			}
		})
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%dMiB", n>>20)
	}
	return fmt.Sprintf("%dKiB", n>>10)
}

func BenchmarkMask(b *testing.B) {
	b.Run("impl=wsconform", func(b *testing.B) {
		benchMask(b, func(p []byte) { frame.MaskBytes(benchKey, 0, p) })
	})
	b.Run("impl=gorilla", func(b *testing.B) {
		benchMask(b, func(p []byte) { gorillaMaskBytes(benchKey, 0, p) })
	})
	b.Run("impl=gobwas", func(b *testing.B) {
		benchMask(b, func(p []byte) { ws.Cipher(p, benchKey, 0) })
	})
	b.Run("impl=copy", func(b *testing.B) {
		for _, n := range benchSizes {
			b.Run(sizeName(n), func(b *testing.B) {
				src, dst := make([]byte, n), make([]byte, n)
				b.SetBytes(int64(n))
				for b.Loop() {
					copy(dst, src)
				}
			})
		}
	})
}

// BenchmarkHeader decodes a masked client header in each length encoding.
// gobwas/ws ReadHeader reads from an io.Reader, so the comparable wsconform
// path is Reader.Next on the same bytes.Reader; ParseHeader is the
// slice-only decoder underneath it.
func BenchmarkHeader(b *testing.B) {
	headers := []struct {
		name string
		h    frame.Header
	}{
		{"len=7bit", frame.Header{Fin: true, Opcode: frame.OpText, Masked: true, Mask: benchKey, Length: 100}},
		{"len=16bit", frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: benchKey, Length: 1000}},
		{"len=64bit", frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: benchKey, Length: 100000}},
	}
	for _, tc := range headers {
		wire := frame.AppendHeader(nil, tc.h)
		b.Run("impl=wsconform-ParseHeader/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := frame.ParseHeader(wire); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=wsconform-Reader.Next/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			src := bytes.NewReader(wire)
			r := frame.NewReader(src)
			for b.Loop() {
				src.Reset(wire)
				r.Reset(src)
				if _, err := r.Next(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("impl=gobwas-ReadHeader/"+tc.name, func(b *testing.B) {
			b.ReportAllocs()
			src := bytes.NewReader(wire)
			for b.Loop() {
				src.Reset(wire)
				if _, err := ws.ReadHeader(src); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
