package cases

import (
	"testing"

	"github.com/klauspost/compress/flate"
	"github.com/wsconform/wsconform/reference/deflate"
)

func BenchmarkZZInflate(b *testing.B) {
	for _, k := range payloadKinds {
		for _, lv := range []struct {
			name  string
			level int
		}{{"lz77", flate.BestSpeed}, {"huffman", flate.HuffmanOnly}, {"stored", flate.NoCompression}} {
			b.Run(k.name[:4]+"/"+lv.name, func(b *testing.B) {
				p := &CompressionPlan{Payload: k, Size: 128 << 10}
				data := k.data()
				var zs [][]byte
				pos := 0
				c, _ := deflate.NewCompressor(lv.level, true)
				for range 8 {
					var m []byte
					m, pos = p.slice(nil, data, pos)
					z, _ := c.Compress(nil, m)
					zs = append(zs, z)
				}
				d := deflate.NewDecompressor(true, 0)
				var out []byte
				b.SetBytes(128 << 10)
				i := 0
				for b.Loop() {
					out, _ = d.Decompress(out[:0], zs[i%8])
					i++
				}
			})
		}
	}
}
