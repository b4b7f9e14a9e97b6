package probe_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// scriptedServer accepts one connection, completes the opening handshake
// with the reference validator (adding extra response fields), then hands
// the socket to script.
func scriptedServer(t *testing.T, script func(c net.Conn, r *frame.Reader), extra ...handshake.Field) probe.Target {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { ln.Close(); <-done })
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		if _, ok, _ := handshake.Answer(c, br, extra...); ok {
			script(c, frame.NewReader(br))
		}
	}()
	target, err := probe.ParseTarget("ws://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	return target
}

func fastTimeouts() probe.Timeouts {
	to := probe.DefaultTimeouts()
	to.CloseWait, to.DropWait = 200*time.Millisecond, 200*time.Millisecond
	return to
}

func open(t *testing.T, target probe.Target) *probe.Conn {
	t.Helper()
	conn, _, err := probe.Open(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	return conn
}

func waitDone(t *testing.T, conn *probe.Conn) observed.CloseState {
	t.Helper()
	select {
	case <-conn.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("connection did not end")
	}
	return conn.State()
}

func TestSendFrameChopsCutsAndMasks(t *testing.T) {
	payload := bytes.Repeat([]byte("0123456789"), 30)
	got := make(chan frame.Frame, 1)
	target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
		f, err := frame.ReadFrame(r, 1<<20)
		if err == nil {
			got <- f
		}
		close(got)
	})
	conn := open(t, target)
	defer conn.Abort()
	var between []int
	f := frame.New(frame.OpBinary, payload)
	err := conn.SendFrame(f, probe.Piece{Chop: 7, Cuts: []int{3, 100}, Between: func(i int) bool {
		between = append(between, i)
		return true
	}})
	if err != nil {
		t.Fatal(err)
	}
	rx := <-got
	if !rx.Header.Masked || !bytes.Equal(rx.Payload, payload) {
		t.Errorf("server got masked=%t payload %q..., want the masked original", rx.Header.Masked, rx.Payload[:10])
	}
	if len(between) != 2 {
		t.Errorf("Between ran for cuts %v, want both", between)
	}
	if !bytes.Equal(f.Payload, payload) {
		t.Error("SendFrame modified the caller's payload")
	}
	writes := 0
	for _, e := range conn.Log.Entries() {
		if e.Dir == observed.Sent && e.Octets > 0 && e.Octets <= 7 {
			writes++
		}
	}
	if want := (4 + len(payload) + 6) / 7; writes < want {
		t.Errorf("%d writes of at most 7 octets, want at least %d", writes, want)
	}
}

func TestCloseHandshakes(t *testing.T) {
	tests := []struct {
		name   string
		server func(c net.Conn, r *frame.Reader)
		check  func(t *testing.T, s observed.CloseState)
	}{
		{
			name: "clean: server answers and closes TCP",
			server: func(c net.Conn, r *frame.Reader) {
				r.Next()
				io.Copy(io.Discard, r)
				c.Write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Bytes())
			},
			check: func(t *testing.T, s observed.CloseState) {
				if !s.Clean || !s.ClosedByMe || s.DroppedByMe || s.RemoteCode == nil || *s.RemoteCode != 1000 {
					t.Errorf("state %+v, want a clean close we started, code 1000", s)
				}
			},
		},
		{
			name: "server never answers our close",
			server: func(c net.Conn, r *frame.Reader) {
				time.Sleep(time.Second)
			},
			check: func(t *testing.T, s observed.CloseState) {
				if s.Clean || !s.CloseTimeout || !s.DroppedByMe {
					t.Errorf("state %+v, want a close timeout and a TCP drop by us", s)
				}
			},
		},
		{
			name: "server answers but keeps TCP open",
			server: func(c net.Conn, r *frame.Reader) {
				r.Next()
				io.Copy(io.Discard, r)
				c.Write(frame.New(frame.OpClose, nil).Bytes())
				time.Sleep(time.Second)
			},
			check: func(t *testing.T, s observed.CloseState) {
				if s.Clean || !s.DropTimeout || !s.DroppedByMe || s.RemoteCode != nil {
					t.Errorf("state %+v, want a drop timeout, no close code", s)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conn := open(t, scriptedServer(t, tc.server))
			if err := conn.SendClose(1000, ""); err != nil {
				t.Fatal(err)
			}
			tc.check(t, waitDone(t, conn))
		})
	}
}

// A server that breaks a framing rule gets its connection failed by the
// probe with the code RFC 6455 assigns, and the rule is recorded.
func TestPeerViolationsFailTheConnection(t *testing.T) {
	tests := []struct {
		name     string
		send     frame.Frame
		wantCode frame.CloseCode
		wantRule string
	}{
		{"masked server frame", frame.New(frame.OpText, []byte("hi")).Masked([4]byte{1, 2, 3, 4}), 1002, frame.RuleServerFrameMasked},
		{"reserved opcode", frame.New(frame.Opcode(3), nil), 1002, frame.RuleReservedOpcode},
		{"text not UTF-8", frame.New(frame.OpText, []byte{0xff}), 1007, frame.RuleTextInvalidUTF8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			closeCode := make(chan frame.CloseCode, 1)
			target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
				c.Write(tc.send.Bytes())
				f, err := frame.ReadFrame(r, 1<<10)
				if err == nil && f.Opcode == frame.OpClose {
					body, _ := frame.ParseClosePayload(f.Payload)
					closeCode <- body.Code
					c.Write(frame.New(frame.OpClose, frame.ClosePayload(body.Code, "")).Bytes())
				}
				close(closeCode)
			})
			conn := open(t, target)
			st := waitDone(t, conn)
			if code := <-closeCode; code != tc.wantCode {
				t.Errorf("probe closed with %d, want %d", code, tc.wantCode)
			}
			if !st.FailedByMe || !bytes.Contains([]byte(st.PeerViolation), []byte(tc.wantRule)) {
				t.Errorf("state %+v, want failed by us naming %s", st, tc.wantRule)
			}
			if n := len(conn.Events()); n != 0 {
				t.Errorf("the bad frame became %d events", n)
			}
		})
	}
}

func TestCancelledContextUnblocks(t *testing.T) {
	target := scriptedServer(t, func(c net.Conn, r *frame.Reader) { time.Sleep(2 * time.Second) })
	ctx, cancel := context.WithCancel(t.Context())
	conn, _, err := probe.Open(ctx, target, probe.DefaultTimeouts(), probe.NewWireLog(time.Now()), nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	cancel()
	waitDone(t, conn)
	if d := time.Since(start); d > time.Second {
		t.Errorf("a cancelled context took %v to end the connection", d)
	}
}

// The target's close frame is judged whoever sent the first one: the
// rule it breaks is recorded, and a code that is present is kept even
// when it is 0 (no code at all is nil, never 0).
func TestCloseFramesAreJudgedWhoeverClosedFirst(t *testing.T) {
	tests := []struct {
		name        string
		body        []byte
		targetFirst bool
		wantCode    *frame.CloseCode
		wantRule    string
		wantReply   *frame.CloseCode // our close frame's code when the target closed first
	}{
		{"reply with code 0", []byte{0, 0}, false, observed.Code(0), frame.RuleCloseCodeInvalid, nil},
		{"reply with one octet", []byte{'a'}, false, nil, frame.RuleCloseOneOctet, nil},
		{"reply with a reason that is not UTF-8", append(frame.ClosePayload(1000, ""), 0xff), false, observed.Code(1000), frame.RuleCloseReasonUTF8, nil},
		{"reply of 126 octets", frame.ClosePayload(1000, strings.Repeat("*", 124)), false, observed.Code(1000), frame.RuleControlTooLong, nil},
		{"reply without a body", nil, false, nil, "", nil},
		{"target closes first with code 0", []byte{0, 0}, true, observed.Code(0), frame.RuleCloseCodeInvalid, observed.Code(1002)},
		{"target closes first with one octet", []byte{'a'}, true, nil, frame.RuleCloseOneOctet, observed.Code(1002)},
		{"target closes first without a body", nil, true, nil, "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
				if !tc.targetFirst {
					r.Next() // our close
				}
				c.Write(frame.New(frame.OpClose, tc.body).Bytes())
				if tc.targetFirst {
					frame.ReadFrame(r, 1<<10) // our reply
				}
			})
			conn := open(t, target)
			if !tc.targetFirst {
				if err := conn.SendClose(1000, ""); err != nil {
					t.Fatal(err)
				}
			}
			st := waitDone(t, conn)
			if !equalCode(st.RemoteCode, tc.wantCode) {
				t.Errorf("remote code %v, want %v", show(st.RemoteCode), show(tc.wantCode))
			}
			if st.RemoteCloseRule != tc.wantRule || (tc.wantRule != "" && !strings.Contains(st.RemoteCloseViolation, "§")) {
				t.Errorf("close violation %q [%s], want rule %q", st.RemoteCloseViolation, st.RemoteCloseRule, tc.wantRule)
			}
			if tc.targetFirst && !equalCode(st.LocalCode, tc.wantReply) {
				t.Errorf("we answered with %v, want %v", show(st.LocalCode), show(tc.wantReply))
			}
			if !st.SentClose || !st.ReceivedClose || st.DroppedByMe {
				t.Errorf("state %+v, want both close frames and the target closing TCP", st)
			}
		})
	}
}

// A reset from the target once both close frames were exchanged leaves a
// clean close, noted in the wire log; before that, it is a TCP error.
func TestResetAfterTheClosingHandshake(t *testing.T) {
	for _, afterHandshake := range []bool{true, false} {
		t.Run(fmt.Sprintf("after handshake %t", afterHandshake), func(t *testing.T) {
			target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
				r.Next() // our close
				if afterHandshake {
					c.Write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Bytes())
				}
				// Linger 0: closing sends RST, as a kernel does when a
				// socket closes with octets unread.
				c.(*net.TCPConn).SetLinger(0)
			})
			conn := open(t, target)
			if err := conn.SendClose(1000, ""); err != nil {
				t.Fatal(err)
			}
			st := waitDone(t, conn)
			noted := false
			for _, e := range conn.Log.Entries() {
				noted = noted || strings.Contains(e.Text, "TCP reset by the target after the closing handshake")
			}
			if afterHandshake && (!st.Clean || st.TCPError != "" || !noted) {
				t.Errorf("state %+v, noted %t: want a clean close and the reset noted", st, noted)
			}
			if !afterHandshake && (st.Clean || st.TCPError == "" || noted) {
				t.Errorf("state %+v, noted %t: want an unclean close with a TCP error", st, noted)
			}
		})
	}
}

func equalCode(a, b *frame.CloseCode) bool {
	return (a == nil) == (b == nil) && (a == nil || *a == *b)
}

func show(c *frame.CloseCode) string {
	if c == nil {
		return "no code"
	}
	return fmt.Sprint(int(*c))
}
