// Package planted holds a small echo server with one bug that can be planted,
// to show that the in-process fuzzing harness finds it, and that the same
// server without it gives no finding.
package planted

import (
	"bufio"
	"encoding/binary"
	"errors"
	"net"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
)

// EchoServer serves one connection: the opening handshake by
// handshake.Answer, then every message echoed, pings answered and a close
// answered, all judged by reference/receive. With closeBug, a close frame's
// status code is read as the first two octets of any non-empty body, so a
// 1-octet close body (which §5.5.1 forbids, and receive would reject) makes
// it panic with an index out of range.
func EchoServer(closeBug bool) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		br := bufio.NewReader(c)
		if _, ok, err := handshake.Answer(c, br); !ok || err != nil {
			return
		}
		waive := func(rule string) bool { return closeBug && rule == frame.RuleCloseOneOctet }
		rr := receive.NewReader(frame.NewReader(br), receive.Config{From: frame.FromClient, MaxMessage: 1 << 20, Waive: waive}, nil)
		for {
			it, err := rr.Next()
			var v *frame.Violation
			if errors.As(err, &v) {
				c.Write(frame.New(frame.OpClose, frame.ClosePayload(v.Code, "")).Bytes())
				return
			}
			if err != nil {
				return
			}
			switch it.Opcode {
			case frame.OpPing:
				c.Write(frame.New(frame.OpPong, it.Payload).Bytes())
			case frame.OpPong:
			case frame.OpClose:
				var reply []byte
				if len(it.Payload) > 0 {
					reply = frame.ClosePayload(frame.CloseCode(binary.BigEndian.Uint16(it.Payload)), "")
				}
				c.Write(frame.New(frame.OpClose, reply).Bytes())
				return
			default:
				if _, err := c.Write(frame.New(it.Opcode, it.Payload).Bytes()); err != nil {
					return
				}
			}
		}
	}
}
