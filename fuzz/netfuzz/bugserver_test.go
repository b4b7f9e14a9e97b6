package netfuzz

import (
	"bufio"
	"io"
	"net"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
)

// bug is a planted server bug, after the real ones in fuzz-perf.md §3.
type bug int

const (
	// crashOnTopBitLength: a 64-bit length with the top bit set overflows a
	// signed length and kills the process; here the server closes its
	// listener, which is what the fuzzer sees of a crash.
	crashOnTopBitLength bug = iota + 1
	// hangOnLongControl: the read loop blocks forever on a control frame
	// over 125 octets instead of failing the connection.
	hangOnLongControl
	// maskedPong: pongs go out masked, which §5.1 forbids for servers.
	maskedPong
)

// bugServer is a small, otherwise conforming server (handshake, §5 rules,
// text UTF-8, ping and close answers; data is dropped) with one bug.
type bugServer struct {
	l    net.Listener
	bug  bug
	stop chan struct{}
}

func startBugServer(t *testing.T, b bug) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &bugServer{l: l, bug: b, stop: make(chan struct{})}
	t.Cleanup(func() { close(s.stop); l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return "ws://" + l.Addr().String() + "/"
}

func (s *bugServer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	if _, ok, _ := handshake.Answer(c, br); !ok {
		return
	}
	fail := func(code frame.CloseCode) { c.Write(frame.New(frame.OpClose, frame.ClosePayload(code, "")).Bytes()) }
	r := frame.NewReader(br)
	rc := receive.New(receive.Config{From: frame.FromClient, MaxMessage: receive.Unlimited, TextAtEnd: true})
	for {
		h, err := r.Next()
		if err != nil {
			return
		}
		switch {
		case s.bug == crashOnTopBitLength && h.Length >= 1<<63:
			s.l.Close()
			return
		case s.bug == hangOnLongControl && h.Opcode.IsControl() && h.Length > frame.MaxControlPayload:
			<-s.stop
			return
		}
		kind, v := rc.Frame(h)
		if v != nil {
			fail(v.Code)
			return
		}
		payload, err := io.ReadAll(r)
		if err != nil {
			return
		}
		switch h.Opcode {
		case frame.OpPing:
			pong := frame.New(frame.OpPong, payload)
			if s.bug == maskedPong {
				pong = pong.Masked([4]byte{1, 2, 3, 4})
			}
			c.Write(pong.Bytes())
		case frame.OpClose:
			code := frame.CloseNormal
			if _, v := rc.Close(payload); v != nil {
				code = v.Code
			}
			fail(code)
			return
		}
		if kind != receive.Data {
			continue
		}
		rc.Data(payload)
		if rc.Final() {
			if v := rc.End(); v != nil {
				fail(v.Code)
				return
			}
		}
	}
}
