package suite_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// The main job's cost, against the embedded reference server in this
// process (so a -cpuprofile shows our side and the server's side apart).
// Besides ns/op each reports cpu-s/op (user+system CPU of the process,
// steadier than wall time on a shared machine) and notok/op (cases whose
// verdict is not a pass: a fast run that judges wrongly is no speed-up).
// Compare before/after with benchstat; `-benchtime 1x -count 5` is enough.

func selectCases(b *testing.B, patterns ...string) []*cases.Case {
	sel, err := cases.Select(patterns, nil)
	if err != nil {
		b.Fatal(err)
	}
	return sel
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchmarkRun(b *testing.B, sel []*cases.Case) {
	url := startReference(b, server.Config{})
	cpu0, notOK := cpuTime(), 0
	for b.Loop() {
		for _, r := range runEngine(b, url, sel, 16) {
			if !r.Passes(false) {
				notOK++
				b.Logf("%s: %s/%s: %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason)
			}
		}
	}
	b.ReportMetric((cpuTime()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(notOK)/float64(b.N), "notok/op")
}

// BenchmarkCompressionSections runs sections 12 and 13 (216 cases).
func BenchmarkCompressionSections(b *testing.B) { benchmarkRun(b, selectCases(b, "12.*", "13.*")) }

// BenchmarkWholeRun runs the whole catalogue, as `wsconform run` does.
func BenchmarkWholeRun(b *testing.B) { benchmarkRun(b, selectCases(b, "*")) }
