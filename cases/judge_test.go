package cases

import (
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// judge's close verdict follows Autobahn's order exactly (autobahn.md §3):
// wrong side closed -> FAILED; not clean when required -> UNCLEAN; a code
// outside the list -> WRONG CODE; we dropped TCP -> FAILED BY CLIENT; else
// OK. These rows pin that order and the cross-links to the main verdict.
func TestJudgeFollowsAutobahnsOrder(t *testing.T) {
	echo := textEcho("hi")
	clean := observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1000)}
	tests := []struct {
		name      string
		expect    CloseExpect
		outcomes  []Outcome
		events    []observed.Event
		st        observed.CloseState
		behavior  Verdict
		closeWant CloseVerdict
	}{
		{"happy path", normalClose, only(echo), events(echo), clean, OK, CloseOK},
		{"no echo", normalClose, only(echo), events(), clean, Failed, CloseOK},
		{"target closed first, we should have", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: observed.Code(1000)}, OK, CloseFailed},
		{"unclean when clean required", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, DropTimeout: true, DroppedByMe: true, RemoteCode: observed.Code(1000)}, OK, CloseUnclean},
		{"unclean comes before wrong code", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, RemoteCode: observed.Code(1001)}, OK, CloseUnclean},
		{"wrong code comes before we dropped TCP", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, DroppedByMe: true, RemoteCode: observed.Code(1001)}, OK, CloseWrongCode},
		{"wrong code", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1001)}, OK, CloseWrongCode},
		{"no code is always accepted", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true}, OK, CloseOK},
		{"TCP drop instead of a close frame", failedWith(1002), nothingBack, events(), observed.CloseState{}, OK, CloseOK},
		{"we had to drop TCP", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, DroppedByMe: true, RemoteCode: observed.Code(1002)}, OK, CloseFailedByProbe},
		{"silent target: behaviour OK, close FAILED", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, FailedByMe: true, RemoteCode: observed.Code(1001)}, OK, CloseFailed},
		{"wrong endpoint fatal", CloseExpect{Codes: codes(1007), WrongEndpointFatal: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, RemoteCode: observed.Code(1001)}, Failed, CloseFailed},
		{"wrong code fails in section 7", CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, WrongCodeFails: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1002)}, Failed, CloseWrongCode},
		{"informational forces both", CloseExpect{ClosedByMe: true, Informational: true}, nothingBack, events(echo), clean, Informational, CloseInformational},
		{"code 0 is a code, and no endpoint may send it", CloseExpect{ClosedByMe: true, Codes: codes(1002), WrongCodeFails: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(0),
				RemoteCloseViolation: "RFC 6455 §7.4: close status code is not allowed on the wire [close-code-invalid]", RemoteCloseRule: frame.RuleCloseCodeInvalid}, Failed, CloseWrongCode},
		{"a malformed close reply fails the close", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCloseViolation: "RFC 6455 §5.5.1: close frame body is 1 octet [close-payload-one-octet]", RemoteCloseRule: frame.RuleCloseOneOctet}, OK, CloseFailed},
		{"a malformed close comes before unclean", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, DropTimeout: true, DroppedByMe: true, RemoteCode: observed.Code(1000),
				RemoteCloseViolation: "RFC 6455 §5.5.1: close reason is not valid UTF-8 [close-reason-utf8]", RemoteCloseRule: frame.RuleCloseReasonUTF8}, OK, CloseFailed},
		{"a malformed close fails section 7", CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, WrongCodeFails: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1000),
				RemoteCloseViolation: "RFC 6455 §5.5: control frame payload of 126 octets exceeds 125 [control-payload-too-long]", RemoteCloseRule: frame.RuleControlTooLong}, Failed, CloseFailed},
		{"a malformed close from a target that failed the connection", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCloseViolation: "RFC 6455 §5.5.1: close frame body is 1 octet [close-payload-one-octet]", RemoteCloseRule: frame.RuleCloseOneOctet}, OK, CloseFailed},
		{"1004 answered: NON-STRICT, not a bad close frame", CloseExpect{ClosedByMe: true, Codes: codes(1002), NonStrictCodes: codes(1000, 1004), WrongCodeFails: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, LocalCode: observed.Code(1004), RemoteCode: observed.Code(1004),
				RemoteCloseViolation: "RFC 6455 §7.4: close status code is not allowed on the wire [close-code-invalid]", RemoteCloseRule: frame.RuleCloseCodeInvalid}, NonStrict, CloseOK},
		{"1004 answered with a bad reason is a bad close frame", CloseExpect{ClosedByMe: true, Codes: codes(1002), NonStrictCodes: codes(1000, 1004), WrongCodeFails: true}, nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, LocalCode: observed.Code(1004), RemoteCode: observed.Code(1000),
				RemoteCloseViolation: "RFC 6455 §5.5.1: close reason is not valid UTF-8 [close-reason-utf8]", RemoteCloseRule: frame.RuleCloseReasonUTF8}, Failed, CloseFailed},
		{"abandoned at our deadline before closing", normalClose, only(echo), events(),
			observed.CloseState{DroppedByMe: true, Abandoned: "while our frames were still being sent"}, Failed, CloseFailed},
		{"a data frame after the target's own close frame", normalClose, only(echo), events(echo),
			observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1000),
				DataAfterClose: "RFC 6455 §5.5.1: a text frame after its close frame [data-after-close]"}, Failed, CloseFailed},
		{"a data frame after the target failed the connection", failedWith(1002), nothingBack, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: observed.Code(1002),
				DataAfterClose: "RFC 6455 §5.5.1: a binary frame after its close frame [data-after-close]"}, Failed, CloseFailed},
		{"NON-STRICT outcome", failedWith(1002), []Outcome{{OK, events(echo)}, {NonStrict, events()}}, events(),
			observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: observed.Code(1002)}, NonStrict, CloseOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{ID: "0.0", Title: "A test message", Clauses: []string{"RFC 6455 §5.6"}, Timer: killAfter(time.Second), Expect: tc.outcomes, Close: tc.expect}
			var r Result
			judge(&r, c, tc.events, tc.st)
			if r.Behavior != tc.behavior || r.BehaviorClose != tc.closeWant {
				t.Errorf("got %s / close %s (%s | %s), want %s / close %s",
					r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason, tc.behavior, tc.closeWant)
			}
			checkVerdictText(t, r.Reason)
			checkVerdictText(t, r.CloseReason)
			if tc.st.Abandoned != "" && !strings.Contains(r.CloseReason, "gave up at our case deadline "+tc.st.Abandoned) {
				t.Errorf("close reason %q does not say we gave up at our deadline", r.CloseReason)
			}
		})
	}
}

// checkVerdictText holds a verdict text to the brief: one plain sentence
// (what we sent, what came back, what the RFC requires, with its clause),
// no Autobahn jargon, no explanations nested in explanations.
func checkVerdictText(t *testing.T, s string) {
	t.Helper()
	switch {
	case !strings.HasPrefix(s, "We sent "):
		t.Errorf("%q does not start with what we sent", s)
	case !strings.Contains(s, "§"):
		t.Errorf("%q cites no clause", s)
	case strings.Contains(s, ". "), strings.Count(s, ": ") > 1:
		t.Errorf("%q is more than one plain sentence", s)
	case strings.Contains(s, "timeout A"), strings.Contains(s, "timeout B"):
		t.Errorf("%q uses Autobahn's marker names", s)
	}
}
