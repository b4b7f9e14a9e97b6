package suite_test

import (
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/hostiletest"
)

// Limits every run against a hostile target must keep (issue 10).
const (
	maxPeakMemory = 300 << 20
	maxReportFile = 10 << 20
)

// hostileCases are a few cases of each kind, chosen to end within seconds
// (cases waiting for a 64 KiB echo give it 10 s): an echo, pings, a
// reserved bit and opcode, fragments with a pause, fail-fast UTF-8, a close
// with a 256 KiB message before it, and compression with and without
// context takeover. The full catalogue
// against every hostile server is `make hostile`.
var (
	hostileCases            = []string{"1.1.1", "2.10", "3.1", "4.1.1", "5.19", "6.4.1", "7.1.6"}
	hostileCompressionCases = []string{"12.1.1", "13.1.1"} // against servers that accept permessage-deflate
)

// TestHostileTargets points the engine, at the CLI's default parallelism,
// at servers that flood, never end a frame, send garbage or thousands of
// close frames, or a decompression bomb. Every case must end by its
// deadline with a verdict against the target (INFORMATIONAL cases aside),
// the Go runtime's memory must stay under 300 MB, and every report file
// under 10 MB.
func TestHostileTargets(t *testing.T) {
	for _, b := range hostiletest.Behaviors {
		t.Run(b.Name, func(t *testing.T) {
			ids := hostileCases
			if b.Deflate {
				ids = append(ids, hostileCompressionCases...)
			}
			sel, err := cases.Select(ids, nil)
			if err != nil {
				t.Fatal(err)
			}
			url := hostiletest.Start(t, b)
			peak := watchMemory()
			start := time.Now()
			results := runEngine(t, url, sel, 16)
			took := time.Since(start)
			peakBytes := peak()
			t.Logf("%s: %d cases in %v, peak Go memory %.1f MB", b.Name, len(results), took.Round(time.Millisecond), float64(peakBytes)/(1<<20))
			if peakBytes > maxPeakMemory {
				t.Errorf("peak Go memory %d MB, want under %d MB", peakBytes>>20, maxPeakMemory>>20)
			}
			for i, r := range results {
				t.Logf("%s: %v %s / close %s", r.ID, r.Duration.Round(time.Millisecond), r.Behavior, r.BehaviorClose)
				if deadline := sel[i].Deadline(1); r.Duration > deadline+2*time.Second {
					t.Errorf("%s took %v, past its deadline of %v", r.ID, r.Duration, deadline)
				}
				if r.Behavior != cases.Informational && r.Passes(false) {
					t.Errorf("%s passes against a %s target: %s / close %s: %s", r.ID, b.Name, r.Behavior, r.BehaviorClose, r.Reason)
				}
			}
			checkReportSizes(t, results)
		})
	}
}

// watchMemory samples the memory the Go runtime has mapped until the
// returned function is called, which returns the highest sample.
func watchMemory() func() uint64 {
	sample := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	return func() uint64 {
		close(stop)
		wg.Wait()
		return peak
	}
}

// checkReportSizes writes every report of the results and checks that no
// file is over the limit.
func checkReportSizes(t *testing.T, results []cases.Result) {
	t.Helper()
	dir := t.TempDir()
	run := &cases.Run{Schema: cases.SchemaVersion, Results: results}
	if err := reporter.Write(dir, reporter.DefaultGate(false), run); err != nil {
		t.Fatal(err)
	}
	files, total, err := hostiletest.ReportSizes(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Size > maxReportFile {
			t.Errorf("%s is %d MB, want under %d MB", f.Path, f.Size>>20, maxReportFile>>20)
		}
	}
	t.Logf("reports: %.2f MB in all", float64(total)/(1<<20))
}
