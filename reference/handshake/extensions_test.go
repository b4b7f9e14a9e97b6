package handshake

import (
	"reflect"
	"testing"
)

func TestTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Upgrade", []string{"Upgrade"}},
		{"keep-alive, Upgrade", []string{"keep-alive", "Upgrade"}},
		{" \tkeep-alive\t,Upgrade ", []string{"keep-alive", "Upgrade"}},
		{",, a ,\t,b,", []string{"a", "b"}},
		{"", nil},
		{" , ", nil},
		{"a b, c", []string{"a b", "c"}}, // not a token, but splitting is all Tokens does
	}
	for _, tt := range tests {
		if got := Tokens(tt.in); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tokens(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseExtensions(t *testing.T) {
	pmd := func(ps ...Param) Extension { return Extension{Name: "permessage-deflate", Params: ps} }
	flag := func(n string) Param { return Param{Name: n} }
	val := func(n, v string) Param { return Param{Name: n, Value: v, HasValue: true} }
	tests := []struct {
		in      string
		want    []Extension
		wantFmt string // FormatExtensions(want); "" means same as in
	}{
		{"permessage-deflate", []Extension{pmd()}, ""},
		{"permessage-deflate; client_max_window_bits", []Extension{pmd(flag("client_max_window_bits"))}, ""},
		// RFC 7692 §5.2's example offer list.
		{"permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits",
			[]Extension{pmd(flag("client_max_window_bits"), val("server_max_window_bits", "10")), pmd(flag("client_max_window_bits"))}, ""},
		{`permessage-deflate;server_max_window_bits="10"`, []Extension{pmd(val("server_max_window_bits", "10"))},
			"permessage-deflate; server_max_window_bits=10"},
		{"permessage-deflate \t; a = 1 ;b\t", []Extension{pmd(val("a", "1"), flag("b"))}, "permessage-deflate; a=1; b"},
		{`x; a="\b\c"`, []Extension{{Name: "x", Params: []Param{val("a", "bc")}}}, "x; a=bc"},
		{" , foo ,, bar;baz=\"1\" , ", []Extension{{Name: "foo"}, {Name: "bar", Params: []Param{val("baz", "1")}}}, "foo, bar; baz=1"},
		{"foo, foo", []Extension{{Name: "foo"}, {Name: "foo"}}, ""},
	}
	for _, tt := range tests {
		got, err := ParseExtensions(tt.in)
		if err != nil {
			t.Errorf("ParseExtensions(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseExtensions(%q) = %+v; want %+v", tt.in, got, tt.want)
		}
		wantFmt := tt.wantFmt
		if wantFmt == "" {
			wantFmt = tt.in
		}
		if f := FormatExtensions(got); f != wantFmt {
			t.Errorf("FormatExtensions(ParseExtensions(%q)) = %q; want %q", tt.in, f, wantFmt)
		}
	}
}

func TestParseExtensionsErrors(t *testing.T) {
	for _, in := range []string{
		"",                       // 1#extension needs one
		" ,, ",                   // only empty elements
		";a",                     // no extension token
		"foo;",                   // no parameter after ;
		"foo;;a",                 // empty parameter
		"foo; =1",                // parameter without name
		"foo; a=",                // = without value
		"foo; a=\"\"",            // quoted empty value is no token
		`foo; a="b c"`,           // quoted value with SP is no token
		`foo; a="10`,             // unterminated quoted-string
		`foo; a="1\`,             // quoted-pair at end
		"foo; a=\"\x01\"",        // CTL in quoted-string
		"foo bar",                // two tokens
		"foo; a=b c",             // junk after value
		"foo/1",                  // "/" is a separator
		"foo; a=1=2",             // two =
		"permessage-deflate, ;x", // second element has no token
		"f\u00f6o",               // non-ASCII
	} {
		if exts, err := ParseExtensions(in); err == nil {
			t.Errorf("ParseExtensions(%q) = %+v; want an error", in, exts)
		}
	}
}

func TestExtensionStringQuotesNonTokens(t *testing.T) {
	e := Extension{Name: "x", Params: []Param{{Name: "a", Value: `b "c"`, HasValue: true}}}
	if got, want := e.String(), `x; a="b \"c\""`; got != want {
		t.Errorf("String() = %q; want %q", got, want)
	}
}
