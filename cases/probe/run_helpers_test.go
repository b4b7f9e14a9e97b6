package probe_test

import (
	"context"
	"fmt"
	"net"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
)

// workers is how many cases run at once in these tests, as the CLI's
// default --parallel does; serial cases always run alone.
const workers = 16

// startReference starts a reference server with cfg for the test's lifetime.
func startReference(t testing.TB, cfg server.Config) string {
	t.Helper()
	s, url, err := server.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return url
}

// runCases executes the non-serial cases on a pool of workers, then the
// serial ones one at a time, and returns the results by id.
func runCases(t testing.TB, url string, sel []*cases.Case) map[string]cases.Result {
	t.Helper()
	return runCasesWith(t, url, sel, probe.DefaultTimeouts())
}

// runCasesWith is runCases with other protocol timeouts.
func runCasesWith(t testing.TB, url string, sel []*cases.Case, to probe.Timeouts) map[string]cases.Result {
	t.Helper()
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	env := probe.Env{Target: target, Timeouts: to, Scale: 1}
	out := make(map[string]cases.Result, len(sel))
	var mu sync.Mutex
	run := func(c *cases.Case) {
		r := probe.Run(context.Background(), c, env)
		mu.Lock()
		out[c.ID] = r
		mu.Unlock()
	}
	queue := make(chan *cases.Case)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for c := range queue {
				run(c)
			}
		}()
	}
	var serial []*cases.Case
	for _, c := range sel {
		if c.Serial {
			serial = append(serial, c)
			continue
		}
		queue <- c
	}
	close(queue)
	wg.Wait()
	for _, c := range serial {
		run(c)
	}
	return out
}

// selectCases is cases.Select that fails the test on a bad pattern.
func selectCases(t testing.TB, include, exclude []string) []*cases.Case {
	t.Helper()
	sel, err := cases.Select(include, exclude)
	if err != nil {
		t.Fatal(err)
	}
	if len(sel) == 0 {
		t.Fatalf("no case matches %v minus %v", include, exclude)
	}
	return sel
}

func sortedIDs(m map[string]bool) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return cases.LessID(ids[i], ids[j]) })
	return ids
}

func describeResult(r cases.Result) string {
	return fmt.Sprintf("%s %s/%s: %s | close: %s | observed %v | failFastOffset %d | %v",
		r.ID, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason, r.Observed, r.FailFastOffset, r.Duration.Round(time.Millisecond))
}

// serveWS accepts TCP connections on loopback and hands each to handle (which
// need not close it) until the test ends; it returns the ws:// URL.
func serveWS(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { l.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return "ws://" + l.Addr().String() + "/"
}
