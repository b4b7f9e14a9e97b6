// Package suite is the Ginkgo layer: it turns the catalogue into specs (one
// Describe per target, then one per section, one It per case, labelled by
// section, group, RFC clause and requirement level), runs them against the
// targets through one Engine each, and gathers the verdicts into one
// cases.Run per target. The CLI (single target or --config) and `go test
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
	"github.com/wsconform/wsconform/reporter"
)

// Description is the Ginkgo suite description.
const Description = "wsconform"

// Target is one server a run certifies, on its own engine: its own worker
// cap, serial lock and crash record. Targets of one run go at the same time.
type Target struct {
	Info      cases.TargetInfo
	Env       cases.Env
	Cases     []*cases.Case // the selection by id (the label filter narrows it)
	Parallel  int
	Selection cases.Selection // recorded in the run as given
	// OnResult is called as each of this target's cases finishes (progress).
	OnResult func(cases.Result)

	// execute replaces the engine's case runner (internal tests only).
	execute executeFunc
}

// Config is one run: which targets, selected how, gated how.
type Config struct {
	Targets     []Target
	LabelFilter string
	// Focus keeps the specs whose full text (target, section, case id and
	// title) matches one of these regular expressions, as -ginkgo.focus
	// does; the two add up.
	Focus  []string
	Strict bool
	// Gate decides which results fail their spec: the same gate the CLI's
	// exit code and terminal summary use. Nil: reporter.DefaultGate(Strict).
	Gate *reporter.Gate
	Tool string
	// Quiet silences Ginkgo's own console reporter (the CLI prints its own).
	Quiet bool
	// T receives Ginkgo's failures; under `go test` it is the *testing.T.
	T ginkgo.GinkgoTestingT
}

// registered is a target with its engine and its Describe text.
type registered struct {
	Target
	text string
	eng  *Engine
}

// register builds the spec tree: one Describe per target, in it one per
// section, in that one It per case; each spec awaits its case's result
// from the target's engine and maps the verdicts onto pass, skip or fail.
func register(cfg *Config, targets []*registered) {
	cfg.gate() // settled before any spec reads it
	for _, t := range targets {
		ginkgo.Describe(t.text, func() {
			var order []string
			bySection := map[string][]*cases.Case{}
			for _, c := range t.Cases {
				s := c.Section()
				if _, ok := bySection[s]; !ok {
					order = append(order, s)
				}
				bySection[s] = append(bySection[s], c)
			}
			wait := longestWait(t.Cases, t.Env.Scale)
			for _, s := range order {
				ginkgo.Describe(fmt.Sprintf("%s %s", s, cases.SectionTitle(s)), func() {
					for _, c := range bySection[s] {
						registerCase(cfg, t, c, wait)
					}
				})
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
func registerCase(cfg *Config, t *registered, c *cases.Case, wait time.Duration) {
	timeout := wait + c.Deadline(t.Env.Scale) + specGrace
	args := []any{ginkgo.Label(Labels(c)...), ginkgo.SpecTimeout(timeout), ginkgo.GracePeriod(2 * time.Second)}
	if c.SourceFile != "" {
		// Failures point at the section that defines the case, not here.
		args = append(args, types.CodeLocation{FileName: c.SourceFile, LineNumber: c.SourceLine})
	}
	if c.Serial {
		// Serial for Ginkgo only orders specs; the engine keeps serial
		// cases alone on their own target.
		args = append(args, ginkgo.Serial)
	}
	args = append(args, func(ctx ginkgo.SpecContext) {
		res := t.eng.Await(ctx, c)
		ginkgo.AddReportEntry("wsconform.verdict", res.Behavior, ginkgo.ReportEntryVisibilityNever)
		if !cfg.gate().Fails(res) {
			if res.Behavior == cases.Unimplemented {
				ginkgo.Skip("UNIMPLEMENTED: " + res.Reason)
			}
			return
		}
		ginkgo.Fail(FailureText(res, reproduceURL(t.Info), cfg.Strict))
	})
	ginkgo.It(SpecText(c), args...)
}

// specGrace is what a spec waits beyond its case's own deadline before
// Ginkgo calls the engine hung (a variable: internal tests shorten it).
var specGrace = 5 * time.Second

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

// Run registers every target's cases, runs them under Ginkgo, all targets
// at the same time, and returns one run per target, in cfg.Targets order.
// It may be called once per process (Ginkgo's rule).
func Run(cfg Config) []*cases.Run {
	targets := make([]*registered, len(cfg.Targets))
	texts := map[string]int{}
	for i, t := range cfg.Targets {
		if t.Env.Scale <= 0 {
			t.Env.Scale = 1
		}
		eng := NewEngine(t.Env, t.Parallel)
		if t.execute != nil {
			eng.execute = t.execute
		}
		eng.OnResult = t.OnResult
		defer eng.Close()
		targets[i] = &registered{Target: t, text: describeText(t.Info, texts), eng: eng}
	}
	register(&cfg, targets)

	gomega.RegisterFailHandler(ginkgo.Fail)
	sc, rc := ginkgo.GinkgoConfiguration()
	sc.LabelFilter = andFilters(sc.LabelFilter, cfg.LabelFilter)
	sc.FocusStrings = append(sc.FocusStrings, cfg.Focus...)
	sc.Timeout = 24 * time.Hour
	rc.NoColor = true
	if cfg.Quiet {
		restore := formatter.ColorableStdOut
		formatter.ColorableStdOut = io.Discard
		defer func() { formatter.ColorableStdOut = restore }()
	}
	selected := selectedSpecs(targets, sc, rc)
	if !sc.DryRun {
		for i, t := range targets {
			t.eng.Prefetch(selected[i])
		}
	}
	start := time.Now()
	var gt ginkgo.GinkgoTestingT = &failT{}
	if cfg.T != nil {
		gt = cfg.T
	}
	ginkgo.RunSpecs(gt, Description, sc, rc)
	runs := make([]*cases.Run, len(targets))
	for i, t := range targets {
		runs[i] = Collect(cfg.Tool, t.Target, t.eng, selected[i], start)
	}
	return runs
}

// describeText names a target's Describe: its agent (else its URL), made
// unique within the run so that each spec belongs to one target.
func describeText(info cases.TargetInfo, seen map[string]int) string {
	text := info.Agent
	if text == "" {
		text = info.URL
	}
	seen[text]++
	if n := seen[text]; n > 1 {
		text = fmt.Sprintf("%s #%d", text, n)
	}
	return text
}

// andFilters joins two Ginkgo label filters; either may be empty.
func andFilters(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return "(" + a + ") && (" + b + ")"
}

// selectedSpecs is, per target, the subset of its cases that Ginkgo will
// run under sc (label filter and focus applied), in run order.
func selectedSpecs(targets []*registered, sc types.SuiteConfig, rc types.ReporterConfig) [][]*cases.Case {
	index := map[string]int{}
	byText := make([]map[string]*cases.Case, len(targets))
	for i, t := range targets {
		index[t.text] = i
		byText[i] = map[string]*cases.Case{}
		for _, c := range t.Cases {
			byText[i][SpecText(c)] = c
		}
	}
	out := make([][]*cases.Case, len(targets))
	for _, sr := range ginkgo.PreviewSpecs(Description, sc, rc).SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt || sr.State != types.SpecStatePassed || len(sr.ContainerHierarchyTexts) == 0 {
			continue
		}
		i, ok := index[sr.ContainerHierarchyTexts[0]]
		if !ok {
			continue
		}
		if c, ok := byText[i][sr.LeafNodeText]; ok {
			out[i] = append(out[i], c)
		}
	}
	return out
}

// Collect builds a target's run from its engine's results; a selected case
// without a result is NOT RUN, never OK.
func Collect(tool string, t Target, eng *Engine, selected []*cases.Case, start time.Time) *cases.Run {
	run := &cases.Run{
		Schema: cases.SchemaVersion, Tool: tool, Catalogue: cases.CatalogueDigest(), Target: t.Info, Selection: t.Selection,
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
		r.Reproduce = Reproduce(c.ID, reproduceURL(t.Info))
		run.Results = append(run.Results, r)
	}
	attributeCrash(run.TargetDown, selected, run.Results)
	// Ginkgo shuffles sections; reports list cases in catalogue order.
	sort.Slice(run.Results, func(i, j int) bool { return cases.LessID(run.Results[i].ID, run.Results[j].ID) })
	return run
}
