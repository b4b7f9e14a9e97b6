package main_test

import (
	"bytes"
	"errors"
	"flag"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsconform/wsconform/suite/hostiletest"
)

var hostile = flag.Bool("hostile", false, "run TestHostileCLI: the whole catalogue against every hostile server, minutes each (make hostile)")

// TestHostileCLI runs the built command (no race detector: its memory is
// what a user's is) over the whole catalogue against each hostile server at
// the default --parallel: everything but section 9 at the normal timers,
// then section 9, whose cases wait up to 1000 s for an echo a flooding
// server never sends, at 1/20 of them. Each run must end with exit 1, a
// peak resident set under 300 MB and every report file under 10 MB; the
// figures are logged (-v). Opt-in with -hostile: `make hostile`.
func TestHostileCLI(t *testing.T) {
	if !*hostile {
		t.Skip("the whole catalogue against hostile servers runs with -hostile (make hostile)")
	}
	bin := filepath.Join(t.TempDir(), "wsconform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	runs := []struct {
		name string
		args []string
	}{
		{"every section but 9", []string{"--exclude", "9.*"}},
		{"section 9 at 1/20 of its timers", []string{"--cases", "9.*", "--timeout-scale", "0.05"}},
	}
	for _, b := range hostiletest.Behaviors {
		for _, r := range runs {
			t.Run(b.Name+"/"+r.name, func(t *testing.T) {
				url := hostiletest.Start(t, b)
				out := t.TempDir()
				args := append([]string{"run", url, "--out", out, "--progress", "none"}, r.args...)
				cmd := exec.Command(bin, args...)
				var stdout bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stdout
				start := time.Now()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				timer := time.AfterFunc(time.Hour, func() { cmd.Process.Kill() })
				err := cmd.Wait()
				timer.Stop()
				took := time.Since(start)
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 1 {
					t.Errorf("exit %v, want 1 (not conformant)\n%s", err, tail(stdout.String()))
				}
				rss := int64(cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss) << 10 // Linux reports KiB
				files, total, err := hostiletest.ReportSizes(out)
				if err != nil {
					t.Fatal(err)
				}
				var largest hostiletest.FileSize
				for _, f := range files {
					if f.Size > largest.Size {
						largest = f
					}
				}
				t.Logf("%s, %s: %v, peak RSS %.0f MB, reports %.1f MB in all, largest %s %.1f MB; %s",
					b.Name, r.name, took.Round(time.Second), float64(rss)/(1<<20), float64(total)/(1<<20), largest.Path, float64(largest.Size)/(1<<20),
					summaryLine(stdout.String()))
				if rss > maxPeakRSS {
					t.Errorf("peak RSS %d MB, want under %d MB", rss>>20, maxPeakRSS>>20)
				}
				if largest.Size > maxReportFile {
					t.Errorf("%s is %d MB, want under %d MB", largest.Path, largest.Size>>20, maxReportFile>>20)
				}
				readRun(t, out)
			})
		}
	}
}

const (
	maxPeakRSS    = 300 << 20
	maxReportFile = 10 << 20
)

// summaryLine is the line of the terminal summary that counts verdicts.
func summaryLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, " cases against ") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}
