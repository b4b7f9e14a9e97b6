package reporter_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reporter"
)

// floodedRun is what a target flooding every case leaves: 574 results,
// each with a full wire log and event list and a long reason.
func floodedRun() *cases.Run {
	run := &cases.Run{Schema: cases.SchemaVersion, Tool: "wsconform test", Target: cases.TargetInfo{URL: "ws://127.0.0.1:9001/", Agent: "flood"}, Started: t0}
	for i := range 574 {
		r := cases.Result{ID: fmt.Sprintf("1.%d", i+1), Title: "flooded", Behavior: cases.Failed, BehaviorClose: cases.CloseFailed,
			Reason: strings.Repeat("the events received differ; ", 1000), CloseReason: "we had to drop TCP", Started: t0, FailFastOffset: -1}
		for j := range observed.LogHead + observed.LogTail + 1 {
			r.WireLog = append(r.WireLog, observed.Entry{At: time.Duration(j) * time.Millisecond, Dir: observed.Received, Octets: 65536,
				Hex: strings.Repeat("89", 64) + "…"})
		}
		for j := range cases.ObservedHead + cases.ObservedTail + 1 {
			r.Observed = append(r.Observed, fmt.Sprintf(`ping (125 octets) "%s"…%d`, strings.Repeat("p", 64), j))
		}
		run.Results = append(run.Results, r)
	}
	return run
}

// TestReportsOfAFloodStaySmall: every file written for a run whose every
// case was flooded stays under 10 MB, and says where it was cut.
func TestReportsOfAFloodStaySmall(t *testing.T) {
	dir := t.TempDir()
	if err := reporter.Write(dir, reporter.DefaultGate(false), floodedRun()); err != nil {
		t.Fatal(err)
	}
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, _ := d.Info()
		if info.Size() > 10<<20 {
			t.Errorf("%s: %.1f MB, want under 10 MB", filepath.Base(path), float64(info.Size())/(1<<20))
		}
		return nil
	})
	run, err := reporter.ReadJSON(filepath.Join(dir, reporter.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range run.Results {
		if !strings.Contains(r.Reason, "truncated") || len(r.Reason) > reporter.MaxText+100 {
			t.Fatalf("%s: reason of %d octets, want it cut with a note", r.ID, len(r.Reason))
		}
		if !slices.ContainsFunc(r.WireLog, func(e observed.Entry) bool { return e.Omitted > 0 && strings.Contains(e.Text, "truncated") }) {
			t.Fatalf("%s: no truncation note in the wire log", r.ID)
		}
		if !slices.ContainsFunc(r.Observed, func(s string) bool { return strings.Contains(s, "truncated") }) {
			t.Fatalf("%s: no truncation note in the events", r.ID)
		}
	}
}

// TestSmallRunsAreWrittenWhole: a run within the budget loses nothing.
func TestSmallRunsAreWrittenWhole(t *testing.T) {
	dir := t.TempDir()
	want := fixtureRun("Fixture Server/1.0")
	if err := reporter.Write(dir, reporter.DefaultGate(false), want); err != nil {
		t.Fatal(err)
	}
	got, err := reporter.ReadJSON(filepath.Join(dir, reporter.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range got.Results {
		if len(r.WireLog) != len(want.Results[i].WireLog) || len(r.Observed) != len(want.Results[i].Observed) || r.Reason != want.Results[i].Reason {
			t.Errorf("%s changed on the way to the report", r.ID)
		}
	}
}

// TestAFailedFileDoesNotStopTheOthers: when one report cannot be written,
// the others still are, and the error names the one that failed.
func TestAFailedFileDoesNotStopTheOthers(t *testing.T) {
	dir := t.TempDir()
	// A directory where the HTML report should go makes its rename fail.
	if err := os.MkdirAll(filepath.Join(dir, reporter.HTMLFile, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := reporter.Write(dir, reporter.DefaultGate(false), fixtureRun("Fixture Server/1.0"))
	if err == nil || !strings.Contains(err.Error(), reporter.HTMLFile) {
		t.Errorf("error %v, want one naming %s", err, reporter.HTMLFile)
	}
	for _, name := range []string{reporter.JSONFile, reporter.JUnitFile, filepath.Join("autobahn", "index.json")} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s not written: %v", name, err)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
}
