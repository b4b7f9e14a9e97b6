package main_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
)

func TestFuzzFindsAndReplays(t *testing.T) {
	strict := startServer(t, server.Config{})
	r := wsconform(t, "fuzz", strict, "--execs", "100", "--parallel", "2", "--cases", "1.*,5.*,7.1.*", "--out", "")
	if r.code != 0 {
		t.Fatalf("fuzzing the strict reference server: exit %d, want 0 (no findings)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "distinct answers") {
		t.Errorf("no summary line:\n%s", r.stdout)
	}

	// A server that echoes text without validating UTF-8 sends invalid
	// text back: a finding the fuzzer must make and be able to replay.
	// With several connections the order of sessions is not fixed by the
	// seed, and 300 sessions missed it once: the budget is ten times that,
	// and --max-findings 1 ends the run at the finding.
	sloppy := startServer(t, server.Config{Faults: server.Faults{SkipUTF8Validation: true}})
	out := t.TempDir()
	r = wsconform(t, "fuzz", sloppy, "--execs", "3000", "--seed", "7", "--cases", "1.*,6.1.*", "--max-findings", "1", "--out", out)
	if r.code != 1 || !strings.Contains(r.stdout, frame.RuleTextInvalidUTF8) {
		t.Fatalf("fuzzing a server without UTF-8 validation: exit %d, want 1 naming %s\n%s\n%s", r.code, frame.RuleTextInvalidUTF8, r.stdout, r.stderr)
	}
	var report reporter.FuzzRun
	b, err := os.ReadFile(filepath.Join(out, reporter.FuzzJSONFile))
	if err != nil || json.Unmarshal(b, &report) != nil || len(report.Findings) == 0 || report.Findings[0].Replay == "" {
		t.Fatalf("findings report: %v\n%s", err, b)
	}
	if _, err := os.Stat(filepath.Join(out, reporter.FuzzHTMLFile)); err != nil {
		t.Fatal(err)
	}
	repro := filepath.Join(out, "violation-"+frame.RuleTextInvalidUTF8+".json")
	if r := wsconform(t, "fuzz", sloppy, "--replay", repro); r.code != 1 {
		t.Errorf("replay against the sloppy server: exit %d, want 1 (reproduced)\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wsconform(t, "fuzz", strict, "--replay", repro); r.code != 0 {
		t.Errorf("replay against the strict server: exit %d, want 0 (gone)\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := wsconform(t, "fuzz", strict, "--replay", filepath.Join(out, "missing.json")); r.code != 2 {
		t.Errorf("replay of a missing file: exit %d, want 2", r.code)
	}
}

func TestFuzzBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"--execs", "-1"},
		{"--parallel", "-2"},
		{"--deadline", "0s"},
		{"--cases", "99.*"},
		{"not-a-url"},
	} {
		r := wsconform(t, append([]string{"fuzz", "--out", ""}, args...)...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") > 1 {
			t.Errorf("fuzz %v: exit %d, want 2 with one line\n%s", args, r.code, r.stderr)
		}
	}
}
