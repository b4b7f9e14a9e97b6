package netfuzz

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
)

// TestCrashIsNotADrop sends one input, a close frame with a one-octet
// payload, to four real servers that each fail on it differently: a
// handler that panics and loses only that connection (a drop: the
// listener still accepts), a process that dies with its listener (a crash:
// the next dial is refused), a process that wedges (a crash: TCP is
// accepted, no handshake completes), and a process that dies and is
// restarted before the liveness check (a crash: an idle connection opened
// before the session died with it). Each gets its own kind, rule and
// reproducer file, so a run de-duplicates them apart.
func TestCrashIsNotADrop(t *testing.T) {
	tests := []struct {
		plant      plant
		kind       Kind
		rule       string
		detail     string
		crashes    int
		reproducer string
	}{
		{panicOnOneOctetClose, KindDrop, frame.RuleCloseOneOctet, "only this connection was lost", 0, "drop-close-payload-one-octet.json"},
		{crashOnOneOctetClose, KindCrash, RuleTargetDown, "nothing accepted connections at the target's address", 1, "crash-target-down.json"},
		{wedgeOnOneOctetClose, KindCrash, RuleTargetUnresponsive, "completed no opening handshake", 0, "crash-target-unresponsive.json"},
		// the canary (an idle connection opened before the session) tells it
		{crashRestartedAtOnce, KindCrash, RuleTargetRestarted, "was back at once", 1, "crash-target-restarted.json"},
	}
	var mu sync.Mutex
	symptoms := map[string]bool{}
	t.Cleanup(func() {
		if len(symptoms) != len(tests) {
			t.Errorf("symptoms %v: each must be de-duplicated apart", symptoms)
		}
	})
	for _, tt := range tests {
		t.Run(plantNames[tt.plant], func(t *testing.T) {
			t.Parallel()
			srv, url := startPlanted(t, tt.plant)
			target, err := probe.ParseTarget(url)
			if err != nil {
				t.Fatal(err)
			}
			rng := rand.New(rand.NewPCG(1, 2))
			s := Session{Request: target.NewRequest(), Steps: []Step{maskedStep(rng, frame.New(frame.OpClose, []byte{3}), "one-octet close payload")}}
			// Half a second for each wait, so that a loaded machine slow
			// to answer the liveness check does not pass for a wedged one.
			got := try(context.Background(), target, 500*time.Millisecond, 100*time.Millisecond, s)
			if got == nil {
				t.Fatal("no finding")
			}
			if got.Kind != tt.kind || got.Rule != tt.rule || !strings.Contains(got.Detail, tt.detail) {
				t.Fatalf("%s %s: %s; want %s %s saying %q", got.Kind, got.Rule, got.Detail, tt.kind, tt.rule, tt.detail)
			}
			if srv.Crashes() != tt.crashes {
				t.Errorf("the server crashed %d times, want %d", srv.Crashes(), tt.crashes)
			}
			path, err := got.Write(t.TempDir())
			if err != nil || filepath.Base(path) != tt.reproducer {
				t.Errorf("reproducer %s (%v), want %s", path, err, tt.reproducer)
			}
			mu.Lock()
			symptoms[got.Symptom()] = true
			mu.Unlock()
		})
	}
}
