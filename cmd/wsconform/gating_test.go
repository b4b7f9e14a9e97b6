package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
)

// brokenFaults make the reference server accept reserved bits, reserved
// opcodes and bad close codes: sections 3, 4 and 7 catch them.
var brokenFaults = server.Faults{AcceptRSV: true, AcceptReservedOpcodes: true, SkipCloseCodeValidation: true}

// gatingCases are quick cases that tell the good server from the broken one.
const gatingCases = "1.1.*,3.*,4.*,7.3.*,7.9.*"

func failingIDs(run *cases.Run) []string {
	ids, _ := reporter.DefaultGate(false).Failing(run)
	return ids
}

// idLine finds "<label>: id id id" in out and returns the ids.
func idLine(t *testing.T, out, label string) []string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `(?: \(\d+\))?:? ?(.*)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output has no %q line:\n%s", label, out)
	}
	return strings.Fields(m[1])
}

func TestBaselineGatesOnlyRegressions(t *testing.T) {
	good := startServer(t, server.Config{})
	broken := startServer(t, server.Config{Faults: brokenFaults})
	goodOut, brokenOut := t.TempDir(), t.TempDir()

	r := wsconform(t, "run", good, "--cases", gatingCases, "--agent", "srv", "--out", goodOut)
	if r.code != 0 {
		t.Fatalf("good server: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// Against the good server as baseline, the broken one regresses.
	r = wsconform(t, "run", broken, "--cases", gatingCases, "--agent", "srv", "--out", brokenOut,
		"--baseline", filepath.Join(goodOut, reporter.JSONFile))
	if r.code != 1 {
		t.Fatalf("broken server against a good baseline: exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	brokenRun := readRun(t, brokenOut)
	want := failingIDs(brokenRun)
	if len(want) == 0 {
		t.Fatal("the broken server fails no case: the faults changed?")
	}
	if got := idLine(t, r.stdout, "REGRESSED"); !slices.Equal(got, want) {
		t.Errorf("REGRESSED names %v, want the failing cases %v", got, want)
	}

	// The reverse: the good server against the broken baseline improves.
	r = wsconform(t, "run", good, "--cases", gatingCases, "--agent", "srv", "--out", "",
		"--baseline", filepath.Join(brokenOut, reporter.JSONFile))
	if r.code != 0 {
		t.Fatalf("good server against a broken baseline: exit %d, want 0\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got := idLine(t, r.stdout, "improved"); !slices.Equal(got, want) {
		t.Errorf("improved names %v, want %v", got, want)
	}

	// A known failure is not a regression: broken against its own baseline passes.
	r = wsconform(t, "run", broken, "--cases", gatingCases, "--agent", "srv", "--out", "",
		"--baseline", filepath.Join(brokenOut, reporter.JSONFile))
	if r.code != 0 {
		t.Errorf("broken server against its own baseline: exit %d, want 0\n%s", r.code, r.stdout)
	}

	// diff says the same about the two files.
	r = wsconform(t, "diff", filepath.Join(goodOut, reporter.JSONFile), filepath.Join(brokenOut, reporter.JSONFile))
	if r.code != 1 || !slices.Equal(idLine(t, r.stdout, "regressed"), want) {
		t.Errorf("diff: exit %d, want 1 naming %v\n%s%s", r.code, want, r.stdout, r.stderr)
	}

	// --fail-on chooses the gate: with nothing but UNIMPLEMENTED gating, the broken server passes.
	r = wsconform(t, "run", broken, "--cases", gatingCases, "--out", "", "--fail-on", "UNIMPLEMENTED,close:none")
	if r.code != 0 {
		t.Errorf("--fail-on UNIMPLEMENTED,close:none: exit %d, want 0\n%s", r.code, r.stdout)
	}
	r = wsconform(t, "run", broken, "--cases", gatingCases, "--out", "", "--fail-on", "PASSED")
	if r.code != 2 || !strings.Contains(r.stderr, "unknown verdict") {
		t.Errorf("--fail-on PASSED: exit %d, want 2 with a reason\n%s", r.code, r.stderr)
	}

	// report merges both files into one matrix; same agent twice gets the file name added.
	merged := t.TempDir()
	r = wsconform(t, "report", filepath.Join(goodOut, reporter.JSONFile), filepath.Join(brokenOut, reporter.JSONFile), "--out", merged)
	if r.code != 0 {
		t.Fatalf("report: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	junit, _ := os.ReadFile(filepath.Join(merged, reporter.JUnitFile))
	html, _ := os.ReadFile(filepath.Join(merged, reporter.HTMLFile))
	if n := strings.Count(string(junit), "<testsuite "); n != 2 {
		t.Errorf("merged junit.xml has %d testsuites, want 2", n)
	}
	if n := strings.Count(string(html), `<tr class="target"`); n != 2 {
		t.Errorf("merged index.html has %d targets, want 2", n)
	}
	if n := strings.Count(string(junit), "<failure "); n != len(want) {
		t.Errorf("merged junit.xml has %d failures, want %d (the broken run's)", n, len(want))
	}

	// The files CI reads are there.
	for _, name := range []string{reporter.HTMLFile, reporter.JUnitFile, "autobahn/index.json", "autobahn/srv_case_3_1.json"} {
		if _, err := os.Stat(filepath.Join(brokenOut, name)); err != nil {
			t.Errorf("missing %s: %v", name, err)
		}
	}
}

func TestConfigRunsAutobahnFuzzingclientJSON(t *testing.T) {
	good := startServer(t, server.Config{})
	broken := startServer(t, server.Config{Faults: brokenFaults})
	out := t.TempDir()
	config := filepath.Join(t.TempDir(), "fuzzingclient.json")
	os.WriteFile(config, []byte(`{
  "outdir": "`+out+`",
  "options": {"failByDrop": false},
  "servers": [{"agent": "Good/1.0", "url": "`+good+`", "options": {"version": 18}},
              {"agent": "Broken/1.0", "url": "`+broken+`"}],
  "cases": ["1.1.*", "3.*", "4.*"],
  "exclude-cases": ["1.1.8"],
  "exclude-agent-cases": {"Broken/*": ["4.*"]}
}`), 0o644)
	r := wsconform(t, "run", "--config", config)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (one target is broken)\n%s%s", r.code, r.stdout, r.stderr)
	}
	counts := map[string]int{}
	for _, name := range []string{"wsconform-good_1_0.json", "wsconform-broken_1_0.json"} {
		run, err := reporter.ReadJSON(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		counts[run.Target.Agent] = len(run.Results)
		for _, res := range run.Results {
			if res.ID == "1.1.8" {
				t.Errorf("%s ran excluded case 1.1.8", name)
			}
		}
	}
	// 1.1.1-1.1.7, 3.1-3.7, 4.1.1-4.1.5 and 4.2.1-4.2.5; Broken has no 4.*.
	if counts["Good/1.0"] != 24 || counts["Broken/1.0"] != 14 {
		t.Errorf("cases per target %v, want Good/1.0 24 and Broken/1.0 14", counts)
	}
	if !strings.Contains(r.stdout, "[Broken/1.0]") || strings.Contains(r.stdout, "[Good/1.0]") {
		t.Errorf("the gate lines should name Broken/1.0 only:\n%s", r.stdout)
	}
	// Autobahn's form: index.json where Autobahn writes it, outdir itself.
	var index map[string]map[string]map[string]any
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatalf("no index.json in outdir (where Autobahn writes it): %v", err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if len(index["Good/1.0"]) != 24 || len(index["Broken/1.0"]) != 14 {
		t.Errorf("index.json has %d and %d cases, want 24 and 14", len(index["Good/1.0"]), len(index["Broken/1.0"]))
	}
	if _, err := os.Stat(filepath.Join(out, "good_1_0_case_1_1_1.json")); err != nil {
		t.Errorf("per-case file beside index.json: %v", err)
	}
}
