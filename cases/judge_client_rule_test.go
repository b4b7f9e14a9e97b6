package cases

import (
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// TestJudgeClientRuleEnds: how a client ends a section 16 case decides
// both verdicts: failing the connection with a close frame or a TCP close
// passes (its code judged as for servers), echoing or hanging FAILS; after
// our close it must answer and close TCP within the case's wait.
func TestJudgeClientRuleEnds(t *testing.T) {
	closeFrame := func(p []byte, masked bool) ClientFrame {
		return ClientFrame{Opcode: frame.OpClose, Masked: masked, Mask: [4]byte{1, 2, 3, 4}, Payload: p}
	}
	c1002 := closeFrame(frame.ClosePayload(frame.CloseProtocolError, ""), true)
	echo := ClientFrame{Opcode: frame.OpText, Masked: true, Payload: []byte("Hello")}
	tests := []struct {
		name      string
		id        string
		seen      ClientSeen
		want      Verdict
		wantClose CloseVerdict
	}{
		{"close 1002, we close TCP", "16.4.1", ClientSeen{Frames: []ClientFrame{c1002}, WeClosedTCP: true}, OK, CloseOK},
		{"close 1002 and TCP closed", "16.4.1", ClientSeen{Frames: []ClientFrame{c1002}, ClosedTCP: true}, OK, CloseOK},
		{"close without code", "16.4.2", ClientSeen{Frames: []ClientFrame{closeFrame(nil, true)}, WeClosedTCP: true}, OK, CloseOK},
		{"close 1000", "16.4.1", ClientSeen{Frames: []ClientFrame{closeFrame(frame.ClosePayload(frame.CloseNormal, ""), true)}, WeClosedTCP: true}, OK, CloseWrongCode},
		{"close 1005 on the wire", "16.4.1", ClientSeen{Frames: []ClientFrame{closeFrame(frame.ClosePayload(1005, ""), true)}, WeClosedTCP: true}, OK, CloseWrongCode},
		{"unmasked close", "16.4.1", ClientSeen{Frames: []ClientFrame{closeFrame(frame.ClosePayload(frame.CloseProtocolError, ""), false)}, WeClosedTCP: true}, OK, CloseFailed},
		{"TCP closed, no frame", "16.4.1", ClientSeen{ClosedTCP: true}, OK, CloseOK},
		{"echo", "16.4.1", ClientSeen{Frames: []ClientFrame{echo, c1002}, WeClosedTCP: true}, Failed, CloseOK},
		{"nothing, TCP held", "16.4.2", ClientSeen{}, Failed, CloseOK},
		{"refused handshake, TCP closed", "16.1.1", ClientSeen{ClosedTCP: true}, OK, CloseOK},
		{"refused handshake, TCP held", "16.1.1", ClientSeen{}, Failed, CloseOK},
		{"200 kept for HTTP", "16.1.4", ClientSeen{}, OK, CloseOK},
		{"close answered, TCP closed", "16.5.2", ClientSeen{Frames: []ClientFrame{closeFrame(frame.ClosePayload(frame.CloseNormal, ""), true)}, ClosedTCP: true}, OK, CloseOK},
		{"close answered, TCP held", "16.5.2", ClientSeen{Frames: []ClientFrame{closeFrame(frame.ClosePayload(frame.CloseNormal, ""), true)}}, Failed, CloseOK},
		{"close unanswered, TCP closed", "16.5.2", ClientSeen{ClosedTCP: true}, Failed, CloseOK},
		{"FIN, TCP held", "16.5.1", ClientSeen{}, Failed, CloseOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := Lookup(tt.id)
			if !ok || c.ClientRule == nil {
				t.Fatalf("no client rule %s", tt.id)
			}
			tt.seen.Answered, tt.seen.After = true, time.Second
			r := JudgeClientRule(c, tt.seen, time.Now(), time.Second)
			if r.Behavior != tt.want || r.BehaviorClose != tt.wantClose {
				t.Errorf("%s %s: %s / %s, want %s / %s: %s | %s", tt.id, tt.name, r.Behavior, r.BehaviorClose, tt.want, tt.wantClose, r.Reason, r.CloseReason)
			}
		})
	}
}
