package frame

import (
	"errors"
	"testing"
	"testing/quick"
)

// fits reports whether a length field of encoding e can carry n.
func fits(e LengthEncoding, n uint64) bool {
	switch e {
	case Length7:
		return n <= 125
	case Length16:
		return n <= 0xFFFF
	}
	return true
}

// TestHeaderRoundTrip encodes every header the writer can express and parses
// it back: all opcodes, RSV combinations, FIN, masking, each length encoding
// (non-minimal ones and the forbidden 64-bit top bit included).
func TestHeaderRoundTrip(t *testing.T) {
	lengths := []uint64{0, 1, 125, 126, 127, 0xFFFF, 0x10000, 1 << 32, 1<<63 - 1, 1 << 63, 1<<64 - 1}
	encodings := []LengthEncoding{LengthMinimal, Length7, Length16, Length64}
	count := 0
	for op := Opcode(0); op < 16; op++ {
		for rsv := uint8(0); rsv < 8; rsv++ {
			for _, fin := range []bool{false, true} {
				for _, masked := range []bool{false, true} {
					for _, n := range lengths {
						for _, enc := range encodings {
							if !fits(enc, n) {
								continue
							}
							h := Header{Fin: fin, Rsv: rsv, Opcode: op, Masked: masked, Length: n, Encoding: enc}
							if masked {
								h.Mask = [4]byte{byte(op), rsv, 0xFF, byte(n)}
							}
							checkRoundTrip(t, h)
							count++
						}
					}
				}
			}
		}
	}
	if count < 10000 {
		t.Fatalf("only %d headers tried", count)
	}
}

func checkRoundTrip(t *testing.T, h Header) {
	t.Helper()
	wire := AppendHeader(nil, h)
	if len(wire) != h.Size() {
		t.Fatalf("%v: encoded %d octets, Size() = %d", h, len(wire), h.Size())
	}
	got, n, err := ParseHeader(wire)
	if err != nil || n != len(wire) {
		t.Fatalf("%v: ParseHeader(% x) = n %d, err %v", h, wire, n, err)
	}
	want := h
	if want.Encoding == LengthMinimal {
		want.Encoding = MinimalLengthEncoding(h.Length)
	}
	if got != want {
		t.Fatalf("round trip of % x:\n got %#v\nwant %#v", wire, got, want)
	}
	for i := range wire {
		if _, _, err := ParseHeader(wire[:i]); !errors.Is(err, ErrShortHeader) {
			t.Fatalf("%v: prefix of %d octets: err = %v, want ErrShortHeader", h, i, err)
		}
	}
}

func TestParseHeaderFields(t *testing.T) {
	tests := []struct {
		name string
		wire []byte
		want Header
	}{
		{"all flags, 7-bit", []byte{0xFF, 0x7D}, Header{Fin: true, Rsv: 7, Opcode: 0xF, Length: 125, Encoding: Length7}},
		{"non-minimal 16-bit zero", []byte{0x02, 0x7E, 0, 0}, Header{Opcode: OpBinary, Encoding: Length16}},
		{"non-minimal 64-bit 5", []byte{0x81, 0x7F, 0, 0, 0, 0, 0, 0, 0, 5}, Header{Fin: true, Opcode: OpText, Length: 5, Encoding: Length64}},
		{"64-bit top bit", []byte{0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4},
			Header{Fin: true, Opcode: OpBinary, Masked: true, Mask: [4]byte{1, 2, 3, 4}, Length: 1<<63 + 1, Encoding: Length64}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n, err := ParseHeader(tt.wire)
			if err != nil || n != len(tt.wire) || got != tt.want {
				t.Errorf("ParseHeader = %#v, %d, %v; want %#v, %d", got, n, err, tt.want, len(tt.wire))
			}
		})
	}
}

func TestParseHeaderDoesNotAllocate(t *testing.T) {
	wire := []byte{0x82, 0xFF, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4}
	if a := testing.AllocsPerRun(100, func() { _, _, _ = ParseHeader(wire) }); a != 0 {
		t.Errorf("ParseHeader allocates %v times", a)
	}
}

// TestHeaderRoundTripRandom is the same property over random field values.
func TestHeaderRoundTripRandom(t *testing.T) {
	property := func(b0, b1 uint8, mask [4]byte, length uint64, enc uint8) bool {
		h := Header{Fin: b0&0x80 != 0, Rsv: b0 >> 4 & 7, Opcode: Opcode(b0 & 0xF), Masked: b1&1 != 0,
			Length: length >> (b1 >> 1 % 64), Encoding: LengthEncoding(enc % 4)}
		if h.Masked {
			h.Mask = mask
		}
		if !fits(h.Encoding, h.Length) {
			h.Encoding = LengthMinimal
		}
		checkRoundTrip(t, h)
		return true
	}
	if err := quick.Check(property, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
}
