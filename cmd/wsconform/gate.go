package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

// gateFlags are the CI-gating flags shared by run and diff.
type gateFlags struct {
	failOn   []string
	baseline []string
}

// loadBaselines reads the --baseline files (exit 2 when unreadable).
func loadBaselines(paths []string) ([]*cases.Run, error) {
	var out []*cases.Run
	for _, p := range paths {
		run, err := reporter.ReadJSON(p)
		if err != nil {
			return nil, usageError{fmt.Errorf("--baseline: %v", err)}
		}
		out = append(out, run)
	}
	return out, nil
}

// baselineFor picks the baseline of run's target: the one with the same
// agent, or the only one given.
func baselineFor(run *cases.Run, baselines []*cases.Run) *cases.Run {
	for _, b := range baselines {
		if b.Target.Agent == run.Target.Agent {
			return b
		}
	}
	if len(baselines) == 1 {
		return baselines[0]
	}
	return nil
}

// judge applies the gate to finished runs and prints why. With a baseline
// for a target, only its regressions fail; without one, every result the
// gate rejects does. It returns errNonConformant for exit 1.
func judge(w io.Writer, g reporter.Gate, baselines []*cases.Run, runs ...*cases.Run) error {
	failed := false
	for _, run := range runs {
		prefix := ""
		if len(runs) > 1 {
			prefix = "[" + run.Target.Agent + "] "
		}
		if base := baselineFor(run, baselines); base != nil {
			d := reporter.Compare(base, run, g)
			fmt.Fprintf(w, "%scompared with the baseline (%s, %s):\n", prefix, base.Target.Agent, base.Started.Format("2006-01-02 15:04"))
			reporter.PrintDiff(w, d)
			if len(d.Regressed) > 0 {
				fmt.Fprintf(w, "%sREGRESSED: %s\n", prefix, strings.Join(reporter.IDs(d.Regressed), " "))
				failed = true
			} else {
				fmt.Fprintf(w, "%sno regression against the baseline\n", prefix)
			}
			continue
		}
		ids, runFailed := g.Failing(run)
		if len(ids) > 0 {
			fmt.Fprintf(w, "%s%d cases fail the gate (%s): %s\n", prefix, len(ids), g, strings.Join(ids, " "))
		}
		if len(ids) > 0 || runFailed {
			failed = true
		}
	}
	if failed {
		return errNonConformant
	}
	return nil
}
