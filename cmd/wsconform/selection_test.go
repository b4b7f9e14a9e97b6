package main_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
)

// ginkgoFailures are the case ids of the specs Ginkgo reports as failed
// in its --verbose summary ("[FAIL] ... [It] <id> <title>").
func ginkgoFailures(out string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^\s*\[FAIL\] .*\[It\] (\S+)`).FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return sortedSet(ids)
}

// crossedIDs are the ids the terminal summary marks ✗ (fails the gate).
func crossedIDs(out string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`(?m)^✗ (\S+)`).FindAllStringSubmatch(out, -1) {
		ids = append(ids, m[1])
	}
	return sortedSet(ids)
}

func sortedSet(ids []string) []string {
	sort.Strings(ids)
	return slices.Compact(ids)
}

// One selection, one set of results, one gate: the exit code, the
// terminal's ✗ marks and "fail the gate" line, and (single-target runs)
// Ginkgo's failed specs agree, for a plain target URL and for --config
// naming the same target, with and without --strict and --fail-on.
func TestOneGateForExitTerminalAndGinkgo(t *testing.T) {
	// 6.4.x turn NON-STRICT (UTF-8 checked only at message end) and 7.9.x
	// FAILED (any close code accepted): each mode below gates a different set.
	target := startServer(t, server.Config{Faults: server.Faults{NoFailFastUTF8: true, SkipCloseCodeValidation: true}})
	const selection, labels = "6.4.*,7.9.*", "section:6 || section:7"
	modes := []struct {
		name   string
		flags  []string
		gate   []string // --fail-on
		strict bool
	}{
		{name: "default"},
		{name: "strict", flags: []string{"--strict"}, strict: true},
		{name: "fail-on NON-STRICT only", flags: []string{"--fail-on", "NON-STRICT,close:none"}, gate: []string{"NON-STRICT", "close:none"}},
		{name: "fail-on nothing present", flags: []string{"--fail-on", "UNIMPLEMENTED,close:none"}, gate: []string{"UNIMPLEMENTED", "close:none"}},
	}
	seen := map[string]bool{}
	for _, m := range modes {
		for _, multi := range []bool{false, true} {
			name := m.name + "/single"
			if multi {
				name = m.name + "/config"
			}
			t.Run(name, func(t *testing.T) {
				out := t.TempDir()
				args := []string{"run", "--out", out, "--label-filter", labels, "--progress", "none"}
				if multi {
					cfg := filepath.Join(t.TempDir(), "targets.json")
					body := `{"cases": ["6.4.*", "7.9.*"], "targets": [{"agent": "faulty", "url": "` + target + `"}]}`
					if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
					args = append(args, "--config", cfg)
				} else {
					args = append(args, target, "--agent", "faulty", "--cases", selection, "--verbose")
				}
				r := wsconform(t, append(args, m.flags...)...)
				if r.code != 0 && r.code != 1 {
					t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
				}
				g, err := reporter.ParseGate(m.gate, m.strict)
				if err != nil {
					t.Fatal(err)
				}
				want, _ := g.Failing(readRun(t, out))
				want = sortedSet(want)
				seen[strings.Join(want, " ")] = true
				if wantCode := map[bool]int{true: 1, false: 0}[len(want) > 0]; r.code != wantCode {
					t.Errorf("exit %d, want %d (gate fails %v)\n%s", r.code, wantCode, want, r.stdout)
				}
				if got := crossedIDs(r.stdout); !slices.Equal(got, want) {
					t.Errorf("terminal marks %v as failing, the gate fails %v\n%s", got, want, r.stdout)
				}
				if len(want) > 0 {
					if got := sortedSet(idLine(t, r.stdout, gateLinePrefix(r.stdout))); !slices.Equal(got, want) {
						t.Errorf("the gate line names %v, want %v", got, want)
					}
				}
				if !multi {
					if got := ginkgoFailures(r.stdout); !slices.Equal(got, want) {
						t.Errorf("Ginkgo failed the specs %v, the gate fails %v\n%s", got, want, r.stdout)
					}
				}
			})
		}
	}
	if len(seen) < 3 {
		t.Errorf("the modes gate only %d distinct sets of cases (%v): the faults no longer tell them apart", len(seen), seen)
	}
}

// gateLinePrefix is the label of the "N cases fail the gate (...)" line.
func gateLinePrefix(out string) string {
	m := regexp.MustCompile(`(?m)^(\d+ cases fail the gate \([^)]*\))`).FindStringSubmatch(out)
	if m == nil {
		return "no gate line"
	}
	return m[1]
}
