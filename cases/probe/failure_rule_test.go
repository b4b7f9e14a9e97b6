package probe_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

// requireRuleOnEveryFailure checks that every FAILED verdict names the
// rule the target broke and the RFC section that states it.
func requireRuleOnEveryFailure(t *testing.T, results map[string]cases.Result) {
	t.Helper()
	for _, r := range results {
		if r.Behavior != cases.Failed && r.BehaviorClose != cases.CloseFailed {
			continue
		}
		if r.Rule == "" || !strings.HasPrefix(r.RuleSection, "RFC ") {
			t.Errorf("%s %s/%s names no rule (rule %q, section %q): %s", r.ID, r.Behavior, r.BehaviorClose, r.Rule, r.RuleSection, r.Reason)
		}
	}
}

// frameEdit rewrites one frame the server sent; it returns the frames to
// pass on instead, and whether to stop passing anything on.
type frameEdit func(f frame.Frame) ([]frame.Frame, bool)

// startEditingRelay stands in front of the reference server: it passes the
// client's octets on as they are, and the server's frames through edit
// (its response head as it is).
func startEditingRelay(t *testing.T, edit frameEdit) string {
	backend := strings.TrimSuffix(strings.TrimPrefix(startReference(t, server.Config{}), "ws://"), "/")
	return serveWS(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(30 * time.Second))
		up, err := net.DialTimeout("tcp", backend, 2*time.Second)
		if err != nil {
			return
		}
		defer up.Close()
		go func() { io.Copy(up, c); up.(*net.TCPConn).CloseWrite() }()
		br := bufio.NewReader(up)
		for { // the response head
			line, err := br.ReadString('\n')
			if err != nil {
				return
			}
			io.WriteString(c, line)
			if line == "\r\n" {
				break
			}
		}
		fr := frame.NewReader(br)
		stopped := false
		for {
			h, err := fr.Next()
			if err != nil {
				c.(*net.TCPConn).CloseWrite()
				io.Copy(io.Discard, c)
				return
			}
			p, err := io.ReadAll(io.LimitReader(fr, int64(h.Length)))
			if err != nil || stopped {
				continue
			}
			out, stop := edit(frame.Frame{Header: h, Payload: p})
			for _, f := range out {
				c.Write(f.Bytes())
			}
			stopped = stop
		}
	})
}

func flipLast(p []byte) []byte {
	if len(p) == 0 {
		return []byte("x")
	}
	q := append([]byte(nil), p...)
	q[len(q)-1] ^= 1 // keeps ASCII ASCII and a continuation octet one: still UTF-8
	return q
}

// Targets that break no frame rule but echo wrongly, answer pings wrongly
// or close unprompted still get verdicts that name a rule: every FAILED
// result of sections 1-5, 6.2 and 7.1 against each names one, and the case
// that shows the fault plainest names the rule expected.
func TestEveryFailureNamesARule(t *testing.T) {
	// Left out: the cases whose timer waits 10 s for a missing echo.
	sel := selectCases(t, []string{"1", "2", "3", "4", "5", "6.2", "7.1"}, []string{"1.1.6", "1.1.7", "1.1.8", "1.2.6", "1.2.7", "1.2.8", "7.1.1"})
	tests := []struct {
		name     string
		edit     frameEdit
		id, rule string
	}{
		{"echo altered", func(f frame.Frame) ([]frame.Frame, bool) {
			if f.Opcode.IsData() || f.Opcode == frame.OpContinuation {
				f.Payload = flipLast(f.Payload)
			}
			return []frame.Frame{f}, false
		}, "1.1.2", "echo-mismatch"},
		{"echo dropped", func(f frame.Frame) ([]frame.Frame, bool) {
			if f.Opcode.IsControl() {
				return []frame.Frame{f}, false
			}
			return nil, false
		}, "1.1.2", "echo-missing"},
		{"pong altered", func(f frame.Frame) ([]frame.Frame, bool) {
			if f.Opcode == frame.OpPong {
				f.Payload = flipLast(f.Payload)
			}
			return []frame.Frame{f}, false
		}, "2.3", "pong-mismatch"},
		{"closes after its first echo", func(f frame.Frame) ([]frame.Frame, bool) {
			if f.Opcode.IsData() && f.Fin {
				return []frame.Frame{f, frame.New(frame.OpClose, frame.ClosePayload(1000, ""))}, true
			}
			return []frame.Frame{f}, false
		}, "1.1.2", "closed-unprompted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			results := runCases(t, startEditingRelay(t, tc.edit), sel)
			requireRuleOnEveryFailure(t, results)
			if r := results[tc.id]; r.Rule != tc.rule {
				t.Errorf("%s: rule %q, want %q: %s", tc.id, r.Rule, tc.rule, describeResult(r))
			}
		})
	}
}
