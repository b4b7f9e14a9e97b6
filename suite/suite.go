// Package suite is the Ginkgo layer: it turns the catalogue into specs (one
// Describe per target, then one per section, one It per case, labelled by
// section, group, RFC clause and requirement level), runs them against the
// targets through one engine.Engine each, and gathers the verdicts into one
// cases.Run per target. The CLI (single target or --config) and `go test
// ./suite` drive the same registration.
package suite

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/engine"
)

// Description is the Ginkgo suite description.
const Description = "wsconform"

// Target is one server a run certifies, on its own engine: its own worker
// cap, serial lock and crash record. Targets of one run go at the same time.
type Target struct {
	Info      cases.TargetInfo
	Env       probe.Env
	Cases     []*cases.Case // the selection by id (the label filter narrows it)
	Parallel  int
	Selection cases.Selection // recorded in the run as given
	// OnResult is called as each of this target's cases finishes (progress).
	OnResult func(cases.Result)

	// execute replaces the engine's case runner (internal tests only).
	execute func(context.Context, *cases.Case, probe.Env) cases.Result
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
	eng  *engine.Engine
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
			wait := engine.LongestWait(t.Cases, t.Env.Scale)
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

// registerCase adds c's spec. Its time limit only guards against a hung
// engine: the case may first wait up to wait for the cases in flight (a
// serial case for all of them), and a spec that gave up while its case
// was merely queued would turn a verdict into NOT RUN. A spec that reaches
// the limit fails and leaves its case NOT RUN saying so; Ginkgo's own
// SpecTimeout, later, is only a backstop.
func registerCase(cfg *Config, t *registered, c *cases.Case, wait time.Duration) {
	limit := wait + c.Deadline(t.Env.Scale) + specGrace
	args := []any{ginkgo.Label(engine.Labels(c)...), ginkgo.SpecTimeout(limit + 5*time.Second), ginkgo.GracePeriod(2 * time.Second)}
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
		limited, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		res := t.eng.Await(limited, c)
		if ctx.Err() == nil && limited.Err() != nil {
			why := fmt.Sprintf("not run: the case had no result after %v (its deadline, the wait for the cases before it and %v); we stopped waiting for it", limit.Round(time.Millisecond), specGrace)
			t.eng.Abandon(c, why)
			ginkgo.Fail(fmt.Sprintf("[%s] %s", c.ID, why))
		}
		ginkgo.AddReportEntry("wsconform.verdict", res.Behavior, ginkgo.ReportEntryVisibilityNever)
		if !cfg.gate().Fails(res) {
			if res.Behavior == cases.Unimplemented {
				ginkgo.Skip("UNIMPLEMENTED: " + res.Reason)
			}
			return
		}
		ginkgo.Fail(engine.FailureText(res, engine.Reproduce(c.ID, engine.ReproduceURL(t.Info)), cfg.Strict))
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
		eng := engine.New(t.Env, t.Parallel)
		if t.execute != nil {
			eng.Execute = t.execute
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
		runs[i] = engine.Collect(t.eng, selected[i], cases.Run{Tool: cfg.Tool, Target: t.Info, Selection: t.Selection, Started: start})
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
