package server

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// testDeadline bounds every network wait in these tests.
const testDeadline = 5 * time.Second

var testMask = [4]byte{0x37, 0xfa, 0x21, 0x3d}

// startServer runs a server on a loopback port for the test's lifetime.
func startServer(t testing.TB, cfg Config) string {
	t.Helper()
	s, u, err := Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return u
}

// rawClient speaks the protocol by hand through the reference packages, so
// tests can send what no well-behaved client would.
type rawClient struct {
	t    testing.TB
	conn net.Conn
	br   *bufio.Reader
	fr   *frame.Reader
}

// dialRaw opens a TCP connection and, unless req is nil, sends req and
// returns the response head.
func dialRaw(t testing.TB, wsURL string) *rawClient {
	t.Helper()
	u, _ := url.Parse(wsURL)
	conn, err := net.DialTimeout("tcp", u.Host, testDeadline)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(testDeadline))
	br := bufio.NewReader(conn)
	return &rawClient{t: t, conn: conn, br: br, fr: frame.NewReader(br)}
}

// handshake performs a valid opening handshake.
func (c *rawClient) handshake(wsURL string) *rawClient {
	c.t.Helper()
	u, _ := url.Parse(wsURL)
	req := handshake.NewClientRequest(u, handshake.NewKey())
	c.write(req.Bytes())
	resp, err := handshake.ReadResponse(c.br)
	if err != nil {
		c.t.Fatalf("reading handshake response: %v", err)
	}
	if vs := handshake.ValidateResponse(req, resp); len(vs) > 0 {
		c.t.Fatalf("handshake response violates RFC 6455: %v", vs)
	}
	return c
}

func (c *rawClient) write(b []byte) {
	c.t.Helper()
	if _, err := c.conn.Write(b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// send writes frames, masked as a client must unless the frame says
// otherwise through its header (use unmasked() for that).
func (c *rawClient) send(frames ...frame.Frame) {
	c.t.Helper()
	var b []byte
	for _, f := range frames {
		b = f.Append(b)
	}
	c.write(b)
}

// sendQuietly is send for a peer that may already have closed.
func (c *rawClient) sendQuietly(frames ...frame.Frame) {
	var b []byte
	for _, f := range frames {
		b = f.Append(b)
	}
	c.conn.Write(b)
}

func masked(op frame.Opcode, payload []byte) frame.Frame {
	return frame.New(op, payload).Masked(testMask)
}

func fragment(op frame.Opcode, payload []byte, fin bool) frame.Frame {
	f := masked(op, payload)
	f.Fin = fin
	return f
}

// transcript reads what the server sends until its close frame, then
// checks the server also ends TCP. Each frame is spelled "op:payload",
// a close as "close:CODE" (or "close:" with no code).
func (c *rawClient) transcript() []string {
	c.t.Helper()
	var got []string
	for {
		f, err := frame.ReadFrame(c.fr, 64<<20)
		if err != nil {
			c.t.Fatalf("after %q: reading frame: %v", got, err)
		}
		if f.Header.Masked {
			c.t.Fatalf("server sent a masked frame: %v", f.Header)
		}
		if f.Opcode != frame.OpClose {
			got = append(got, fmt.Sprintf("%s:%s", opName(f.Opcode), f.Payload))
			continue
		}
		body, v := frame.ParseClosePayload(f.Payload)
		code := body.Code
		if v != nil {
			c.t.Fatalf("server sent a bad close frame: %v", v)
		}
		if !body.HasCode {
			got = append(got, "close:")
		} else {
			got = append(got, fmt.Sprintf("close:%d", code))
		}
		c.expectEOF()
		return got
	}
}

// expectEOF checks the server closes TCP (after anything still in flight).
func (c *rawClient) expectEOF() {
	c.t.Helper()
	n, err := io.Copy(io.Discard, c.br)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		c.t.Fatalf("server did not close TCP within %v", testDeadline)
	case n > 0:
		c.t.Errorf("server sent %d more octets after its close frame", n)
	}
}

func equal(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00") && len(a) == len(b)
}

func opName(op frame.Opcode) string {
	switch op {
	case frame.OpText:
		return "text"
	case frame.OpBinary:
		return "binary"
	case frame.OpPing:
		return "ping"
	case frame.OpPong:
		return "pong"
	}
	return op.String()
}
