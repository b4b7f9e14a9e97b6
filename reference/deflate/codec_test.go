package deflate

import (
	"bytes"
	"compress/flate"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func hex(b ...byte) []byte { return b }

// TestDecompressRFCExamples decodes the payloads of RFC 7692 §7.2.3.
func TestDecompressRFCExamples(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    string
	}{
		{"7.2.3.1 one compressed message", hex(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00), "Hello"},
		{"7.2.3.3 no compression", hex(0x00, 0x05, 0x00, 0xfa, 0xff, 0x48, 0x65, 0x6c, 0x6c, 0x6f, 0x00), "Hello"},
		{"7.2.3.4 BFINAL set", hex(0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00), "Hello"},
		{"7.2.3.5 two blocks", hex(0xf2, 0x48, 0x05, 0x00, 0x00, 0x00, 0xff, 0xff, 0xca, 0xc9, 0xc9, 0x07, 0x00), "Hello"},
		{"7.2.3.6 empty, stored block", hex(0x00), ""},
		{"7.2.3.6 empty, fixed block", hex(0x02, 0x00), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := NewDecompressor(false, 0).Decompress(nil, tt.payload)
			if err != nil || string(got) != tt.want {
				t.Errorf("Decompress = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// TestDecompressSharedWindow is §7.2.3.2: the second "Hello" refers back
// into the first message, so it decodes only with context takeover.
func TestDecompressSharedWindow(t *testing.T) {
	first := hex(0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00)
	second := hex(0xf2, 0x00, 0x11, 0x00, 0x00)

	d := NewDecompressor(false, 0)
	for i, p := range [][]byte{first, second} {
		if got, err := d.Decompress(nil, p); err != nil || string(got) != "Hello" {
			t.Fatalf("message %d with context takeover: %q, %v", i+1, got, err)
		}
	}
	d = NewDecompressor(true, 0)
	d.Decompress(nil, first)
	_, err := d.Decompress(nil, second)
	var e *Error
	if !errors.As(err, &e) || e.Rule != RuleInvalidData {
		t.Errorf("second message without context takeover: err %v; want %s", err, RuleInvalidData)
	}
}

func TestCompressHello(t *testing.T) {
	c, _ := NewCompressor(flate.BestCompression, false)
	one, _ := c.Compress(nil, []byte("Hello"))
	two, _ := c.Compress(nil, []byte("Hello"))
	if len(two) >= len(one) {
		t.Errorf("second Hello %x not shorter than first %x with context takeover", two, one)
	}
	empty, _ := c.Compress(nil, nil)
	if !bytes.Equal(empty, []byte{0x00}) {
		t.Errorf("empty message compressed to %x; want 00", empty)
	}
}

func TestCodecRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 100_000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	prose := []byte(strings.Repeat("Habe nun, ach! Philosophie, Juristerei und Medizin, ", 4000))
	messages := [][]byte{{}, []byte("Hello"), []byte("Hello"), random, prose, prose[:70_000], {}, random[:1]}

	params := []struct {
		name string
		p    Params
	}{
		{"context takeover both ways", Params{}},
		{"no context takeover", Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
		{"client no context takeover", Params{ClientNoContextTakeover: true}},
		{"client window 9 (Huffman only)", Params{ClientMaxWindowBits: 9}},
		{"server window 8 (Huffman only)", Params{ServerMaxWindowBits: 8}},
	}
	for _, pp := range params {
		for _, level := range []int{flate.BestSpeed, flate.DefaultCompression, flate.NoCompression} {
			client, err := NewCodec(pp.p, ClientRole, level, 0)
			if err != nil {
				t.Fatal(err)
			}
			server, _ := NewCodec(pp.p, ServerRole, level, 0)
			for i, m := range messages {
				up, _ := client.Out.Compress(nil, m)
				got, err := server.In.Decompress(nil, up)
				if err != nil || !bytes.Equal(got, m) {
					t.Fatalf("%s level %d: message %d upstream: %d octets, %v; want %d", pp.name, level, i, len(got), err, len(m))
				}
				down, _ := server.Out.Compress([]byte("prefix"), m)
				got, err = client.In.Decompress([]byte("x"), down[len("prefix"):])
				if err != nil || !bytes.Equal(got[1:], m) {
					t.Fatalf("%s level %d: message %d downstream: %d octets, %v; want %d", pp.name, level, i, len(got), err, len(m))
				}
			}
		}
	}
}

// TestDecompressBomb: a small payload that inflates past the limit stops
// at the limit (fuzz-perf.md §3.5: the limit must apply after inflation).
func TestDecompressBomb(t *testing.T) {
	c, _ := NewCompressor(flate.BestCompression, true)
	const limit = 1 << 20
	for _, tt := range []struct {
		size int
		ok   bool
	}{{limit, true}, {limit + 1, false}, {16 << 20, false}} {
		bomb, _ := c.Compress(nil, make([]byte, tt.size))
		got, err := NewDecompressor(false, limit).Decompress(nil, bomb)
		if tt.ok {
			if err != nil || len(got) != tt.size {
				t.Errorf("%d zeros (%d compressed): %d octets, %v", tt.size, len(bomb), len(got), err)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Rule != RuleInflatedTooBig || len(got) != 0 {
			t.Errorf("%d zeros (%d compressed): %d octets, %v; want %s", tt.size, len(bomb), len(got), err, RuleInflatedTooBig)
		}
		if cap(got) > 2*limit+8192 {
			t.Errorf("%d zeros: buffer grew to %d octets", tt.size, cap(got))
		}
	}
}

func TestDecompressInvalid(t *testing.T) {
	for _, p := range [][]byte{{0xff, 0xff, 0xff}, {0x06}, {0xf2, 0x00, 0x11, 0x00, 0x00}} {
		_, err := NewDecompressor(true, 0).Decompress(nil, p)
		var e *Error
		if !errors.As(err, &e) || e.Rule != RuleInvalidData || e.Section == "" {
			t.Errorf("Decompress(%x): err %v; want %s", p, err, RuleInvalidData)
		}
	}
}

// FuzzDecompress: any payload inflates or fails with a rule, never past
// the limit, and never panics.
func FuzzDecompress(f *testing.F) {
	for _, seed := range [][]byte{{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00}, {0x00}, {0x02, 0x00}, {0xf3, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00, 0x00}} {
		f.Add(seed)
	}
	const limit = 1 << 16
	f.Fuzz(func(t *testing.T, payload []byte) {
		d := NewDecompressor(false, limit)
		for range 2 { // the second pass inflates with the first's output as history
			out, err := d.Decompress(nil, payload)
			var e *Error
			switch {
			case err != nil && (!errors.As(err, &e) || e.Rule == ""):
				t.Fatalf("error without a rule: %v", err)
			case len(out) > limit:
				t.Fatalf("%d octets past the limit %d", len(out), limit)
			}
		}
	})
}

// FuzzRoundTrip: what a Compressor makes, a Decompressor restores, with
// and without context takeover.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("Hello"), []byte("Hello"), false)
	f.Add([]byte{}, []byte{0, 0, 0}, true)
	f.Fuzz(func(t *testing.T, a, b []byte, noContext bool) {
		c, _ := NewCompressor(flate.BestSpeed, noContext)
		d := NewDecompressor(noContext, 0)
		for _, msg := range [][]byte{a, b, a} {
			z, err := c.Compress(nil, msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := d.Decompress(nil, z)
			if err != nil || !bytes.Equal(got, msg) {
				t.Fatalf("round trip of %x: %x, %v", msg, got, err)
			}
		}
	})
}
