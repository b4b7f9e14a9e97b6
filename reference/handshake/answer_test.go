package handshake

import (
	"bufio"
	"bytes"
	"net/url"
	"testing"
)

func TestAnswer(t *testing.T) {
	u, _ := url.Parse("ws://example.com/chat")
	tests := []struct {
		name   string
		edit   func(*Request)
		ok     bool
		status int
	}{
		{"valid request", func(*Request) {}, true, 101},
		{"version 8", func(r *Request) { r.Set("Sec-WebSocket-Version", "8") }, false, 426},
		{"POST", func(r *Request) { r.Method = "POST" }, false, 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := NewClientRequest(u, "dGhlIHNhbXBsZSBub25jZQ==")
			tc.edit(req)
			var out bytes.Buffer
			got, ok, err := Answer(&out, bufio.NewReader(bytes.NewReader(req.Bytes())), Field{"Sec-WebSocket-Protocol", "chat"})
			if ok != tc.ok || got == nil || (err == nil) != tc.ok {
				t.Fatalf("Answer = %v, %t, %v; want ok=%t", got, ok, err, tc.ok)
			}
			resp, err := ReadResponse(bufio.NewReader(&out))
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status {
				t.Errorf("status %d, want %d", resp.Status, tc.status)
			}
			if p, _ := resp.Get("Sec-WebSocket-Protocol"); (p == "chat") != tc.ok {
				t.Errorf("extra field on a %d response: %q", resp.Status, p)
			}
			if tc.ok {
				if a, _ := resp.Get("Sec-WebSocket-Accept"); a != "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" {
					t.Errorf("accept %q", a)
				}
			}
		})
	}
}
