package deflate

import (
	"errors"
	"testing"

	"github.com/wsconform/wsconform/reference/handshake"
)

func parse(t *testing.T, s string) handshake.Extension {
	t.Helper()
	exts, err := handshake.ParseExtensions(s)
	if err != nil || len(exts) != 1 {
		t.Fatalf("ParseExtensions(%q) = %v, %v; want one extension", s, exts, err)
	}
	return exts[0]
}

func TestParseParams(t *testing.T) {
	tests := []struct {
		in   string
		want Params
		fmt  string // String() of the result; "" means same as in
	}{
		{"permessage-deflate", Params{}, ""},
		{"permessage-deflate; server_no_context_takeover", Params{ServerNoContextTakeover: true}, ""},
		{"permessage-deflate; client_no_context_takeover", Params{ClientNoContextTakeover: true}, ""},
		{"permessage-deflate; server_max_window_bits=8", Params{ServerMaxWindowBits: 8}, ""},
		{"permessage-deflate; server_max_window_bits=15", Params{ServerMaxWindowBits: 15}, ""},
		{"permessage-deflate; client_max_window_bits", Params{ClientMaxWindowBits: ClientMaxWindowBitsNoValue}, ""},
		{"permessage-deflate; client_max_window_bits=9", Params{ClientMaxWindowBits: 9}, ""},
		{`permessage-deflate; client_max_window_bits="10"`, Params{ClientMaxWindowBits: 10}, "permessage-deflate; client_max_window_bits=10"},
		{"PerMessage-Deflate; Server_No_Context_Takeover", Params{ServerNoContextTakeover: true}, "permessage-deflate; server_no_context_takeover"},
		{"permessage-deflate; client_max_window_bits; server_max_window_bits=10; client_no_context_takeover; server_no_context_takeover",
			Params{true, true, 10, ClientMaxWindowBitsNoValue},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits"},
	}
	for _, tt := range tests {
		got, err := ParseParams(parse(t, tt.in))
		if err != nil {
			t.Errorf("ParseParams(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseParams(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
		want := tt.fmt
		if want == "" {
			want = tt.in
		}
		if got.String() != want {
			t.Errorf("ParseParams(%q).String() = %q; want %q", tt.in, got.String(), want)
		}
		again, err := ParseParams(parse(t, got.String()))
		if err != nil || again != got {
			t.Errorf("round trip of %q gave %+v, %v", got.String(), again, err)
		}
	}
}

func TestParseParamsErrors(t *testing.T) {
	tests := []struct {
		in, rule, section string
	}{
		{"x-webkit-deflate-frame", "pmd-wrong-extension", "RFC 7692 §7"},
		{"permessage-deflate; foo", "pmd-unknown-param", "RFC 7692 §7"},
		{"permessage-deflate; server_no_context_takeover; server_no_context_takeover", "pmd-duplicate-param", "RFC 7692 §7"},
		{"permessage-deflate; client_max_window_bits; Client_Max_Window_Bits=10", "pmd-duplicate-param", "RFC 7692 §7"},
		{"permessage-deflate; server_no_context_takeover=1", "pmd-invalid-value", "RFC 7692 §7.1.1.1"},
		{"permessage-deflate; client_no_context_takeover=true", "pmd-invalid-value", "RFC 7692 §7.1.1.2"},
		{"permessage-deflate; server_max_window_bits", "pmd-invalid-value", "RFC 7692 §7.1.2.1"},
		{"permessage-deflate; server_max_window_bits=7", "pmd-invalid-value", "RFC 7692 §7.1.2.1"},
		{"permessage-deflate; server_max_window_bits=16", "pmd-invalid-value", "RFC 7692 §7.1.2.1"},
		{"permessage-deflate; server_max_window_bits=010", "pmd-invalid-value", "RFC 7692 §7.1.2.1"},
		{"permessage-deflate; server_max_window_bits=+9", "pmd-invalid-value", "RFC 7692 §7.1.2.1"},
		{"permessage-deflate; client_max_window_bits=0", "pmd-invalid-value", "RFC 7692 §7.1.2.2"},
		{"permessage-deflate; client_max_window_bits=09", "pmd-invalid-value", "RFC 7692 §7.1.2.2"},
		{"permessage-deflate; client_max_window_bits=abc", "pmd-invalid-value", "RFC 7692 §7.1.2.2"},
		{"permessage-deflate; client_max_window_bits=99999999999999999999", "pmd-invalid-value", "RFC 7692 §7.1.2.2"},
	}
	for _, tt := range tests {
		_, err := ParseParams(parse(t, tt.in))
		var e *Error
		if !errors.As(err, &e) || e.Rule != tt.rule || e.Section != tt.section || e.Detail == "" {
			t.Errorf("ParseParams(%q) error %v; want rule %q section %q", tt.in, err, tt.rule, tt.section)
		}
	}
}

func TestOffers(t *testing.T) {
	exts, err := handshake.ParseExtensions("x-foo, permessage-deflate; bogus, permessage-deflate; client_max_window_bits, permessage-deflate")
	if err != nil {
		t.Fatal(err)
	}
	offers, errs := Offers(exts)
	want := []Params{{ClientMaxWindowBits: ClientMaxWindowBitsNoValue}, {}}
	if len(offers) != 2 || offers[0] != want[0] || offers[1] != want[1] {
		t.Errorf("offers %+v; want %+v", offers, want)
	}
	if len(errs) != 1 {
		t.Errorf("errs %v; want one for \"bogus\"", errs)
	}
}
