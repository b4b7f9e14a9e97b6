package reporter_test

import (
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

// The summary judges with the gate that sets the exit code, so the two can
// never disagree: a gate that only rejects NON-STRICT marks just 3.2.
func TestSummaryUsesTheGate(t *testing.T) {
	run := fixtureRun("target")
	tests := []struct {
		name    string
		gate    reporter.Gate
		verdict string
		marked  []string
	}{
		{"default gate", reporter.DefaultGate(false), "NOT CONFORMANT (2 of 7", []string{"7.3.2", "10.1.1"}},
		{"only NON-STRICT fails", reporter.Gate{Main: map[cases.Verdict]bool{cases.NonStrict: true}}, "NOT CONFORMANT (1 of 7", []string{"3.2"}},
		{"nothing fails", reporter.Gate{}, "CONFORMANT", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			reporter.Summary(&b, run, tc.gate)
			out := b.String()
			if !strings.Contains(out, "\n"+tc.verdict) {
				t.Errorf("want the verdict line %q in:\n%s", tc.verdict, out)
			}
			var marked []string
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[0] == "✗" {
					marked = append(marked, f[1])
				}
			}
			if strings.Join(marked, ",") != strings.Join(tc.marked, ",") {
				t.Errorf("cases marked ✗: %v, want %v", marked, tc.marked)
			}
		})
	}
}
