package cases

import (
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

func intermediaryCase(t *testing.T, id string) *Case {
	t.Helper()
	c, ok := Lookup(id)
	if !ok || c.Intermediary == nil {
		t.Fatalf("no intermediary case %s", id)
	}
	return c
}

// delivered is the receiving side of a relay case that got every message
// of c whole, cut as the plan cuts them, with the ping where it was sent.
func delivered(c *Case) Side {
	p := c.Intermediary
	var s Side
	for i, m := range p.Messages {
		s.Events = append(s.Events, observed.Event{Kind: observed.Message, Binary: m.Binary, Payload: RelayPayload(i, m)})
	}
	s.Shapes = plannedShapes(p)
	if p.PingAfter > 0 {
		s.Events = append([]observed.Event{{Kind: observed.Ping, Payload: PingPayload}}, s.Events...)
	}
	return s
}

func pongSide() Side {
	return Side{Events: []observed.Event{{Kind: observed.Pong, Payload: PingPayload}}}
}

func closeSide(sent, received *frame.CloseCode, reason string) Side {
	return Side{Close: observed.CloseState{SentClose: sent != nil, ReceivedClose: received != nil, LocalCode: sent, RemoteCode: received, RemoteReason: reason}}
}

func TestJudgeIntermediary(t *testing.T) {
	code := observed.Code
	tests := []struct {
		name string
		id   string
		run  func(c *Case) IntermediaryRun
		want Verdict
		rule RuleRef
		says string
	}{
		{"relay intact", "19.1.2", func(c *Case) IntermediaryRun { return IntermediaryRun{Origin: delivered(c)} }, OK, RuleRef{}, "in the same frames"},
		{"relay coalesced", "19.1.2", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Shapes = []observed.FrameShape{{Opcode: frame.OpText, Fin: true, Length: 60}}
			return IntermediaryRun{Origin: s}
		}, Informational, RuleRefragmented, "as frames [text frame 60]"},
		{"relay lost a message", "19.1.3", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Events = s.Events[:4]
			return IntermediaryRun{Origin: s}
		}, Failed, RuleRelayLost, "only 4 of them"},
		{"relay swapped two messages", "19.1.5", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Events[1], s.Events[3] = s.Events[3], s.Events[1]
			return IntermediaryRun{Client: s}
		}, Failed, RuleRelayReordered, "message 4 reached us in place of message 2"},
		{"relay changed an octet", "19.1.1", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Events[0].Payload = append([]byte("X"), s.Events[0].Payload[1:]...)
			return IntermediaryRun{Origin: s}
		}, Failed, RuleRelayChanged, "message 1 reached the origin server as text message"},
		{"receiver failed on a frame", "19.1.4", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: Side{Close: observed.CloseState{PeerViolation: "RSV1 set without an extension"}}}
		}, Failed, RuleReceiverFailed, "RSV1 set"},
		{"compressed frames re-cut", "19.4.3", func(c *Case) IntermediaryRun {
			s := delivered(c)
			sent := []observed.FrameShape{{Opcode: frame.OpText, Rsv: 4, Length: 10}, {Opcode: frame.OpContinuation, Length: 10}, {Opcode: frame.OpContinuation, Fin: true, Length: 12}}
			s.Shapes = []observed.FrameShape{{Opcode: frame.OpText, Rsv: 4, Fin: true, Length: 32}}
			return IntermediaryRun{Origin: s, Sent: sent, ClientDeflate: true, OriginDeflate: true}
		}, NonStrict, RuleRefragmentedExt, "re-fragmented under a negotiated extension"},
		{"compressed frames passed", "19.4.4", func(c *Case) IntermediaryRun {
			s := delivered(c)
			sent := []observed.FrameShape{{Opcode: frame.OpText, Rsv: 4, Length: 10}, {Opcode: frame.OpContinuation, Length: 10}, {Opcode: frame.OpContinuation, Fin: true, Length: 12}}
			s.Shapes = sent
			return IntermediaryRun{Client: s, Sent: sent, ClientDeflate: true, OriginDeflate: true}
		}, OK, RuleRef{}, "in the same frames"},
		{"compressed relay without the extension", "19.4.3", func(c *Case) IntermediaryRun { return IntermediaryRun{} }, Informational, RuleExtensionStripped, "the case does not apply"},
		{"ping passed and answered", "19.2.1", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Origin: delivered(c), Client: pongSide()}
		}, OK, RuleRef{}, "answered end to end"},
		{"ping answered by the intermediary", "19.2.1", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Events = s.Events[1:]
			return IntermediaryRun{Origin: s, Client: pongSide()}
		}, Informational, RuleControlAbsorbed, "answered it itself"},
		{"ping lost", "19.2.2", func(c *Case) IntermediaryRun {
			s := delivered(c)
			s.Events = s.Events[1:]
			return IntermediaryRun{Client: s}
		}, Failed, RuleControlLost, "never reached us"},
		{"close passed both ways", "19.3.2", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: closeSide(code(4000), code(4000), ""), Origin: closeSide(code(4000), code(4000), "wsconform: über")}
		}, OK, RuleRef{}, "came back unchanged"},
		{"close code changed", "19.3.2", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: closeSide(code(4000), code(1000), ""), Origin: closeSide(code(1000), code(1000), "wsconform: über")}
		}, Failed, RuleCloseCodeChanged, "received a close frame with code 1000"},
		{"close reason dropped", "19.3.5", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: closeSide(code(1001), code(1001), ""), Origin: closeSide(code(1001), code(1001), "")}
		}, NonStrict, RuleCloseReasonChanged, "the reason changed"},
		{"empty close given 1005", "19.3.3", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: closeSide(nil, code(1005), ""), Origin: closeSide(code(1005), code(1005), "")}
		}, Failed, RuleCloseCodeChanged, "1005 may never be sent"},
		{"close never arrived", "19.3.8", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: Side{Close: observed.CloseState{ClosedAt: time.Second}}, Origin: closeSide(nil, nil, "")}
		}, Failed, RuleCloseLost, "TCP was closed without a close frame"},
		{"answer to our close lost", "19.3.1", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Client: Side{Close: observed.CloseState{SentClose: true, LocalCode: code(1000)}}, Origin: closeSide(code(1000), code(1000), "")}
		}, Failed, RuleCloseLost, "never came back"},
		{"subprotocol passed", "19.4.1", func(c *Case) IntermediaryRun {
			return IntermediaryRun{OriginOffer: "wsconform.v1, wsconform.v2", OriginAnswer: "wsconform.v2", ClientAnswer: "wsconform.v2"}
		}, OK, RuleRef{}, "reached us unchanged"},
		{"subprotocol offer stripped", "19.4.1", func(c *Case) IntermediaryRun { return IntermediaryRun{} }, Informational, RuleSubprotocolStripped, "removed it"},
		{"subprotocol answer stripped", "19.4.1", func(c *Case) IntermediaryRun {
			return IntermediaryRun{OriginOffer: "wsconform.v1, wsconform.v2", OriginAnswer: "wsconform.v2"}
		}, Failed, RuleSubprotocolMismatch, "we were answered none"},
		{"extension agreed at both ends", "19.4.2", func(c *Case) IntermediaryRun {
			echo := Side{Events: []observed.Event{{Kind: observed.Message}}}
			return IntermediaryRun{OriginOffer: "permessage-deflate", OriginAnswer: "permessage-deflate", ClientAnswer: "permessage-deflate",
				OriginDeflate: true, ClientDeflate: true, Client: echo, Origin: echo}
		}, OK, RuleRef{}, "both ends agreed"},
		{"extension stripped from the answer only", "19.4.2", func(c *Case) IntermediaryRun {
			return IntermediaryRun{OriginOffer: "permessage-deflate", OriginAnswer: "permessage-deflate", OriginDeflate: true,
				Client: Side{Close: observed.CloseState{PeerViolation: "RSV1 set without an extension"}}}
		}, Failed, RuleExtensionMismatch, "the origin compresses its echo"},
		{"extension offer stripped", "19.4.2", func(c *Case) IntermediaryRun {
			echo := Side{Events: []observed.Event{{Kind: observed.Message}}}
			return IntermediaryRun{Client: echo, Origin: echo}
		}, Informational, RuleExtensionStripped, "removed the offer"},
		{"idle ended by the intermediary", "19.6.1", func(c *Case) IntermediaryRun {
			return IntermediaryRun{Lived: 60 * time.Second, Client: Side{Close: observed.CloseState{ReceivedClose: true, RemoteCode: code(1001)}}}
		}, Informational, RuleIdleTimeout, "after 1m0s the connection was closed with code 1001, sent by the intermediary"},
		{"idle outlived the cap", "19.6.1", func(c *Case) IntermediaryRun { return IntermediaryRun{Capped: true} }, Informational, RuleIdleTimeout, "still open when we gave up after 1m30s"},
		{"origin not reached", "19.1.1", func(c *Case) IntermediaryRun { return IntermediaryRun{OriginMissed: true} }, NotRun, RuleOriginMissed, "saw no request with our Sec-WebSocket-Key"},
		{"broken 101", "19.3.1", func(c *Case) IntermediaryRun { return IntermediaryRun{HandshakeError: "Sec-WebSocket-Accept mismatch"} }, Failed, RuleNoWebSocket, "the 101 that came back broke a rule (Sec-WebSocket-Accept mismatch)"},
		{"no connection", "19.1.1", func(c *Case) IntermediaryRun { return IntermediaryRun{NoConnection: "502 Bad Gateway"} }, Failed, RuleNoWebSocket, "502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := intermediaryCase(t, tt.id)
			r := NewResult(c)
			JudgeIntermediary(&r, c, tt.run(c))
			if r.Behavior != tt.want || r.Rule != tt.rule.ID || r.RuleSection != tt.rule.Section {
				t.Errorf("%s: got %s (rule %q %q), want %s (%q): %s", tt.id, r.Behavior, r.Rule, r.RuleSection, tt.want, tt.rule.ID, r.Reason)
			}
			if !strings.Contains(r.Reason, tt.says) {
				t.Errorf("%s: reason %q does not say %q", tt.id, r.Reason, tt.says)
			}
			if r.Behavior != OK && r.Rule == "" {
				t.Errorf("%s: %s without a rule", tt.id, r.Behavior)
			}
		})
	}
}

// Section 19 never runs against a plain target: Select leaves it out,
// SelectBehind keeps it, and every case names its rule's RFC section.
func TestSection19Selection(t *testing.T) {
	plain, _ := Select([]string{"19"}, nil)
	behind, _ := SelectBehind([]string{"19"}, nil)
	if len(plain) != 0 || len(behind) < 20 {
		t.Fatalf("Select(19) = %d cases, SelectBehind(19) = %d", len(plain), len(behind))
	}
	for _, c := range behind {
		if c.Intermediary == nil || len(c.Clauses) == 0 || !strings.Contains(c.Description, "--upstream") {
			t.Errorf("%s: not an intermediary case with clauses and the --upstream note", c.ID)
		}
		for _, m := range c.Intermediary.Messages {
			sum := 0
			for _, n := range m.FrameSizes() {
				sum += n
			}
			if sum != m.Size {
				t.Errorf("%s: frames %v do not add up to %d", c.ID, m.Frames, m.Size)
			}
		}
	}
}
