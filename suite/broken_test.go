package suite_test

import (
	"bufio"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
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
	// The broken part is what it sends back: it receives as a strict
	// server does, less the text and close payload checks.
	rd := receive.NewReader(frame.NewReader(br), receive.Config{
		From:       frame.FromClient,
		MaxMessage: 32 << 20,
		Waive: func(rule string) bool {
			switch rule {
			case frame.RuleTextInvalidUTF8, frame.RuleCloseOneOctet, frame.RuleCloseCodeInvalid, frame.RuleCloseReasonUTF8:
				return true
			}
			return false
		},
	}, nil)
	for {
		it, err := rd.Next()
		var v *frame.Violation
		if errors.As(err, &v) {
			c.Write(frame.New(frame.OpClose, frame.ClosePayload(v.Code, "")).Bytes())
			return
		}
		if err != nil {
			return
		}
		op, payload := it.Opcode, it.Payload
		switch op {
		case frame.OpClose:
			var reply []byte
			if it.Close.HasCode {
				reply = frame.ClosePayload(it.Close.Code, "")
			}
			c.Write(frame.New(frame.OpClose, reply).Bytes())
			return
		case frame.OpPing:
			op = frame.OpPong
		case frame.OpPong:
			continue
		}
		if op2, p2, ok := rewrite(op, payload); ok {
			out := frame.New(op2, p2)
			if _, err := c.Write(out.Bytes()); err != nil && !errors.Is(err, net.ErrClosed) {
				return
			}
		}
	}
}
