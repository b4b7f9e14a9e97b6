package cases

import (
	"testing"

	"github.com/wsconform/wsconform/cases/probe"
)

// judge's close verdict follows Autobahn's order exactly (autobahn.md §3):
// wrong side closed -> FAILED; not clean when required -> UNCLEAN; a code
// outside the list -> WRONG CODE; we dropped TCP -> FAILED BY CLIENT; else
// OK. These rows pin that order and the cross-links to the main verdict.
func TestJudgeFollowsAutobahnsOrder(t *testing.T) {
	echo := textEcho("hi")
	clean := probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: 1000}
	tests := []struct {
		name      string
		expect    CloseExpect
		outcomes  []Outcome
		events    []probe.Event
		st        probe.CloseState
		behavior  Verdict
		closeWant CloseVerdict
	}{
		{"happy path", normalClose, only(echo), events(echo), clean, OK, CloseOK},
		{"no echo", normalClose, only(echo), events(), clean, Failed, CloseOK},
		{"target closed first, we should have", normalClose, only(echo), events(echo),
			probe.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: 1000}, OK, CloseFailed},
		{"unclean when clean required", normalClose, only(echo), events(echo),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, DropTimeout: true, DroppedByMe: true, RemoteCode: 1000}, OK, CloseUnclean},
		{"unclean comes before wrong code", normalClose, only(echo), events(echo),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, RemoteCode: 1001}, OK, CloseUnclean},
		{"wrong code comes before we dropped TCP", failedWith(1002), nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, DroppedByMe: true, RemoteCode: 1001}, OK, CloseWrongCode},
		{"wrong code", normalClose, only(echo), events(echo),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: 1001}, OK, CloseWrongCode},
		{"no code is always accepted", failedWith(1002), nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, Clean: true}, OK, CloseOK},
		{"TCP drop instead of a close frame", failedWith(1002), nothingBack, events(), probe.CloseState{}, OK, CloseOK},
		{"we had to drop TCP", failedWith(1002), nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, DroppedByMe: true, RemoteCode: 1002}, OK, CloseFailedByProbe},
		{"silent target: behaviour OK, close FAILED", failedWith(1002), nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, FailedByMe: true, RemoteCode: 1001}, OK, CloseFailed},
		{"wrong endpoint fatal", CloseExpect{Codes: codes(1007), WrongEndpointFatal: true}, nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, RemoteCode: 1001}, Failed, CloseFailed},
		{"wrong code fails in section 7", CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true, WrongCodeFails: true}, nothingBack, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: 1002}, Failed, CloseWrongCode},
		{"informational forces both", CloseExpect{ClosedByMe: true, Informational: true}, nothingBack, events(echo), clean, Informational, CloseInformational},
		{"NON-STRICT outcome", failedWith(1002), []Outcome{{OK, events(echo)}, {NonStrict, events()}}, events(),
			probe.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: 1002}, NonStrict, CloseOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &Case{ID: "0.0", Expect: tc.outcomes, Close: tc.expect}
			var r Result
			judge(&r, c, tc.events, tc.st)
			if r.Behavior != tc.behavior || r.BehaviorClose != tc.closeWant {
				t.Errorf("got %s / close %s (%s | %s), want %s / close %s",
					r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason, tc.behavior, tc.closeWant)
			}
		})
	}
}
