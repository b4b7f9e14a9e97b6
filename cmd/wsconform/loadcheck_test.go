package main_test

import (
	"flag"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
)

var loadcheck = flag.Int("loadcheck", 0, "run the whole catalogue this many times beside two CPU burners (make loadcheck)")

// TestLoadCheck is the README's first command on a busy machine: the whole
// catalogue against the embedded reference server while two processes
// burn a CPU each. The reference server passes every case, so every
// verdict must be OK or INFORMATIONAL, none NOT RUN, whatever the load:
// a verdict that moves with our load would make CI gating worthless. It
// takes minutes per run, so it runs only with -loadcheck N (make loadcheck),
// and logs each run's wall time.
func TestLoadCheck(t *testing.T) {
	if *loadcheck <= 0 {
		t.Skip("minutes per run: run with -loadcheck N (make loadcheck)")
	}
	bin := filepath.Join(t.TempDir(), "wsconform")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("building the CLI: %v\n%s", err, out)
	}
	for range 2 {
		burner := exec.Command("sh", "-c", "while :; do :; done")
		if err := burner.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { burner.Process.Kill(); burner.Wait() })
	}
	var walls []string
	for i := range *loadcheck {
		out := t.TempDir()
		cmd := exec.Command(bin, "run", "--out", out, "--progress", "none")
		start := time.Now()
		timer := time.AfterFunc(30*time.Minute, func() { cmd.Process.Kill() })
		output, err := cmd.CombinedOutput()
		timer.Stop()
		wall := time.Since(start).Round(100 * time.Millisecond)
		walls = append(walls, wall.String())
		if err != nil {
			t.Errorf("run %d: %v after %v\n%s", i+1, err, wall, lastLines(string(output), 40))
		}
		run := readRun(t, out)
		var bad []string
		for _, r := range run.Results {
			okVerdict := r.Behavior == cases.OK || r.Behavior == cases.Informational
			okClose := r.BehaviorClose == cases.CloseOK || r.BehaviorClose == cases.CloseInformational
			if !okVerdict || !okClose {
				bad = append(bad, fmt.Sprintf("%s %s/%s: %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason))
			}
		}
		for _, b := range bad {
			t.Errorf("run %d: %s", i+1, b)
		}
		t.Logf("run %d: %d cases in %v beside two CPU burners, %d not OK or INFORMATIONAL", i+1, len(run.Results), wall, len(bad))
	}
	t.Logf("wall times: %s", strings.Join(walls, ", "))
}

func lastLines(s string, lines int) string {
	l := strings.Split(s, "\n")
	return strings.Join(l[max(0, len(l)-lines):], "\n")
}
