package cases

import (
	"strings"
	"testing"
)

func h2Case(t *testing.T, id string) *Case {
	t.Helper()
	for _, c := range All() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no case %s", id)
	return nil
}

func TestJudgeH2(t *testing.T) {
	enabled := H2Run{Settings: "[ENABLE_CONNECT_PROTOCOL = 1]", Setting: 1, HasSetting: true, CloseCode: -1}
	with := func(f func(*H2Run)) H2Run {
		r := enabled
		f(&r)
		return r
	}
	ok200 := H2Answer{Status: 200, Fields: ":status: 200"}
	for _, tc := range []struct {
		name string
		id   string
		run  H2Run
		want Verdict
		rule string
	}{
		{"not HTTP/2", "20.1.1", H2Run{NoH2: "ALPN picked \"\"", CloseCode: -1}, Unimplemented, ""},
		{"setting absent", "20.1.2", H2Run{Settings: "(empty)", CloseCode: -1}, Unimplemented, ""},
		{"setting 0", "20.5.1", H2Run{Settings: "[ENABLE_CONNECT_PROTOCOL = 0]", HasSetting: true, CloseCode: -1}, Unimplemented, ""},
		{"setting 2", "20.1.1", H2Run{Settings: "[ENABLE_CONNECT_PROTOCOL = 2]", Setting: 2, HasSetting: true, CloseCode: -1}, Failed, RuleH2SettingInvalid.ID},
		{"setting 1", "20.1.1", enabled, OK, ""},
		{"valid request refused", "20.1.2", with(func(r *H2Run) { r.Answer = H2Answer{Status: 404} }), Failed, RuleH2ValidRefused.ID},
		{"valid request reset", "20.1.2", with(func(r *H2Run) { r.Answer = H2Answer{Reset: "PROTOCOL_ERROR"} }), Failed, RuleH2ValidRefused.ID},
		{"accepted, echoed", "20.1.2", with(func(r *H2Run) { r.Answer, r.Echoed = ok200, true }), OK, ""},
		{"accepted, no echo", "20.1.2", with(func(r *H2Run) { r.Answer, r.Echo = ok200, "no echo came back: END_STREAM" }), Failed, RuleH2NotWebSocket.ID},
		{"sec-websocket-accept", "20.1.2", with(func(r *H2Run) { r.Answer, r.Echoed = ok200, true; r.Answer.HasAccept = true }), Informational, ""},
		{"subprotocol not offered", "20.1.3", with(func(r *H2Run) {
			r.Answer = ok200
			r.Answer.Violation, r.Answer.VRule = "it selected x", RuleRef{"response-protocol-not-offered", "RFC 6455 §4.1"}
		}), Failed, "response-protocol-not-offered"},
		{"malformed accepted", "20.2.2", with(func(r *H2Run) { r.Answer = ok200 }), Failed, "h2-extended-connect-no-path"},
		{"malformed reset", "20.2.2", with(func(r *H2Run) { r.Answer = H2Answer{Reset: "PROTOCOL_ERROR"} }), OK, ""},
		{"malformed 400", "20.2.7", with(func(r *H2Run) { r.Answer = H2Answer{Status: 400} }), OK, ""},
		{"malformed GOAWAY", "20.2.9", with(func(r *H2Run) { r.Answer = H2Answer{GoAway: "PROTOCOL_ERROR (last stream 0)"} }), OK, ""},
		{"malformed ignored", "20.2.1", with(func(r *H2Run) { r.Answer = H2Answer{Silent: true} }), NonStrict, "h2-connect-scheme-path-without-protocol"},
		{"close, END_STREAM", "20.3.1", with(func(r *H2Run) { r.Answer, r.CloseCode, r.StreamEnd = ok200, 1000, "END_STREAM" }), OK, ""},
		{"close, END_STREAM then RST_STREAM", "20.3.1", with(func(r *H2Run) {
			r.Answer, r.CloseCode, r.StreamEnd, r.ResetAfterEnd = ok200, 1000, "END_STREAM", "CANCEL"
		}), OK, ""},
		{"close, RST_STREAM", "20.3.1", with(func(r *H2Run) { r.Answer, r.CloseCode, r.StreamEnd = ok200, 1000, "RST_STREAM CANCEL" }), NonStrict, RuleH2CloseReset.ID},
		{"no close frame", "20.3.1", with(func(r *H2Run) { r.Answer, r.StreamEnd = ok200, "END_STREAM" }), Failed, RuleH2CloseNotAnswered.ID},
		{"half close held", "20.3.2", with(func(r *H2Run) { r.Answer = ok200 }), NonStrict, RuleH2StreamHeld.ID},
		{"half close, 1006 sent", "20.3.2", with(func(r *H2Run) { r.Answer, r.CloseCode, r.StreamEnd = ok200, 1006, "END_STREAM" }), NonStrict, RuleH2Close1006.ID}, // a SHOULD case: FAILED softens
		{"reset spread", "20.3.3", with(func(r *H2Run) { r.Answer, r.Second = ok200, "the second extended CONNECT got GOAWAY" }), NonStrict, RuleH2ResetSpread.ID},
		{"flow exceeded", "20.4.1", with(func(r *H2Run) { r.Answer, r.FlowViolation = ok200, true }), Failed, RuleH2FlowExceeded.ID},
		{"flow stalled", "20.4.1", with(func(r *H2Run) { r.Answer, r.Stalled = ok200, "our DATA stopped after 65535 octets" }), Failed, RuleH2FlowStalled.ID},
		{"crossed", "20.5.1", with(func(r *H2Run) { r.Answer, r.Echo = ok200, "stream 3 brought x" }), Failed, RuleH2StreamsCrossed.ID},
		{"one stream only", "20.5.1", with(func(r *H2Run) { r.Limited = "max 1" }), Informational, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := h2Case(t, tc.id)
			r := NewResult(c)
			JudgeH2(&r, c, tc.run)
			if r.Behavior != tc.want || r.Rule != tc.rule {
				t.Errorf("%s %q: want %s %q; %s", r.Behavior, r.Rule, tc.want, tc.rule, r.Reason)
			}
			if r.Rule != "" && !strings.HasPrefix(r.RuleSection, "RFC ") {
				t.Errorf("rule %s without an RFC section (%q)", r.Rule, r.RuleSection)
			}
			if strings.Contains(r.Reason, "\n") || r.Reason == "" {
				t.Errorf("reason %q: want one sentence", r.Reason)
			}
		})
	}
}
