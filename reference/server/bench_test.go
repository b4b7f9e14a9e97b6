package server

import (
	"bytes"
	"fmt"
	"io"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/wsconform/wsconform/reference/frame"
)

// echoOnce sends one pre-encoded frame and reads the echo's payload.
func echoOnce(tb testing.TB, c *rawClient, wire []byte, want int) []byte {
	return echoWithin(tb, c, wire, want, testDeadline)
}

// echoWithin is echoOnce with its own deadline.
func echoWithin(tb testing.TB, c *rawClient, wire []byte, want int, deadline time.Duration) []byte {
	c.conn.SetDeadline(time.Now().Add(deadline))
	if _, err := c.conn.Write(wire); err != nil {
		tb.Fatal(err)
	}
	h, err := c.fr.Next()
	if err != nil {
		tb.Fatal(err)
	}
	if h.Length != uint64(want) {
		tb.Fatalf("echo of %d octets, want %d", h.Length, want)
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(c.fr, payload); err != nil {
		tb.Fatal(err)
	}
	return payload
}

// TestEcho16MiBFrame is Autobahn 9.1.6 / 9.2.6 in miniature: a 16 MiB frame
// must come back whole. How quickly is BenchmarkEcho's question (a timed
// test would fail on a loaded machine, not on a slow server); the deadline
// only keeps a lost echo from hanging the test.
func TestEcho16MiBFrame(t *testing.T) {
	u := startServer(t, Config{})
	for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
		payload := bytes.Repeat([]byte("*"), 16<<20)
		c := dialRaw(t, u).handshake(u)
		wire := masked(op, payload).Bytes()
		if got := echoWithin(t, c, wire, len(payload), time.Minute); !bytes.Equal(got, payload) {
			t.Fatalf("%v: echo differs", op)
		}
	}
}

// BenchmarkEcho measures one round trip (client write, server receive,
// validate, echo, client read) on loopback.
func BenchmarkEcho(b *testing.B) {
	u := startServer(b, Config{})
	for _, op := range []frame.Opcode{frame.OpText, frame.OpBinary} {
		for _, size := range []int{16, 4 << 10, 64 << 10, 1 << 20, 16 << 20} {
			b.Run(opName(op)+"/"+sizeName(size), func(b *testing.B) {
				c := dialRaw(b, u).handshake(u)
				wire := masked(op, mixedText(size)).Bytes()
				b.SetBytes(int64(size))
				for b.Loop() {
					echoOnce(b, c, wire, size)
				}
			})
		}
	}
}

// mixedText is size octets of valid UTF-8, mostly multi-octet.
func mixedText(size int) []byte {
	p := bytes.Repeat([]byte("κόσμε 世界 🙂 ascii "), size/20+1)[:size]
	for !utf8.Valid(p) { // cut off a split code point, pad with ASCII
		p = p[:len(p)-1]
	}
	return append(p, bytes.Repeat([]byte("."), size-len(p))...)
}

func sizeName(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
