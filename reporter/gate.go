package reporter

import (
	"fmt"
	"sort"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// Gate says which verdicts fail a CI run. The zero Gate fails nothing;
// DefaultGate is what `wsconform run` uses without --fail-on.
type Gate struct {
	Main  map[cases.Verdict]bool
	Close map[cases.CloseVerdict]bool
}

var closeVerdicts = []cases.CloseVerdict{
	cases.CloseOK, cases.CloseFailed, cases.CloseWrongCode, cases.CloseUnclean,
	cases.CloseFailedByProbe, cases.CloseInformational, cases.CloseNotRun,
}

// DefaultGate fails exactly the results that cases.Result.Passes rejects.
func DefaultGate(strict bool) Gate {
	g := Gate{Main: map[cases.Verdict]bool{}, Close: map[cases.CloseVerdict]bool{}}
	for _, v := range cases.Verdicts {
		g.Main[v] = !v.Passes(strict)
	}
	for _, v := range closeVerdicts {
		g.Close[v] = !v.Passes(strict)
	}
	return g
}

// ParseGate reads --fail-on: a list of main verdicts ("FAILED", "NOT RUN",
// "NON-STRICT", ...) and close verdicts prefixed "close:" ("close:WRONG
// CODE"). Spelling is forgiving: case, '-', '_' and ' ' do not matter. The
// main verdicts listed replace the default set; if no close verdict is
// listed the close side keeps DefaultGate(strict)'s; "close:none" gates no
// close verdict. An empty list is DefaultGate(strict).
func ParseGate(list []string, strict bool) (Gate, error) {
	g := DefaultGate(strict)
	if len(list) == 0 {
		return g, nil
	}
	main := map[cases.Verdict]bool{}
	var closeSet map[cases.CloseVerdict]bool
	for _, item := range list {
		item = strings.TrimSpace(item)
		if rest, ok := cutPrefixFold(item, "close:"); ok {
			if closeSet == nil {
				closeSet = map[cases.CloseVerdict]bool{}
			}
			if normVerdict(rest) == "none" {
				continue
			}
			v, ok := lookupClose(rest)
			if !ok {
				return Gate{}, fmt.Errorf("unknown close verdict %q in --fail-on (one of %s)", rest, closeNames())
			}
			closeSet[v] = true
			continue
		}
		v, ok := lookupMain(item)
		if !ok {
			return Gate{}, fmt.Errorf("unknown verdict %q in --fail-on (one of %s, or close:<close verdict>)", item, mainNames())
		}
		main[v] = true
	}
	g.Main = main
	if closeSet != nil {
		g.Close = closeSet
	}
	return g, nil
}

// Fails reports whether r fails the gate.
func (g Gate) Fails(r cases.Result) bool {
	return g.Main[r.Behavior] || g.Close[r.BehaviorClose]
}

// Why names the verdicts of r that the gate rejects, e.g. "FAILED" or
// "close WRONG CODE"; "" when r passes.
func (g Gate) Why(r cases.Result) string {
	var parts []string
	if g.Main[r.Behavior] {
		parts = append(parts, string(r.Behavior))
	}
	if g.Close[r.BehaviorClose] {
		parts = append(parts, "close "+string(r.BehaviorClose))
	}
	return strings.Join(parts, ", ")
}

// String lists the gating verdicts, for messages.
func (g Gate) String() string {
	var parts []string
	for _, v := range cases.Verdicts {
		if g.Main[v] {
			parts = append(parts, string(v))
		}
	}
	for _, v := range closeVerdicts {
		if g.Close[v] {
			parts = append(parts, "close:"+string(v))
		}
	}
	return strings.Join(parts, ",")
}

// Failing lists the ids of run's results that fail the gate. A run whose
// target went down, or with no results, fails as a whole: the second
// return value says so.
func (g Gate) Failing(run *cases.Run) (ids []string, runFailed bool) {
	for _, r := range run.Results {
		if g.Fails(r) {
			ids = append(ids, r.ID)
		}
	}
	return ids, run.TargetDown != nil || len(run.Results) == 0
}

func normVerdict(s string) string {
	return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(strings.TrimSpace(s)))
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

func lookupMain(s string) (cases.Verdict, bool) {
	for _, v := range cases.Verdicts {
		if normVerdict(string(v)) == normVerdict(s) {
			return v, true
		}
	}
	return "", false
}

func lookupClose(s string) (cases.CloseVerdict, bool) {
	for _, v := range closeVerdicts {
		if normVerdict(string(v)) == normVerdict(s) {
			return v, true
		}
	}
	return "", false
}

func mainNames() string {
	var s []string
	for _, v := range cases.Verdicts {
		s = append(s, string(v))
	}
	return strings.Join(s, ", ")
}

func closeNames() string {
	var s []string
	for _, v := range closeVerdicts {
		s = append(s, string(v))
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}
