package reporter

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// Change is one case whose verdicts differ between two runs.
type Change struct {
	ID       string             `json:"id"`
	Old      cases.Verdict      `json:"old,omitempty"` // "" when the case is new
	OldClose cases.CloseVerdict `json:"oldClose,omitempty"`
	New      cases.Verdict      `json:"new"`
	NewClose cases.CloseVerdict `json:"newClose"`
	Reason   string             `json:"reason"` // the new result's reason
}

func (c Change) String() string {
	old := "new case"
	if c.Old != "" {
		old = fmt.Sprintf("%s/close %s", c.Old, c.OldClose)
	}
	return fmt.Sprintf("%s: %s -> %s/close %s", c.ID, old, c.New, c.NewClose)
}

// Diff compares a run against a baseline under a gate.
type Diff struct {
	// Regressed cases fail the gate now and passed it in the baseline; a
	// case the baseline does not have counts as regressed when it fails,
	// since nobody has accepted that failure yet.
	Regressed []Change `json:"regressed"`
	// Improved cases failed the gate in the baseline and pass it now.
	Improved []Change `json:"improved"`
	// Changed cases changed verdict without crossing the gate.
	Changed []Change `json:"changed"`
	// Removed are baseline cases the new run does not have.
	Removed []string `json:"removed"`
}

// Compare diffs run against baseline, case by case, under g.
func Compare(baseline, run *cases.Run, g Gate) Diff {
	d := Diff{Regressed: []Change{}, Improved: []Change{}, Changed: []Change{}, Removed: []string{}}
	old := map[string]cases.Result{}
	for _, r := range baseline.Results {
		old[r.ID] = r
	}
	seen := map[string]bool{}
	for _, r := range run.Results {
		seen[r.ID] = true
		c := Change{ID: r.ID, New: r.Behavior, NewClose: r.BehaviorClose, Reason: r.Reason}
		o, ok := old[r.ID]
		if !ok {
			if g.Fails(r) {
				d.Regressed = append(d.Regressed, c)
			}
			continue
		}
		c.Old, c.OldClose = o.Behavior, o.BehaviorClose
		wasBad, isBad := g.Fails(o), g.Fails(r)
		switch {
		case isBad && !wasBad:
			d.Regressed = append(d.Regressed, c)
		case wasBad && !isBad:
			d.Improved = append(d.Improved, c)
		case c.Old != c.New || c.OldClose != c.NewClose:
			d.Changed = append(d.Changed, c)
		}
	}
	for _, r := range baseline.Results {
		if !seen[r.ID] {
			d.Removed = append(d.Removed, r.ID)
		}
	}
	sort.Slice(d.Removed, func(i, j int) bool { return cases.LessID(d.Removed[i], d.Removed[j]) })
	return d
}

// IDs lists the ids of changes.
func IDs(cs []Change) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// PrintDiff writes the diff for a terminal: a one-line list of ids per
// kind (easy to grep in CI logs), then one line per change.
func PrintDiff(w io.Writer, d Diff) {
	kinds := []struct {
		name string
		cs   []Change
	}{{"regressed", d.Regressed}, {"improved", d.Improved}, {"changed", d.Changed}}
	for _, k := range kinds {
		fmt.Fprintf(w, "%s (%d)", k.name, len(k.cs))
		if len(k.cs) > 0 {
			fmt.Fprintf(w, ": %s", strings.Join(IDs(k.cs), " "))
		}
		fmt.Fprintln(w)
	}
	if len(d.Removed) > 0 {
		fmt.Fprintf(w, "not in this run (%d): %s\n", len(d.Removed), strings.Join(d.Removed, " "))
	}
	for _, k := range kinds {
		for _, c := range k.cs {
			fmt.Fprintf(w, "  %-9s %s  %s\n", k.name, c, c.Reason)
		}
	}
}
