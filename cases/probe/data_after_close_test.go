package probe_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// lateSender is an echo server that, with late set, sends a text frame
// right after each close frame of its own: the answer to ours, or the one
// that fails the connection over a frame it does not echo.
type lateSender struct{ late bool }

func (s lateSender) session(c net.Conn) {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReaderSize(c, 16) // the probe sends nothing before our 101
	if _, ok, _ := handshake.Answer(c, br); !ok || br.Buffered() > 0 {
		return
	}
	sendClose := func(body []byte) {
		c.Write(frame.New(frame.OpClose, body).Bytes())
		if s.late {
			c.Write(frame.New(frame.OpText, []byte("after my close")).Bytes())
		}
	}
	closed := false // we sent our close first and wait for the answer
	for {
		h, payload, err := readFrameExact(c)
		switch {
		case err != nil:
			return
		case h.Opcode == frame.OpClose:
			if !closed {
				sendClose(echoCode(payload))
			}
			return
		case closed:
		case (h.Opcode == frame.OpText || h.Opcode == frame.OpBinary) && h.Fin:
			c.Write(frame.New(h.Opcode, payload).Bytes())
		default:
			sendClose(frame.ClosePayload(frame.CloseProtocolError, ""))
			closed = true
		}
	}
}

// A data frame after the target's own close frame breaks RFC 6455 §5.5.1
// whoever started the close: both verdicts FAILED, with the rule; the same
// server without the late frame passes.
func TestDataAfterOwnCloseFails(t *testing.T) {
	urls := map[bool]string{}
	for _, late := range []bool{false, true} {
		s := lateSender{late: late}
		urls[late] = serveWS(t, s.session)
	}
	tests := []struct {
		id   string
		late bool
	}{
		{"1.1.1", false}, // we close; the target answers
		{"1.1.1", true},
		{"5.1", false}, // the target fails the connection (fragmented ping)
		{"5.1", true},
	}
	for _, tc := range tests {
		name := tc.id + map[bool]string{false: " clean", true: " late text frame"}[tc.late]
		t.Run(name, func(t *testing.T) {
			c, ok := cases.Lookup(tc.id)
			if !ok {
				t.Fatalf("%s missing", tc.id)
			}
			target, err := probe.ParseTarget(urls[tc.late])
			if err != nil {
				t.Fatal(err)
			}
			r := probe.Run(context.Background(), c, probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1})
			if !tc.late {
				if r.Behavior != cases.OK || r.BehaviorClose != cases.CloseOK || r.Rule != "" || r.Close.DataAfterClose != "" {
					t.Fatalf("clean server: %s", describeResult(r))
				}
				return
			}
			if r.Behavior != cases.Failed || r.BehaviorClose != cases.CloseFailed || r.Rule != frame.RuleDataAfterClose {
				t.Fatalf("got %s, want FAILED/FAILED with rule %s", describeResult(r), frame.RuleDataAfterClose)
			}
			for _, want := range []string{"RFC 6455 §5.5.1", "a text frame after its close frame", "no data frame after its close frame"} {
				if !strings.Contains(r.Reason, want) || !strings.Contains(r.CloseReason, want) {
					t.Errorf("reasons %q / %q lack %q", r.Reason, r.CloseReason, want)
				}
			}
			out, err := json.Marshal(r)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(out), `"dataAfterClose":"RFC 6455 §5.5.1`) || !strings.Contains(string(out), `"rule":"data-after-close"`) {
				t.Errorf("JSON lacks the rule: %s", out)
			}
		})
	}
}
