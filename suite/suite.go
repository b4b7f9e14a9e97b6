// Package suite is the Ginkgo layer: it turns the catalogue into specs (one
// Describe per section, one It per case, labelled by section, group, RFC
// clause and requirement level), runs them against a target through the
// Engine, and gathers the verdicts into a cases.Run. The CLI and `go test
// ./suite` drive the same registration.
package suite

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
)

// Description is the Ginkgo suite description.
const Description = "wsconform"

// Config is one run: which cases, against what, how.
type Config struct {
	Env         probe.Env
	Cases       []*cases.Case // the selection by id (labels filter it further)
	LabelFilter string
	Parallel    int
	Strict      bool
	// Gate decides which results fail their spec: the same gate the CLI's
	// exit code and terminal summary use. Nil: reporter.DefaultGate(Strict).
	Gate      *reporter.Gate
	Target    cases.TargetInfo
	Selection cases.Selection
	Tool      string
	// Quiet silences Ginkgo's own console reporter (the CLI prints its own).
	Quiet bool
	// OnResult is called as each case finishes (progress display).
	OnResult func(cases.Result)
	// T receives Ginkgo's failures; under `go test` it is the *testing.T.
	T ginkgo.GinkgoTestingT
}

// Register builds the spec tree for cfg.Cases; each spec awaits its case's
// result from eng and maps the verdicts onto pass, skip or fail.
func Register(cfg *Config, eng *Engine) {
	cfg.gate() // settled before any spec reads it
	var order []string
	bySection := map[string][]*cases.Case{}
	for _, c := range cfg.Cases {
		s := c.Section()
		if _, ok := bySection[s]; !ok {
			order = append(order, s)
		}
		bySection[s] = append(bySection[s], c)
	}
	wait := longestWait(cfg.Cases, cfg.Env.Scale)
	for _, s := range order {
		ginkgo.Describe(fmt.Sprintf("%s %s", s, cases.SectionTitle(s)), func() {
			for _, c := range bySection[s] {
				registerCase(cfg, eng, c, wait)
			}
		})
	}
}

// SpecText is the It text of a case: its id, then its title.
func SpecText(c *cases.Case) string { return c.ID + " " + c.Title }

// registerCase adds c's spec. Its timeout only guards against a hung
// engine: the case may first wait up to wait for the cases in flight (a
// serial case for all of them), and a spec that timed out while its case
// was merely queued would turn a verdict into NOT RUN.
func registerCase(cfg *Config, eng *Engine, c *cases.Case, wait time.Duration) {
	timeout := wait + c.Deadline(cfg.Env.Scale) + 5*time.Second
	args := []any{ginkgo.Label(Labels(c)...), ginkgo.SpecTimeout(timeout), ginkgo.GracePeriod(2 * time.Second)}
	if c.SourceFile != "" {
		// Failures point at the section that defines the case, not here.
		args = append(args, types.CodeLocation{FileName: c.SourceFile, LineNumber: c.SourceLine})
	}
	if c.Serial {
		args = append(args, ginkgo.Serial)
	}
	args = append(args, func(ctx ginkgo.SpecContext) {
		res := eng.Await(ctx, c)
		ginkgo.AddReportEntry("wsconform.verdict", res.Behavior, ginkgo.ReportEntryVisibilityNever)
		if !cfg.gate().Fails(res) {
			if res.Behavior == cases.Unimplemented {
				ginkgo.Skip("UNIMPLEMENTED: " + res.Reason)
			}
			return
		}
		ginkgo.Fail(FailureText(res, reproduceURL(cfg.Target), cfg.Strict))
	})
	ginkgo.It(SpecText(c), args...)
}

func (cfg *Config) gate() reporter.Gate {
	if cfg.Gate == nil {
		g := reporter.DefaultGate(cfg.Strict)
		cfg.Gate = &g
	}
	return *cfg.Gate
}

// FilterLabels keeps the cases a Ginkgo label filter selects, matched the
// way Ginkgo matches specs (on Labels), so that single-target and
// multi-target runs select alike and an empty selection is known before
// the run. An empty filter keeps every case.
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
// what the RFC requires, what was expected and observed, how to reproduce.
func FailureText(r cases.Result, url string, strict bool) string {
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
	fmt.Fprintf(&b, "  reproduce: %s", Reproduce(r.ID, url))
	return b.String()
}

// reproduceURL is the URL a reproduce command names: none for the
// embedded server, whose ephemeral port is gone once the run ends (the
// command without a URL starts a new one).
func reproduceURL(t cases.TargetInfo) string {
	if t.Embedded {
		return ""
	}
	return t.URL
}

// Reproduce is the command that runs one case again; with no url it
// runs it against a fresh embedded reference server.
func Reproduce(id, url string) string {
	if url == "" {
		return "wsconform run --cases " + id
	}
	return "wsconform run " + url + " --cases " + id
}

type failT struct{ failed bool }

func (t *failT) Fail() { t.failed = true }

// Run registers cfg's cases, runs them under Ginkgo and returns the run.
// It may be called once per process (Ginkgo's rule).
func Run(cfg Config) *cases.Run {
	if cfg.Env.Scale <= 0 {
		cfg.Env.Scale = 1
	}
	eng := NewEngine(cfg.Env, cfg.Parallel)
	eng.OnResult = cfg.OnResult
	defer eng.Close()
	Register(&cfg, eng)

	gomega.RegisterFailHandler(ginkgo.Fail)
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = cfg.LabelFilter
	sc.Timeout = 24 * time.Hour
	rc.NoColor = true
	if cfg.Quiet {
		restore := formatter.ColorableStdOut
		formatter.ColorableStdOut = io.Discard
		defer func() { formatter.ColorableStdOut = restore }()
	}
	selected := Selected(cfg.Cases, sc, rc)
	if !sc.DryRun {
		eng.Prefetch(selected)
	}
	start := time.Now()
	var t ginkgo.GinkgoTestingT = &failT{}
	if cfg.T != nil {
		t = cfg.T
	}
	ginkgo.RunSpecs(t, Description, sc, rc)
	return Collect(cfg, eng, selected, start)
}

// Selected is the subset of cs that Ginkgo will run under sc (label
// filter applied), in run order.
func Selected(cs []*cases.Case, sc types.SuiteConfig, rc types.ReporterConfig) []*cases.Case {
	byText := map[string]*cases.Case{}
	for _, c := range cs {
		byText[SpecText(c)] = c
	}
	var out []*cases.Case
	for _, sr := range ginkgo.PreviewSpecs(Description, sc, rc).SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || sr.State != types.SpecStatePassed {
			continue
		}
		if c, ok := byText[sr.LeafNodeText]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Collect builds the run from the engine's results; a selected case
// without a result is NOT RUN, never OK.
func Collect(cfg Config, eng *Engine, selected []*cases.Case, start time.Time) *cases.Run {
	run := &cases.Run{
		Schema: cases.SchemaVersion, Tool: cfg.Tool, Catalogue: cases.CatalogueDigest(), Target: cfg.Target, Selection: cfg.Selection,
		Started: start, Duration: time.Since(start), TargetDown: eng.Down(),
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
		r.Reproduce = Reproduce(c.ID, reproduceURL(cfg.Target))
		run.Results = append(run.Results, r)
	}
	attributeCrash(run.TargetDown, selected, run.Results)
	// Ginkgo shuffles sections; reports list cases in catalogue order.
	sort.Slice(run.Results, func(i, j int) bool { return cases.LessID(run.Results[i].ID, run.Results[j].ID) })
	return run
}
