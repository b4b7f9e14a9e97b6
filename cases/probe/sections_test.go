package probe_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
)

// Sections 17 and 18 against the reference server and against reference
// servers with one planted bug each. The slow-client cases (18.3) wait
// for the target to give up, so they run at a fifth of their caps, against
// servers whose own timeouts are as short; the rest run at scale 1 against
// servers with a 1 MiB message limit, so that the limit search stays small.

// slowScale shrinks the slow-client caps (30 s) to 6 s.
const slowScale = 0.2

// testLimits are the reference server's limits in these tests.
func testLimits(cfg server.Config) server.Config {
	if cfg.MaxMessageSize == 0 {
		cfg.MaxMessageSize = 1 << 20
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = time.Second
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = time.Second
	}
	return cfg
}

// runSections runs sel all at once (the slow-client cases at slowScale)
// and returns the results by id.
func runSections(t testing.TB, url string, sel []*cases.Case) map[string]cases.Result {
	t.Helper()
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	out := make(map[string]cases.Result, len(sel))
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range sel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1}
			if hasLabel(c, "slow-client") {
				env.Scale = slowScale
			}
			r := probe.Run(context.Background(), c, env)
			mu.Lock()
			out[c.ID] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

func hasLabel(c *cases.Case, l string) bool {
	for _, x := range c.Labels {
		if x == l {
			return true
		}
	}
	return false
}

// caught lists the cases a strict run fails.
func caught(results map[string]cases.Result) []string {
	var ids []string
	for id, r := range results {
		if !r.Passes(true) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return cases.LessID(ids[i], ids[j]) })
	return ids
}

func TestReferenceServerPassesSections17And18(t *testing.T) {
	sel := selectCases(t, []string{"17", "18"}, nil)
	start := time.Now()
	results := runSections(t, startReference(t, testLimits(server.Config{})), sel)
	t.Logf("%d cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		r := results[c.ID]
		if !r.Passes(true) || r.Behavior == cases.Unimplemented {
			t.Errorf("%s", describeResult(r))
		}
		checkReason(t, r)
	}
	if r := results["18.2.1"]; r.Behavior != cases.OK {
		t.Errorf("18.2.1 found no limit in a server with a 1 MiB one: %s", describeResult(r))
	}
}

// checkReason: every verdict is one plain sentence naming what was sent.
func checkReason(t *testing.T, r cases.Result) {
	t.Helper()
	if r.Reason == "" || strings.Contains(r.Reason, "\n") {
		t.Errorf("%s: verdict text %q", r.ID, r.Reason)
	}
}
