package observed

import (
	"encoding/hex"
	"strings"
	"testing"
)

func TestRedactHead(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"none", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{"authorization", "GET / HTTP/1.1\r\nAuthorization: Bearer x\r\nHost: a\r\n\r\n", "GET / HTTP/1.1\r\nAuthorization: <redacted>\r\nHost: a\r\n\r\n"},
		{"any case, no space", "GET / HTTP/1.1\r\ncOOKIE:a=b; c=d\r\n\r\n", "GET / HTTP/1.1\r\ncOOKIE:<redacted>\r\n\r\n"},
		{"proxy-authorization, tabs", "GET / HTTP/1.1\r\nProxy-Authorization:\t Basic eA==\r\n\r\n", "GET / HTTP/1.1\r\nProxy-Authorization:\t <redacted>\r\n\r\n"},
		{"bare LF", "GET / HTTP/1.1\nCookie: x\nHost: a\n\n", "GET / HTTP/1.1\nCookie: <redacted>\nHost: a\n\n"},
		{"cut in the value", "GET / HTTP/1.1\r\nAuthorization: Bearer abc… (90000 octets in all)", "GET / HTTP/1.1\r\nAuthorization: <redacted>"},
		{"other fields kept", "HTTP/1.1 101 OK\r\nSet-Cookie: a=b\r\nX-Authorization: y\r\n\r\n", "HTTP/1.1 101 OK\r\nSet-Cookie: a=b\r\nX-Authorization: y\r\n\r\n"},
		{"empty value", "GET / HTTP/1.1\r\nCookie:\r\n\r\n", "GET / HTTP/1.1\r\nCookie:\r\n\r\n"},
		{"after the head", "GET / HTTP/1.1\r\n\r\nCookie: x\r\n", "GET / HTTP/1.1\r\n\r\nCookie: x\r\n"},
	}
	for _, tc := range tests {
		if got := RedactHead(tc.in); got != tc.want {
			t.Errorf("%s: RedactHead(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestRedactWireLog(t *testing.T) {
	hx := func(s string) string { return hex.EncodeToString([]byte(s)) }
	frame := "\x81\x85\x01\x02\x03\x04abcde"
	entry := func(dir Direction, s string, octets int) Entry {
		e := Entry{Dir: dir, Octets: octets, Hex: hx(s)}
		if octets > len(s) {
			e.Hex += "…"
		}
		return e
	}
	tests := []struct {
		name string
		log  []Entry
		want []string // the entries' octets after redaction
	}{
		{"one write", []Entry{entry(Sent, "GET / HTTP/1.1\r\nCookie: s\r\n\r\n"+frame, 40)},
			[]string{"GET / HTTP/1.1\r\nCookie: <redacted>\r\n\r\n" + frame}},
		{"one octet a write", []Entry{entry(Sent, "Cookie: ", 8), entry(Sent, "a", 1), entry(Sent, "b", 1), entry(Sent, "\r\n\r\n", 4), entry(Sent, frame, 11)},
			[]string{"Cookie: ", Redacted, Redacted, "\r\n\r\n", frame}},
		{"preview cut in the value", []Entry{entry(Sent, "GET / HTTP/1.1\r\nCookie: se", 200), entry(Sent, "cret\r\nHost: a\r\n\r\n", 17), entry(Sent, frame, 11)},
			[]string{"GET / HTTP/1.1\r\nCookie: <redacted>", Redacted + "\r\nHost: a\r\n\r\n", frame}},
		{"head ended unseen", []Entry{entry(Sent, "GET / HTTP/1.1\r\nHost: a", 200), entry(Sent, frame, 11)},
			[]string{"GET / HTTP/1.1\r\nHost: a", frame}},
		{"entries omitted", []Entry{entry(Sent, "GET / HTTP/1.1\r\nCookie: ", 24), {Dir: Note, Omitted: 9}, entry(Sent, "z\r\n\r\n", 5)},
			[]string{"GET / HTTP/1.1\r\nCookie: ", "", Redacted + "\r\n\r\n"}},
		{"each way its own head", []Entry{entry(Sent, "GET / HTTP/1.1\r\nCookie: a\r\n\r\n", 29), entry(Received, "HTTP/1.1 101 x\r\nCookie: b\r\n\r\n", 29)},
			[]string{"GET / HTTP/1.1\r\nCookie: <redacted>\r\n\r\n", "HTTP/1.1 101 x\r\nCookie: <redacted>\r\n\r\n"}},
	}
	for _, tc := range tests {
		orig := append([]Entry(nil), tc.log...)
		got := RedactWireLog(tc.log)
		for i, e := range got {
			b, err := hex.DecodeString(strings.TrimSuffix(e.Hex, "…"))
			if err != nil || string(b) != tc.want[i] {
				t.Errorf("%s: entry %d = %q, want %q", tc.name, i, b, tc.want[i])
			}
			if e.Octets != orig[i].Octets || strings.HasSuffix(e.Hex, "…") != strings.HasSuffix(orig[i].Hex, "…") {
				t.Errorf("%s: entry %d: octets %d (was %d), hex %q", tc.name, i, e.Octets, orig[i].Octets, e.Hex)
			}
		}
		for i := range orig {
			if tc.log[i] != orig[i] {
				t.Errorf("%s: the log passed in changed", tc.name)
			}
		}
	}
}
