package server

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

func TestBadHandshake(t *testing.T) {
	u := startServer(t, Config{})
	parsed, _ := url.Parse(u)
	valid := func() *handshake.Request { return handshake.NewClientRequest(parsed, handshake.NewKey()) }
	tests := []struct {
		name   string
		req    []byte
		status int
		field  [2]string // a field the response must carry, if set
	}{
		{"no Sec-WebSocket-Key", valid().Del("Sec-WebSocket-Key").Bytes(), 400, [2]string{}},
		{"key of 15 octets", valid().Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA").Bytes(), 400, [2]string{}},
		{"no Upgrade", valid().Del("Upgrade").Bytes(), 400, [2]string{}},
		{"version 8", valid().Set("Sec-WebSocket-Version", "8").Bytes(), 426, [2]string{"Sec-WebSocket-Version", "13"}},
		{"POST", func() []byte { r := valid(); r.Method = "POST"; return r.Bytes() }(), 405, [2]string{"Allow", "GET"}},
		{"not HTTP", []byte("HELLO\r\n\r\n"), 400, [2]string{}},
		{"header block over 16 KiB", valid().Add("X-Pad", strings.Repeat("a", 17<<10)).Bytes(), 431, [2]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, u)
			c.write(tt.req)
			resp, err := handshake.ReadResponse(c.br)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tt.status {
				t.Errorf("status %d, want %d", resp.Status, tt.status)
			}
			if tt.field[0] != "" {
				if v, _ := resp.Get(tt.field[0]); v != tt.field[1] {
					t.Errorf("%s: %q, want %q", tt.field[0], v, tt.field[1])
				}
			}
			c.expectEOF()
		})
	}
}

// TestFramesPipelinedWithRequest sends the first frame in the same write as
// the request: octets read past the request head must not be lost.
func TestFramesPipelinedWithRequest(t *testing.T) {
	u := startServer(t, Config{})
	parsed, _ := url.Parse(u)
	req := handshake.NewClientRequest(parsed, handshake.NewKey())
	c := dialRaw(t, u)
	c.write(masked(frame.OpText, []byte("early")).Append(req.Bytes()))
	resp, err := handshake.ReadResponse(c.br)
	if err != nil || resp.Status != 101 {
		t.Fatalf("response %v, %v", resp, err)
	}
	c.send(closeFrame(frame.CloseNormal, ""))
	if got, want := c.transcript(), []string{"text:early", "close:1000"}; !equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestHandshakeTimeout(t *testing.T) {
	u := startServer(t, Config{HandshakeTimeout: 100 * time.Millisecond})
	c := dialRaw(t, u)
	c.write([]byte("GET / HTTP/1.1\r\n")) // and never the rest
	start := time.Now()
	c.expectEOF()
	if d := time.Since(start); d > time.Second {
		t.Errorf("connection dropped after %v, want about 100ms", d)
	}
}

func TestIdleTimeout(t *testing.T) {
	u := startServer(t, Config{IdleTimeout: 100 * time.Millisecond})
	c := dialRaw(t, u).handshake(u)
	start := time.Now()
	if got, want := c.transcript(), []string{"close:1001"}; !equal(got, want) {
		t.Errorf("idle connection: got %q, want %q", got, want)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("idle connection closed after %v, want about 100ms", d)
	}
}
