package cases

import (
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
)

// offer builds an Autobahn-style offer with the given server parameters.
func offer(serverNoContextTakeover bool, serverMaxWindowBits int) deflate.Params {
	return pmdOffer{serverNoContextTakeover, serverMaxWindowBits}.params()
}

// judgeAnswer reads the answer to the offers as RFC 7692 §7.1 says a
// client must: the rows are the answers real servers give.
func TestJudgeAnswer(t *testing.T) {
	set13_7 := []deflate.Params{offer(true, 9), offer(true, 0), offer(false, 0)}
	tests := []struct {
		name    string
		offers  []deflate.Params
		answer  []string
		agreed  string // accepted parameters, "" if none
		rule    string // broken rule, "" if the answer is acceptable
		section string
	}{
		{"declined: no header", []deflate.Params{autobahnOffer()}, nil, "", "", ""},
		{"declined: another extension only", []deflate.Params{autobahnOffer()}, []string{"x-webkit-deflate-frame"}, "", "", ""},
		{"12.x plain acceptance", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate"}, "permessage-deflate", "", ""},
		{"12.x acceptance with a client window", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate; client_max_window_bits=10"}, "permessage-deflate; client_max_window_bits=10", "", ""},
		{"13.2 server_no_context_takeover echoed", []deflate.Params{offer(true, 0)}, []string{"permessage-deflate; server_no_context_takeover"}, "permessage-deflate; server_no_context_takeover", "", ""},
		{"13.2 server_no_context_takeover not echoed", []deflate.Params{offer(true, 0)}, []string{"permessage-deflate; client_no_context_takeover"}, "",
			"pmd-response-server-no-context-takeover-missing", "RFC 7692 §7.1.1.1"},
		{"13.3 server_max_window_bits not answered", []deflate.Params{offer(false, 9)}, []string{"permessage-deflate"}, "",
			"pmd-response-server-max-window-bits-missing", "RFC 7692 §7.1.2.1"},
		{"13.3 server_max_window_bits above the offer", []deflate.Params{offer(false, 9)}, []string{"permessage-deflate; server_max_window_bits=10"}, "",
			"pmd-response-server-max-window-bits-too-large", "RFC 7692 §7.1.2.1"},
		{"13.5 only the window answered", []deflate.Params{offer(true, 9)}, []string{"permessage-deflate; server_max_window_bits=9"}, "",
			"pmd-response-server-no-context-takeover-missing", "RFC 7692 §7.1.1.1"},
		{"client_max_window_bits without a value", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate; client_max_window_bits"}, "",
			"pmd-response-client-max-window-bits-no-value", "RFC 7692 §7.1.2.2"},
		{"unknown parameter", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate; foo=1"}, "", "pmd-unknown-param", "RFC 7692 §7"},
		{"13.7 plain acceptance answers the third offer", set13_7, []string{"permessage-deflate"}, "permessage-deflate", "", ""},
		{"13.7 an answer to none of three offers", set13_7, []string{"permessage-deflate; client_max_window_bits"}, "",
			"pmd-response-server-no-context-takeover-missing", "RFC 7692 §7.1.1.1"},
		{"accepted twice", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate", "permessage-deflate"}, "", "pmd-invalid-response", "RFC 7692 §7.1"},
		{"malformed header", []deflate.Params{autobahnOffer()}, []string{"permessage-deflate;;"}, "", "pmd-invalid-response", "RFC 7692 §7.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := judgeAnswer(tc.offers, tc.answer)
			agreed := ""
			if v.agreed != nil {
				agreed = v.agreed.String()
			}
			rule, section := "", ""
			if v.invalid != nil {
				rule, section = v.invalid.Rule, v.invalid.Section
			}
			if agreed != tc.agreed || rule != tc.rule || section != tc.section {
				t.Errorf("agreed %q, rule %q (%s), want %q, %q (%s); reason %q", agreed, rule, section, tc.agreed, tc.rule, tc.section, v.reason)
			}
			if tc.rule != "" && (!strings.Contains(v.reason, tc.answer[0]) || !strings.Contains(v.reason, "RFC 7692 §7.1")) {
				t.Errorf("reason %q does not say what was answered and which clause decides", v.reason)
			}
			if tc.rule != "" && len(tc.offers) > 1 && !strings.Contains(v.reason, "for offer 3, client_max_window_bits in a response must have a value") {
				t.Errorf("reason %q does not say what each offer required", v.reason)
			}
		})
	}
}

func TestEchoMismatch(t *testing.T) {
	tests := []struct {
		name   string
		e      observed.Event
		binary bool
		want   string // substring of the answer; "" for a match
	}{
		{"equal text", textEcho("abc"), false, ""},
		{"equal binary", binaryEcho([]byte{1, 2}), true, ""},
		{"type", textEcho("abc"), true, "want binary=true"},
		{"length", textEcho("ab"), false, "2 octets, want 3"},
		{"content", textEcho("abd"), false, "at octet 2"},
		{"not a message", pong([]byte("abc")), false, "want a message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := []byte("abc")
			if tc.binary {
				want = []byte{1, 2}
			}
			got := echoMismatch(tc.e, tc.binary, want)
			if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
				t.Errorf("echoMismatch = %q, want %q", got, tc.want)
			}
		})
	}
}

// JudgeCompression needs no socket: each row is what a run observed.
func TestJudgeCompression(t *testing.T) {
	c, _ := Lookup("13.2.1")
	agreed := &deflate.Params{ServerNoContextTakeover: true}
	clean := observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, Clean: true, RemoteCode: observed.Code(1000)}
	tests := []struct {
		name      string
		run       CompressionRun
		behavior  Verdict
		closeWant CloseVerdict
		reason    string
	}{
		{"every echo matched", CompressionRun{Agreed: agreed, Echoed: 1000, Deadline: time.Minute, Took: time.Second, Close: clean}, OK, CloseOK, "all 1000 echoes came back equal"},
		{"declined", CompressionRun{Close: clean}, Unimplemented, CloseOK, "declined permessage-deflate, which RFC 7692 allows"},
		{"an echo was wrong", CompressionRun{Agreed: agreed, Echoed: 3, Failure: "echo 4 of 1000 is wrong: 3 octets, want 16", Close: clean}, Failed, CloseOK, "echo 4 of 1000"},
		{"fewer echoes, no failure named", CompressionRun{Agreed: agreed, Echoed: 999, Close: clean}, Failed, CloseOK, "999 of 1000"},
		{"the target broke a rule", CompressionRun{Agreed: agreed, Echoed: 0, Failure: "0 of 1000 echoes arrived: the connection ended",
			Close: observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, FailedByMe: true, PeerViolation: "pmd-invalid-compressed-data", FailedOn: "pmd-invalid-compressed-data", RemoteCode: observed.Code(1007)}},
			Failed, CloseUnclean, "pmd-invalid-compressed-data"},
		{"the target closed first", CompressionRun{Agreed: agreed, Echoed: 1000, Close: observed.CloseState{SentClose: true, ReceivedClose: true, Clean: true, RemoteCode: observed.Code(1000)}},
			OK, CloseFailed, "all 1000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r Result
			JudgeCompression(&r, c, tc.run)
			if r.Behavior != tc.behavior || r.BehaviorClose != tc.closeWant || !strings.Contains(r.Reason, tc.reason) {
				t.Errorf("got %s / close %s (%s | %s), want %s / close %s (%q)", r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason, tc.behavior, tc.closeWant, tc.reason)
			}
			if (tc.run.Agreed != nil) != (r.Perf != nil) {
				t.Errorf("perf %+v for agreement %v", r.Perf, tc.run.Agreed)
			}
		})
	}
}
