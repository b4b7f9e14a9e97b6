package reporter_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

func TestParseGate(t *testing.T) {
	r := func(v cases.Verdict, c cases.CloseVerdict) cases.Result {
		return cases.Result{Behavior: v, BehaviorClose: c}
	}
	tests := []struct {
		list   []string
		strict bool
		fails  []cases.Result
		passes []cases.Result
	}{
		{nil, false,
			[]cases.Result{r(cases.Failed, cases.CloseOK), r(cases.NotRun, cases.CloseNotRun), r(cases.OK, cases.CloseWrongCode)},
			[]cases.Result{r(cases.NonStrict, cases.CloseOK), r(cases.OK, cases.CloseUnclean), r(cases.Unimplemented, cases.CloseOK)}},
		{nil, true,
			[]cases.Result{r(cases.NonStrict, cases.CloseOK), r(cases.OK, cases.CloseUnclean)},
			[]cases.Result{r(cases.Informational, cases.CloseInformational)}},
		{[]string{"failed", "non_strict"}, false,
			[]cases.Result{r(cases.NonStrict, cases.CloseOK), r(cases.OK, cases.CloseWrongCode)},
			[]cases.Result{r(cases.NotRun, cases.CloseOK), r(cases.OK, cases.CloseUnclean)}},
		{[]string{"FAILED", "close:none"}, false,
			[]cases.Result{r(cases.Failed, cases.CloseOK)},
			[]cases.Result{r(cases.OK, cases.CloseWrongCode), r(cases.OK, cases.CloseFailed)}},
		{[]string{"UNIMPLEMENTED", "close:unclean"}, false,
			[]cases.Result{r(cases.Unimplemented, cases.CloseOK), r(cases.OK, cases.CloseUnclean)},
			[]cases.Result{r(cases.Failed, cases.CloseWrongCode)}},
	}
	for _, tt := range tests {
		g, err := reporter.ParseGate(tt.list, tt.strict)
		if err != nil {
			t.Fatalf("%v: %v", tt.list, err)
		}
		for _, res := range tt.fails {
			if !g.Fails(res) {
				t.Errorf("gate %v strict=%t: %s/%s passes, want fail", tt.list, tt.strict, res.Behavior, res.BehaviorClose)
			}
		}
		for _, res := range tt.passes {
			if g.Fails(res) {
				t.Errorf("gate %v strict=%t: %s/%s fails, want pass", tt.list, tt.strict, res.Behavior, res.BehaviorClose)
			}
		}
	}
	for _, bad := range [][]string{{"PASSED"}, {"close:LOUD"}} {
		if _, err := reporter.ParseGate(bad, false); err == nil {
			t.Errorf("ParseGate(%v) accepted", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	base := fixtureRun("x")
	run := fixtureRun("x")
	set := func(run *cases.Run, id string, v cases.Verdict, c cases.CloseVerdict) {
		for i := range run.Results {
			if run.Results[i].ID == id {
				run.Results[i].Behavior, run.Results[i].BehaviorClose = v, c
			}
		}
	}
	set(run, "1.1.1", cases.Failed, cases.CloseOK) // regressed
	set(run, "7.3.2", cases.OK, cases.CloseOK)     // improved (was FAILED/WRONG CODE)
	set(run, "3.2", cases.OK, cases.CloseOK)       // changed, gate not crossed
	run.Results = append(run.Results, cases.Result{ID: "4.1.1", Behavior: cases.Failed, BehaviorClose: cases.CloseOK})
	base.Results = append(base.Results, cases.Result{ID: "4.2.1", Behavior: cases.OK, BehaviorClose: cases.CloseOK})

	d := reporter.Compare(base, run, reporter.DefaultGate(false))
	check := func(name string, got []string, want string) {
		if strings.Join(got, " ") != want {
			t.Errorf("%s = %v, want %s", name, got, want)
		}
	}
	check("regressed", reporter.IDs(d.Regressed), "1.1.1 4.1.1")
	check("improved", reporter.IDs(d.Improved), "7.3.2")
	check("changed", reporter.IDs(d.Changed), "3.2")
	check("removed", d.Removed, "4.2.1")
	var buf bytes.Buffer
	reporter.PrintDiff(&buf, d)
	if !strings.Contains(buf.String(), "regressed (2): 1.1.1 4.1.1\n") {
		t.Errorf("PrintDiff:\n%s", buf.String())
	}
}
