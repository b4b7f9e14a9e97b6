package suite_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// frameRewrite decides what a broken echo server sends back for one
// complete frame it received; returning ok=false sends nothing.
type frameRewrite func(op frame.Opcode, payload []byte) (frame.Opcode, []byte, bool)

// startBrokenEcho is a deliberately sloppy echo server built on the
// reference packages: it answers the handshake, fails the connection on
// any frame that breaks a §5 rule (as the reference server does), echoes
// every message as a single frame after passing it through rewrite, and
// echoes closes. Its only bugs are the ones rewrite injects.
func startBrokenEcho(t testing.TB, rewrite frameRewrite) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); brokenSession(c, rewrite) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return "ws://" + ln.Addr().String() + "/"
}

func brokenSession(c net.Conn, rewrite frameRewrite) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	if _, ok, _ := handshake.Answer(c, br); !ok {
		return
	}
	r := frame.NewReader(br)
	var seq frame.Sequence
	fail := func(v frame.Violation) {
		c.Write(frame.New(frame.OpClose, frame.ClosePayload(v.Code, "")).Bytes())
	}
	var msgOp frame.Opcode
	var msg []byte
	for {
		h, err := r.Next()
		if err != nil {
			return
		}
		if vs := frame.Check(h, frame.FromClient, frame.Extensions{}); len(vs) > 0 {
			fail(vs[0])
			return
		}
		if v := seq.Check(h); v != nil {
			fail(*v)
			return
		}
		payload, err := io.ReadAll(io.LimitReader(r, 32<<20))
		if err != nil {
			return
		}
		op := h.Opcode
		switch {
		case op == frame.OpClose:
			var reply []byte
			if body, _ := frame.ParseClosePayload(payload); body.HasCode {
				reply = frame.ClosePayload(body.Code, "")
			}
			c.Write(frame.New(frame.OpClose, reply).Bytes())
			return
		case op == frame.OpPing:
			op = frame.OpPong
		case op == frame.OpPong:
			continue
		case op == frame.OpContinuation || !h.Fin:
			if op != frame.OpContinuation {
				msgOp, msg = op, nil
			}
			msg = append(msg, payload...)
			if !h.Fin {
				continue
			}
			op, payload = msgOp, msg
		}
		if op2, p2, ok := rewrite(op, payload); ok {
			out := frame.New(op2, p2)
			if _, err := c.Write(out.Bytes()); err != nil && !errors.Is(err, net.ErrClosed) {
				return
			}
		}
	}
}
