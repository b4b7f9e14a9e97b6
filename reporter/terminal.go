package reporter

import (
	"fmt"
	"io"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// Summary prints every non-OK case with its reason (✗ where g, the gate
// that sets the exit code, rejects it), then a line per section with
// verdict counts, then the totals (details first, summary last, so the
// last screen says how it went).
func Summary(w io.Writer, run *cases.Run, g Gate) {
	var notable []cases.Result
	type counts map[cases.Verdict]int
	bySection := map[string]counts{}
	var order []string
	total := counts{}
	for _, r := range run.Results {
		s := section(r.ID)
		if bySection[s] == nil {
			bySection[s] = counts{}
			order = append(order, s)
		}
		bySection[s][r.Behavior]++
		total[r.Behavior]++
		if r.Behavior != cases.OK || r.BehaviorClose != cases.CloseOK {
			notable = append(notable, r)
		}
	}
	if len(notable) > 0 {
		fmt.Fprintln(w, "Cases that are not plain OK:")
		for _, r := range notable {
			mark := " "
			if g.Fails(r) {
				mark = "✗"
			}
			fmt.Fprintf(w, "%s %-8s %-13s close %-16s %s\n", mark, r.ID, r.Behavior, r.BehaviorClose, r.Reason)
			if r.BehaviorClose != cases.CloseOK && r.BehaviorClose != cases.CloseInformational && r.BehaviorClose != cases.CloseNotRun &&
				!r.ReasonIsClose {
				fmt.Fprintf(w, "  %-8s %-13s       %-16s %s\n", "", "", "", r.CloseReason)
			}
			if g.Fails(r) && r.Behavior != cases.NotRun {
				fmt.Fprintf(w, "  %-8s %-13s       %-16s requires %s (%s) · reproduce: %s\n", "", "", "", strings.Join(r.Clauses, ", "), r.Level, r.Reproduce)
			}
		}
		fmt.Fprintln(w)
	}
	if d := run.TargetDown; d != nil {
		fmt.Fprintln(w, TargetDownLine(d, total[cases.NotRun]))
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "%-4s %-44s %s\n", "", "section", "verdicts")
	for _, s := range order {
		fmt.Fprintf(w, "%-4s %-44s %s\n", s, cases.SectionTitle(s), countLine(bySection[s]))
	}
	passed := 0
	for _, r := range run.Results {
		if !g.Fails(r) {
			passed++
		}
	}
	fmt.Fprintf(w, "\n%d cases against %s (%s) in %.1fs: %s\n", len(run.Results), run.Target.Agent, run.Target.URL,
		run.Duration.Seconds(), countLine(total))
	verdict := "CONFORMANT"
	if passed < len(run.Results) {
		verdict = fmt.Sprintf("NOT CONFORMANT (%d of %d cases fail the gate)", len(run.Results)-passed, len(run.Results))
	}
	if run.Interrupted {
		verdict += " — run interrupted, results partial"
	}
	fmt.Fprintln(w, verdict)
}

func countLine(c map[cases.Verdict]int) string {
	var parts []string
	for _, v := range cases.Verdicts {
		if c[v] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", v, c[v]))
		}
	}
	return strings.Join(parts, ", ")
}

func section(id string) string {
	if i := strings.IndexByte(id, '.'); i >= 0 {
		return id[:i]
	}
	return id
}

// TargetDownLine says plainly that the target went down, when, on which
// case, and what that left NOT RUN.
func TargetDownLine(d *cases.TargetDown, notRun int) string {
	line := fmt.Sprintf("The target stopped accepting connections at %s (%s)", d.At.Format("15:04:05"), d.Error)
	switch len(d.KilledBy) {
	case 0:
		line += fmt.Sprintf("; cases in flight then: %s", strings.Join(d.InFlight, ", "))
	case 1:
		line += fmt.Sprintf(": it crashed on case %s (FAILED)", d.KilledBy[0])
	default:
		line += fmt.Sprintf(": it crashed on one of %s, which ran at the same time (FAILED; run them with --parallel 1 to tell which)", strings.Join(d.KilledBy, ", "))
	}
	if notRun > 0 {
		line += fmt.Sprintf("; %d cases could not run after it (NOT RUN)", notRun)
	}
	return line + "."
}
