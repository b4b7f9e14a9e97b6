package suite

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/engine"
)

// Ginkgo's RunSpecs runs once per process, so each multi-target run below
// happens in a child: this test binary again, running TestTargetsChild with
// the plan in an environment variable. The parent reads back the child's
// runs and Ginkgo's own JSON report of every spec.

const childPlanEnv = "WSCONFORM_TARGETS_CHILD"

type childTarget struct {
	Agent string   `json:"agent"`
	URL   string   `json:"url"`
	Cases []string `json:"cases"`
	Scale float64  `json:"scale"`
	// Hang names a case whose execution never returns (a hung engine).
	Hang string `json:"hang,omitempty"`
}

type childPlan struct {
	Targets []childTarget `json:"targets"`
	Focus   []string      `json:"focus,omitempty"`
	Grace   time.Duration `json:"grace,omitempty"`
	Out     string        `json:"out"`
}

// TestTargetsChild is the child's side; it does nothing in a normal run.
func TestTargetsChild(t *testing.T) {
	raw := os.Getenv(childPlanEnv)
	if raw == "" {
		t.Skip("run by the multi-target tests in a child process")
	}
	var plan childPlan
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		t.Fatal(err)
	}
	if plan.Grace > 0 {
		specGrace = plan.Grace
	}
	var targets []Target
	for _, ct := range plan.Targets {
		pt, err := probe.ParseTarget(ct.URL)
		if err != nil {
			t.Fatal(err)
		}
		sel, err := cases.Select(ct.Cases, nil)
		if err != nil {
			t.Fatal(err)
		}
		tgt := Target{Info: cases.TargetInfo{URL: ct.URL, Agent: ct.Agent}, Cases: sel, Parallel: 8,
			Env: probe.Env{Target: pt, Timeouts: probe.DefaultTimeouts(), Scale: ct.Scale}}
		if ct.Hang != "" {
			hang := ct.Hang
			tgt.execute = func(ctx context.Context, c *cases.Case, env probe.Env) cases.Result {
				if c.ID == hang {
					select {} // a hung engine: only the spec timeout ends the wait
				}
				return probe.Run(ctx, c, env)
			}
		}
		targets = append(targets, tgt)
	}
	runs := Run(Config{Targets: targets, Focus: plan.Focus, T: t, Quiet: true, Tool: "wsconform test"})
	b, err := json.Marshal(runs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plan.Out, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// loadScale stretches case timers for targets that share the CPU with the
// probe and with the other test packages of `make test`; passing cases end
// on their echo and do not wait for it.
const loadScale = 2

// specState is what Ginkgo's JSON report says of one spec.
type specState struct {
	target, id string
	state      types.SpecState
}

// runChild runs plan in a child process and returns its runs, every spec's
// state from Ginkgo's report, and whether the child's test failed.
func runChild(t *testing.T, plan childPlan) (runs []*cases.Run, specs []specState, failed bool) {
	t.Helper()
	dir := t.TempDir()
	plan.Out = filepath.Join(dir, "runs.json")
	raw, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "ginkgo.json")
	cmd := exec.Command(os.Args[0], "-test.run=^TestTargetsChild$", "-test.timeout=3m", "-ginkgo.json-report="+report)
	cmd.Env = append(os.Environ(), childPlanEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		failed = true
	case err != nil:
		t.Fatalf("child: %v\n%s", err, out)
	}
	b, err := os.ReadFile(plan.Out)
	if err != nil {
		t.Fatalf("the child wrote no runs (%v):\n%s", err, out)
	}
	if err := json.Unmarshal(b, &runs); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(report)
	if err != nil {
		t.Fatalf("no Ginkgo report: %v\n%s", err, out)
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		t.Fatal(err)
	}
	for _, r := range reports {
		for _, sr := range r.SpecReports {
			if sr.LeafNodeType != types.NodeTypeIt {
				continue
			}
			c, ok := cases.Lookup(idOf(sr.LeafNodeText))
			if !ok {
				t.Fatalf("spec %q names no case", sr.LeafNodeText)
			}
			specs = append(specs, specState{target: sr.ContainerHierarchyTexts[0], id: c.ID, state: sr.State})
		}
	}
	return runs, specs, failed
}

func idOf(specText string) string {
	for i, r := range specText {
		if r == ' ' {
			return specText[:i]
		}
	}
	return specText
}

// engineVerdicts is what the engine alone, with no Ginkgo, says of url.
func engineVerdicts(t *testing.T, url string, sel []*cases.Case) map[string]cases.Result {
	pt, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(probe.Env{Target: pt, Timeouts: probe.DefaultTimeouts(), Scale: loadScale}, 8)
	defer eng.Close()
	eng.Prefetch(sel)
	out := map[string]cases.Result{}
	for _, c := range sel {
		out[c.ID] = eng.Await(t.Context(), c)
	}
	return out
}

func startServer(t *testing.T, cfg server.Config) string {
	srv, url, err := server.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

func ids(sel []*cases.Case) []string {
	var out []string
	for _, c := range sel {
		out = append(out, c.ID)
	}
	return out
}

// gateFailures lists, per target agent, the ids a run's gate fails.
func gateFailures(runs []*cases.Run) map[string][]string {
	g := reporter.DefaultGate(false)
	out := map[string][]string{}
	for _, run := range runs {
		out[run.Target.Agent], _ = g.Failing(run)
	}
	return out
}

// specFailures lists, per Describe (target), the specs Ginkgo failed.
func specFailures(specs []specState) map[string][]string {
	out := map[string][]string{}
	for _, s := range specs {
		if s.state.Is(types.SpecStateFailureStates) {
			out[s.target] = append(out[s.target], s.id)
		}
	}
	for _, v := range out {
		slices.SortFunc(v, func(a, b string) int {
			if cases.LessID(a, b) {
				return -1
			}
			return 1
		})
	}
	return out
}

// Two real targets in one run, the reference server and one that ignores
// RSV bits: each gets its own verdicts (the same the engine alone gives
// it), Ginkgo fails the specs of the broken one's bug and nothing else, and
// focus narrows both.
func TestRunTwoTargets(t *testing.T) {
	reference := startServer(t, server.Config{})
	broken := startServer(t, server.Config{Faults: server.Faults{AcceptRSV: true}})
	globs := []string{"1.1.[1-4]", "2.[1-4]", "3.[1-3]"}
	sel, err := cases.Select(globs, nil)
	if err != nil {
		t.Fatal(err)
	}
	direct := engineVerdicts(t, broken, sel)
	var wantBroken []string
	for _, c := range sel {
		if reporter.DefaultGate(false).Fails(direct[c.ID]) {
			wantBroken = append(wantBroken, c.ID)
		}
	}
	if len(wantBroken) == 0 {
		t.Fatal("the engine alone fails no case of the RSV-blind server: the test proves nothing")
	}
	only := func(globs ...string) []*cases.Case {
		sel, err := cases.Select(globs, nil)
		if err != nil {
			t.Fatal(err)
		}
		return sel
	}

	for _, tc := range []struct {
		name  string
		focus []string
		want  map[string][]*cases.Case // per target, selected after focus
	}{
		{"no focus", nil, map[string][]*cases.Case{"reference": sel, "rsv-blind": sel}},
		// Focus matches "wsconform <target> <section> <id> <title>"; a
		// title may name another case ("As 3.2 with ..."), so the id is
		// anchored by the capital that starts every title.
		{"focus", []string{`reference .* 2\.1 [A-Z]`, `rsv-blind .* 3\.[12] [A-Z]`},
			map[string][]*cases.Case{"reference": only("2.1"), "rsv-blind": only("3.1", "3.2")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			runs, specs, failed := runChild(t, childPlan{Targets: []childTarget{
				{Agent: "reference", URL: reference, Cases: globs, Scale: loadScale},
				{Agent: "rsv-blind", URL: broken, Cases: globs, Scale: loadScale},
			}, Focus: tc.focus})
			if len(runs) != 2 || runs[0].Target.Agent != "reference" || runs[1].Target.Agent != "rsv-blind" {
				t.Fatalf("want one run per target in order, got %d", len(runs))
			}
			want := map[string][]string{"rsv-blind": nil}
			for _, run := range runs {
				if got, want := resultIDs(run), ids(tc.want[run.Target.Agent]); !slices.Equal(got, want) {
					t.Errorf("%s: results for %v, want %v", run.Target.Agent, got, want)
				}
				if run.Target.Agent == "rsv-blind" {
					for _, r := range run.Results {
						if d := direct[r.ID]; d.Behavior != r.Behavior || d.BehaviorClose != r.BehaviorClose {
							t.Errorf("rsv-blind %s: %s/%s through suite.Run, %s/%s from the engine alone", r.ID, r.Behavior, r.BehaviorClose, d.Behavior, d.BehaviorClose)
						}
					}
				}
			}
			for _, id := range wantBroken {
				if slices.Contains(ids(tc.want["rsv-blind"]), id) {
					want["rsv-blind"] = append(want["rsv-blind"], id)
				}
			}
			gated := gateFailures(runs)
			if len(gated["reference"]) > 0 || !slices.Equal(gated["rsv-blind"], want["rsv-blind"]) {
				t.Errorf("gate fails %v, want %v", gated, want)
			}
			byGinkgo := specFailures(specs)
			if len(byGinkgo["reference"]) > 0 || !slices.Equal(byGinkgo["rsv-blind"], want["rsv-blind"]) {
				t.Errorf("Ginkgo failed %v, want %v", byGinkgo, want)
			}
			if failed != (len(want["rsv-blind"]) > 0) {
				t.Errorf("child test failed: %v, want %v", failed, len(want["rsv-blind"]) > 0)
			}
		})
	}
}

// A hung engine on one target times out that case's spec alone: the spec
// fails, the case is NOT RUN saying we stopped waiting (the run is not
// "interrupted"), the rest of that target and the other target get
// verdicts.
func TestRunSpecTimeoutPerTarget(t *testing.T) {
	reference := startServer(t, server.Config{})
	globs := []string{"1.1.*"}
	runs, specs, failed := runChild(t, childPlan{Targets: []childTarget{
		{Agent: "reference", URL: reference, Cases: globs, Scale: loadScale},
		// A short scale keeps this target's spec time limits short.
		{Agent: "hung", URL: reference, Cases: globs, Scale: 0.2, Hang: "1.1.3"},
	}, Grace: 300 * time.Millisecond})
	if !failed {
		t.Error("the child passed although a spec timed out")
	}
	for _, s := range specs {
		hung := s.target == "hung" && s.id == "1.1.3"
		if hung != s.state.Is(types.SpecStateFailureStates) || !hung && s.state != types.SpecStatePassed {
			t.Errorf("%s %s: spec %s", s.target, s.id, s.state)
		}
	}
	for _, run := range runs {
		if run.Interrupted {
			t.Errorf("%s: the run says it was interrupted", run.Target.Agent)
		}
		for _, r := range run.Results {
			hung := run.Target.Agent == "hung" && r.ID == "1.1.3"
			if hung != (r.Behavior == cases.NotRun) || !hung && !r.Passes(false) ||
				hung && !strings.Contains(r.Reason, "we stopped waiting for it") {
				t.Errorf("%s %s: %s/%s %s", run.Target.Agent, r.ID, r.Behavior, r.BehaviorClose, r.Reason)
			}
		}
	}
}

func resultIDs(run *cases.Run) []string {
	var out []string
	for _, r := range run.Results {
		out = append(out, r.ID)
	}
	return out
}
