package engine

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// attributeCrash: the must-reject case among those cut off is the killer
// and the other cut-off cases are NOT RUN; with no such case, every
// cut-off case is FAILED and named.
func TestAttributeCrash(t *testing.T) {
	tests := []struct {
		name        string
		cutOff      []string
		wantKillers []string
		wantNotRun  []string
	}{
		{"one must-reject case cut off", []string{"14.2.1"}, []string{"14.2.1"}, nil},
		{"must-reject case among valid traffic", []string{"1.1.1", "14.2.1", "9.1.1"}, []string{"14.2.1"}, []string{"1.1.1", "9.1.1"}},
		{"valid traffic only", []string{"1.1.1", "9.1.1"}, []string{"1.1.1", "9.1.1"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sel, err := cases.Select(tc.cutOff, nil)
			if err != nil || len(sel) != len(tc.cutOff) {
				t.Fatalf("select %v: %v", tc.cutOff, err)
			}
			var results []cases.Result
			for _, c := range sel {
				results = append(results, cases.Result{ID: c.ID, Title: c.Title, Behavior: cases.OK, BehaviorClose: cases.CloseOK})
			}
			d := &cases.TargetDown{At: time.Now(), Error: "connection refused", InFlight: tc.cutOff, CutOff: tc.cutOff}
			attributeCrash(d, sel, results)
			if !slices.Equal(d.KilledBy, tc.wantKillers) {
				t.Errorf("killedBy %v, want %v", d.KilledBy, tc.wantKillers)
			}
			for _, r := range results {
				switch {
				case slices.Contains(tc.wantKillers, r.ID):
					if r.Behavior != cases.Failed || !strings.Contains(r.Reason, "stopped accepting connections") {
						t.Errorf("%s: %s %q, want FAILED for the crash", r.ID, r.Behavior, r.Reason)
					}
					if len(tc.wantKillers) > 1 && !strings.Contains(r.Reason, "one of them crashed it") {
						t.Errorf("%s: %q does not say the killer is one of several", r.ID, r.Reason)
					}
				case slices.Contains(tc.wantNotRun, r.ID):
					if r.Behavior != cases.NotRun || !strings.Contains(r.Reason, "crashed by 14.2.1") {
						t.Errorf("%s: %s %q, want NOT RUN naming the killer", r.ID, r.Behavior, r.Reason)
					}
				}
			}
		})
	}
}
