package probe_test

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
)

// handshakeSection is section 15 as the catalogue lists it.
func handshakeSection(t testing.TB) []*cases.Case {
	sel, err := cases.Select([]string{"15"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(sel) < 30 {
		t.Fatalf("section 15 has %d cases, want at least 30", len(sel))
	}
	return sel
}

// runHandshakeSection runs the cases concurrently against url and returns
// the results by id.
func runHandshakeSection(t testing.TB, url string, sel []*cases.Case) map[string]cases.Result {
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1}
	var mu sync.Mutex
	var wg sync.WaitGroup
	out := map[string]cases.Result{}
	for _, c := range sel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := probe.Run(context.Background(), c, env)
			mu.Lock()
			out[c.ID] = r
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// failing lists the ids whose verdicts do not pass in strict mode.
func failing(results map[string]cases.Result) []string {
	var ids []string
	for id, r := range results {
		if !r.Passes(true) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return cases.LessID(ids[i], ids[j]) })
	return ids
}

func TestHandshakeSectionReferenceServer(t *testing.T) {
	t.Parallel()
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	results := runHandshakeSection(t, url, handshakeSection(t))
	for _, id := range failing(results) {
		r := results[id]
		t.Errorf("%s: %s / close %s: %s | %s", id, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
	}
	// The reference server's answers, recorded in the results: a few that
	// pin down what each judge saw.
	wantStatus := map[string]int{"15.2.1": 405, "15.2.3": 400, "15.3.2": 426, "15.6.1": 400, "15.7.1": 431}
	for id, status := range wantStatus {
		if hs := results[id].Handshake; hs == nil || hs.Status != status {
			t.Errorf("%s: handshake %+v, want status %d", id, hs, status)
		}
	}
	// A handshake-only result carries its answer table, for the report.
	if got := results["15.3.1"].Expected; len(got) < 3 || got[0].Verdict != cases.Failed || !strings.Contains(got[2].Events[0], "426") {
		t.Errorf("15.3.1: expected %+v, want the answer table (101 FAILED first, then 426 with the version)", got)
	}
	if r := results["15.7.2"]; !strings.Contains(r.Reason, "closed the connection") {
		t.Errorf("15.7.2: %s; want the server to close after its handshake timeout", r.Reason)
	}
}
