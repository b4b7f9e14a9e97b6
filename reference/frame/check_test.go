package frame

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func rules(vs []Violation) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.Rule)
	}
	return ids
}

func TestCheck(t *testing.T) {
	key := [4]byte{1, 2, 3, 4}
	text := Header{Fin: true, Opcode: OpText, Length: 5}
	clientText := Header{Fin: true, Opcode: OpText, Length: 5, Masked: true, Mask: key}
	with := func(h Header, edit func(*Header)) Header { edit(&h); return h }
	tests := []struct {
		name string
		h    Header
		from Role
		ext  Extensions
		want []string // rule ids, in Check's order
	}{
		{"clean server text", text, FromServer, Extensions{}, nil},
		{"clean client text", clientText, FromClient, Extensions{}, nil},
		{"role unknown skips masking rules", text, 0, Extensions{}, nil},

		{"RSV1 without extension", with(text, func(h *Header) { h.Rsv = RSV1 }), FromServer, Extensions{}, []string{RuleRSVWithoutExtension}},
		{"RSV2 without extension", with(text, func(h *Header) { h.Rsv = RSV2 }), FromServer, Extensions{}, []string{RuleRSVWithoutExtension}},
		{"RSV3 with only RSV1 negotiated", with(text, func(h *Header) { h.Rsv = RSV3 | RSV1 }), FromServer, PerMessageDeflate, []string{RuleRSVWithoutExtension}},
		{"RSV1 on text with deflate", with(text, func(h *Header) { h.Rsv = RSV1 }), FromServer, PerMessageDeflate, nil},
		{"all RSV negotiated", with(text, func(h *Header) { h.Rsv = 7 }), FromServer, Extensions{true, true, true}, nil},

		{"reserved non-control opcode 3", with(text, func(h *Header) { h.Opcode = 3 }), FromServer, Extensions{}, []string{RuleReservedOpcode}},
		{"reserved control opcode 0xB", with(text, func(h *Header) { h.Opcode = 0xB }), FromServer, Extensions{}, []string{RuleReservedOpcode}},
		{"reserved control opcode 0xF too long", with(text, func(h *Header) { h.Opcode = 0xF; h.Length = 126 }), FromServer, Extensions{},
			[]string{RuleReservedOpcode, RuleControlTooLong}},

		{"client frame unmasked", text, FromClient, Extensions{}, []string{RuleClientFrameUnmasked}},
		{"server frame masked", clientText, FromServer, Extensions{}, []string{RuleServerFrameMasked}},
		{"all-zero mask key is still masked", with(clientText, func(h *Header) { h.Mask = [4]byte{} }), FromClient, Extensions{}, nil},

		{"ping of 125", Header{Fin: true, Opcode: OpPing, Length: 125}, FromServer, Extensions{}, nil},
		{"ping of 126", Header{Fin: true, Opcode: OpPing, Length: 126}, FromServer, Extensions{}, []string{RuleControlTooLong}},
		{"close of 126 in 16-bit field", Header{Fin: true, Opcode: OpClose, Length: 126, Encoding: Length16}, FromServer, Extensions{}, []string{RuleControlTooLong}},
		{"fragmented ping", Header{Opcode: OpPing}, FromServer, Extensions{}, []string{RuleControlFragmented}},
		{"unfinished text is fine", Header{Opcode: OpText}, FromServer, Extensions{}, nil},

		{"64-bit top bit", Header{Fin: true, Opcode: OpBinary, Length: 1 << 63, Encoding: Length64}, FromServer, Extensions{}, []string{RuleLengthTopBit}},
		{"64-bit largest legal", Header{Fin: true, Opcode: OpBinary, Length: 1<<63 - 1, Encoding: Length64}, FromServer, Extensions{}, nil},
		{"16-bit field for 125", Header{Fin: true, Opcode: OpBinary, Length: 125, Encoding: Length16}, FromServer, Extensions{}, []string{RuleLengthNotMinimal}},
		{"64-bit field for 65535", Header{Fin: true, Opcode: OpBinary, Length: 65535, Encoding: Length64}, FromServer, Extensions{}, []string{RuleLengthNotMinimal}},
		{"16-bit field for 126", Header{Fin: true, Opcode: OpBinary, Length: 126, Encoding: Length16}, FromServer, Extensions{}, nil},
		{"64-bit field for 65536", Header{Fin: true, Opcode: OpBinary, Length: 65536, Encoding: Length64}, FromServer, Extensions{}, nil},

		{"compressed ping", Header{Fin: true, Rsv: RSV1, Opcode: OpPing}, FromServer, PerMessageDeflate, []string{RuleCompressedControl}},
		{"compressed continuation", Header{Fin: true, Rsv: RSV1, Opcode: OpContinuation}, FromServer, PerMessageDeflate, []string{RuleCompressedContinued}},
		{"RSV1 ping without deflate is only rsv-without-extension", Header{Fin: true, Rsv: RSV1, Opcode: OpPing}, FromServer, Extensions{},
			[]string{RuleRSVWithoutExtension}},

		{"everything at once", Header{Rsv: RSV2, Opcode: 0xC, Masked: true, Length: 1<<63 + 5, Encoding: Length64}, FromServer, Extensions{},
			[]string{RuleRSVWithoutExtension, RuleReservedOpcode, RuleServerFrameMasked, RuleControlTooLong, RuleControlFragmented, RuleLengthTopBit}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vs := Check(tt.h, tt.from, tt.ext)
			if got := rules(vs); !slices.Equal(got, tt.want) {
				t.Fatalf("Check(%v) rules = %q, want %q", tt.h, got, tt.want)
			}
			for _, v := range vs {
				if v.Code != CloseProtocolError || !strings.HasPrefix(v.Section, "RFC ") || v.Detail == "" {
					t.Errorf("incomplete violation %#v", v)
				}
				if !strings.Contains(v.Error(), v.Rule) || !strings.Contains(v.Error(), v.Section) {
					t.Errorf("Error() = %q lacks rule or section", v.Error())
				}
			}
		})
	}
}

func TestCheckCleanHeaderDoesNotAllocate(t *testing.T) {
	h := Header{Fin: true, Opcode: OpBinary, Length: 300, Masked: true}
	if a := testing.AllocsPerRun(100, func() { _ = Check(h, FromClient, Extensions{}) }); a != 0 {
		t.Errorf("Check allocates %v times on a clean header", a)
	}
}

func TestSequence(t *testing.T) {
	type step struct {
		op   Opcode
		fin  bool
		want string // rule id, or "" for accepted
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"single frames", []step{{OpText, true, ""}, {OpBinary, true, ""}}},
		{"fragmented with interleaved controls", []step{
			{OpText, false, ""}, {OpPing, true, ""}, {OpContinuation, false, ""}, {OpPong, true, ""}, {OpClose, true, ""}, {OpContinuation, true, ""}, {OpBinary, true, ""}}},
		{"continuation first", []step{{OpContinuation, true, RuleContinuationNoStart}}},
		{"continuation after finished message", []step{{OpText, true, ""}, {OpContinuation, false, RuleContinuationNoStart}}},
		{"new text inside message", []step{{OpBinary, false, ""}, {OpText, true, RuleDataInsideFragmented}, {OpContinuation, true, ""}}},
		{"new binary inside message", []step{{OpText, false, ""}, {OpBinary, false, RuleDataInsideFragmented}}},
		{"reserved opcode leaves state alone", []step{{OpText, false, ""}, {0x3, true, ""}, {OpContinuation, true, ""}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Sequence
			for i, st := range tt.steps {
				v := s.Check(Header{Fin: st.fin, Opcode: st.op})
				got := ""
				if v != nil {
					got = v.Rule
					if v.Code != CloseProtocolError || v.Section != "RFC 6455 §5.4" {
						t.Errorf("step %d: violation %#v", i, *v)
					}
				}
				if got != st.want {
					t.Fatalf("step %d (%v fin=%t): rule %q, want %q", i, st.op, st.fin, got, st.want)
				}
			}
		})
	}
}

func TestSequenceMessageSize(t *testing.T) {
	var s Sequence
	for _, h := range []Header{
		{Opcode: OpText, Length: 10},
		{Fin: true, Opcode: OpPing, Length: 100}, // control payload does not count
		{Opcode: OpContinuation, Length: 5},
	} {
		if v := s.Check(h); v != nil {
			t.Fatal(v)
		}
	}
	if !s.InMessage() || s.MessageOpcode() != OpText || s.MessageSize() != 15 {
		t.Fatalf("state = open %t, %v, size %d; want open text 15", s.InMessage(), s.MessageOpcode(), s.MessageSize())
	}
	if v := CheckMessageSize(s.MessageSize(), 15); v != nil {
		t.Errorf("size 15 with limit 15: %v", v)
	}
	v := CheckMessageSize(s.MessageSize(), 14)
	if v == nil || v.Code != CloseMessageTooBig || v.Rule != RuleMessageTooBig {
		t.Errorf("size 15 with limit 14: %v, want 1009 %s", v, RuleMessageTooBig)
	}
	if v := s.Check(Header{Fin: true, Opcode: OpContinuation, Length: 1<<64 - 1}); v != nil || s.MessageSize() != 1<<64-1 {
		t.Errorf("size must saturate, got %d (%v)", s.MessageSize(), v)
	}
	if s.InMessage() {
		t.Error("FIN continuation must end the message")
	}
	var asErr error = CheckMessageSize(2, 1)
	var target *Violation
	if !errors.As(asErr, &target) || target.Rule != RuleMessageTooBig {
		t.Errorf("errors.As on *Violation failed: %v", asErr)
	}
}
