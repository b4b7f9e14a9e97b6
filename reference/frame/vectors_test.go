package frame

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
)

// rfcExample is one of the RFC 6455 §5.7 examples: the frames as built by
// this package, and their exact wire bytes from the RFC.
type rfcExample struct {
	name   string
	frames []Frame
	wire   []byte
}

func rfcExamples() []rfcExample {
	hello := []byte("Hello")
	maskKey := [4]byte{0x37, 0xfa, 0x21, 0x3d}
	fragment := func(op Opcode, fin bool, p string) Frame {
		f := New(op, []byte(p))
		f.Fin = fin
		return f
	}
	bin256 := bytes.Repeat([]byte{0xA5}, 256)
	bin64k := bytes.Repeat([]byte{0x5A}, 65536)
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	return []rfcExample{
		{"single-frame unmasked text", []Frame{New(OpText, hello)},
			[]byte{0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"single-frame masked text", []Frame{New(OpText, hello).Masked(maskKey)},
			[]byte{0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
		{"fragmented unmasked text", []Frame{fragment(OpText, false, "Hel"), fragment(OpContinuation, true, "lo")},
			[]byte{0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f}},
		{"unmasked ping", []Frame{New(OpPing, hello)},
			[]byte{0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f}},
		{"masked pong", []Frame{New(OpPong, hello).Masked(maskKey)},
			[]byte{0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58}},
		{"256-byte binary, 16-bit length", []Frame{New(OpBinary, bin256)},
			cat([]byte{0x82, 0x7E, 0x01, 0x00}, bin256)},
		{"64KiB binary, 64-bit length", []Frame{New(OpBinary, bin64k)},
			cat([]byte{0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}, bin64k)},
	}
}

func TestRFCExamplesEncode(t *testing.T) {
	for _, ex := range rfcExamples() {
		t.Run(ex.name, func(t *testing.T) {
			var got []byte
			for _, f := range ex.frames {
				got = f.Append(got)
			}
			if !bytes.Equal(got, ex.wire) {
				t.Errorf("encoded\n% x\nwant\n% x", head(got), head(ex.wire))
			}
		})
	}
}

func TestRFCExamplesDecode(t *testing.T) {
	sources := map[string]func([]byte) io.Reader{
		"whole":     func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one-octet": func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"half":      func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) },
	}
	for _, ex := range rfcExamples() {
		for srcName, src := range sources {
			t.Run(ex.name+"/"+srcName, func(t *testing.T) {
				r := NewReader(src(ex.wire))
				for i, want := range ex.frames {
					got, err := ReadFrame(r, 1<<20)
					if err != nil {
						t.Fatalf("frame %d: %v", i, err)
					}
					want.Header.Length = uint64(len(want.Payload))
					want.Header.Encoding = MinimalLengthEncoding(want.Header.Length)
					if got.Header != want.Header {
						t.Errorf("frame %d header = %v, want %v", i, got.Header, want.Header)
					}
					if !bytes.Equal(got.Payload, want.Payload) {
						t.Errorf("frame %d payload = %q, want %q", i, head(got.Payload), head(want.Payload))
					}
					if vs := Check(got.Header, roleOf(got.Header), Extensions{}); vs != nil {
						t.Errorf("frame %d: RFC example breaks rules: %v", i, vs)
					}
				}
				if _, err := r.Next(); err != io.EOF {
					t.Errorf("after last frame: err = %v, want io.EOF", err)
				}
			})
		}
	}
}

// roleOf is the sender the RFC examples imply: masked frames come from clients.
func roleOf(h Header) Role {
	if h.Masked {
		return FromClient
	}
	return FromServer
}

// head shortens long byte slices in failure messages.
func head(b []byte) []byte {
	if len(b) > 32 {
		return b[:32]
	}
	return b
}
