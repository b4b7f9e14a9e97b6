package suite_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/suite/engine"
)

func startReference(t testing.TB, cfg server.Config) string {
	srv, url, err := server.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

func runEngine(t testing.TB, url string, sel []*cases.Case, workers int) []cases.Result {
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1}, workers)
	defer eng.Close()
	eng.Prefetch(sel)
	out := make([]cases.Result, 0, len(sel))
	for _, c := range sel {
		out = append(out, eng.Await(t.Context(), c))
	}
	return out
}

func sections123(t testing.TB) []*cases.Case {
	sel, err := cases.Select([]string{"1.*", "2.*", "3.*"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sel
}

// BenchmarkEngineLatency runs sections 1-3 against the reference server
// behind a proxy that adds 20 ms to everything the server sends, one case
// at a time and with the engine's worker pool. Compare the ns/op of the
// sub-benchmarks: the ratio is the speed-up the engine buys.
func BenchmarkEngineLatency(b *testing.B) {
	url := startReference(b, server.Config{})
	target, _ := probe.ParseTarget(url)
	proxy := startLatencyProxy(b, target.Address(), 20*time.Millisecond)
	proxied := "ws://" + proxy.Addr() + "/"
	sel := sections123(b)
	for _, workers := range []int{1, 16} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			for b.Loop() {
				for _, r := range runEngine(b, proxied, sel, workers) {
					if !r.Passes(false) {
						b.Fatalf("%s: %s/%s: %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason)
					}
				}
			}
		})
	}
}

// TestEngineSections123Fast: sections 1-3 against the reference server on
// loopback finish well inside the 2 s the runner issue asks for.
func TestEngineSections123(t *testing.T) {
	url := startReference(t, server.Config{})
	sel := sections123(t)
	start := time.Now()
	results := runEngine(t, url, sel, 16)
	took := time.Since(start)
	for _, r := range results {
		if r.Behavior != cases.OK || r.BehaviorClose != cases.CloseOK {
			t.Errorf("%s: %s / close %s: %s; %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
		}
	}
	t.Logf("sections 1-3: %d cases in %v", len(results), took)
}
