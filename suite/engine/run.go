package engine

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wsconform/wsconform/cases"
)

// Collect builds the run of the selected cases from the engine's results:
// head gives the Tool, Target, Selection and Started time; a selected case
// without a result is NOT RUN, never OK.
func Collect(eng *Engine, selected []*cases.Case, head cases.Run) *cases.Run {
	run := &cases.Run{
		Schema: cases.SchemaVersion, Tool: head.Tool, Catalogue: cases.CatalogueDigest(), Target: head.Target,
		Selection: head.Selection, Started: head.Started, Duration: time.Since(head.Started), TargetDown: eng.Down(),
	}
	done := map[string]cases.Result{}
	for _, r := range eng.Results() {
		done[r.ID] = r
	}
	for _, c := range selected {
		r, ok := done[c.ID]
		if !ok {
			r = cases.NotRunResult(c, "not run: the run was interrupted")
			run.Interrupted = true
		}
		r.Reproduce = Reproduce(c.ID, ReproduceURL(head.Target))
		run.Results = append(run.Results, r)
	}
	attributeCrash(run.TargetDown, selected, run.Results)
	// Front ends may run cases in any order; reports list them in
	// catalogue order.
	sort.Slice(run.Results, func(i, j int) bool { return cases.LessID(run.Results[i].ID, run.Results[j].ID) })
	return run
}

// FilterLabels keeps the cases a Ginkgo label filter selects, matched the
// way Ginkgo matches specs (on Labels), so that every front end selects
// alike and an empty selection is known before the run. An empty filter
// keeps every case.
func FilterLabels(cs []*cases.Case, filter string) ([]*cases.Case, error) {
	if filter == "" {
		return cs, nil
	}
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, err
	}
	var kept []*cases.Case
	for _, c := range cs {
		if match(Labels(c)) {
			kept = append(kept, c)
		}
	}
	return kept, nil
}

// Labels are the Ginkgo labels of a case: its own plus one per RFC clause
// ("rfc6455:5.2"); Ginkgo forbids some characters, so clauses are cleaned.
func Labels(c *cases.Case) []string {
	out := append([]string{}, c.Labels...)
	for _, cl := range c.Clauses {
		out = append(out, ClauseLabel(cl))
	}
	return out
}

// ClauseLabel turns "RFC 6455 §5.2" into "rfc6455:5.2".
func ClauseLabel(clause string) string {
	s := strings.ToLower(clause)
	s = strings.NewReplacer("rfc ", "rfc", " §", ":", "§", "", " ", "-").Replace(s)
	return strings.Map(func(r rune) rune {
		if strings.ContainsRune("&|!,()/", r) {
			return '-'
		}
		return r
	}, s)
}

// FailureText is what a server author reads at 2 am: the verdicts and why,
// what the RFC requires, what was expected and observed, how to reproduce
// (reproduce is the command; "" leaves the line out).
func FailureText(r cases.Result, reproduce string, strict bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s / close %s: %s\n", r.ID, r.Behavior, r.BehaviorClose, r.Reason)
	fmt.Fprintf(&b, "  close: %s\n", r.CloseReason)
	if strict && r.Behavior == cases.NonStrict {
		b.WriteString("  (NON-STRICT fails in --strict mode)\n")
	}
	fmt.Fprintf(&b, "  requires (%s): %s\n", strings.Join(r.Clauses, ", "), r.Description)
	for _, o := range r.Expected {
		fmt.Fprintf(&b, "  expected %s: [%s]\n", o.Verdict, strings.Join(o.Events, ", "))
	}
	fmt.Fprintf(&b, "  observed: [%s]\n", strings.Join(r.Observed, ", "))
	if r.Error != "" {
		fmt.Fprintf(&b, "  error: %s\n", r.Error)
	}
	if reproduce != "" {
		fmt.Fprintf(&b, "  reproduce: %s", reproduce)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ReproduceURL is the URL a reproduce command names: none for the
// embedded server, whose ephemeral port is gone once the run ends (the
// command without a URL starts a new one).
//
// With options (cases.TargetInfo.Options) the target part carries them
// too, shell-quoted: a reproduce command sends what the run sent.
func ReproduceURL(t cases.TargetInfo) string {
	if t.Embedded {
		return ShellWords(t.Options...)
	}
	return ShellWords(append([]string{t.URL}, t.Options...)...)
}

// ShellWords is args as a POSIX shell command line, each quoted as needed.
func ShellWords(args ...string) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = shellQuote(a)
	}
	return strings.Join(parts, " ")
}

// shellQuote is s as one POSIX shell word.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:,=@%+") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// Reproduce is the command that runs one case again; with no url it
// runs it against a fresh embedded reference server.
func Reproduce(id, url string) string {
	if url == "" {
		return "wsconform run --cases " + id
	}
	return "wsconform run " + url + " --cases " + id
}
