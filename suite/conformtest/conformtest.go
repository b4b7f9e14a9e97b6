// Package conformtest certifies a WebSocket server from its own `go test`,
// the way testing/fstest.TestFS certifies a file system: one call runs
// wsconform's catalogue against the server, in process, one subtest per
// case, and fails the test with the same verdict text the CLI's report
// shows.
//
//	func TestConformance(t *testing.T) {
//		conformtest.Server(t, myHandler,
//			conformtest.Departures(map[string]string{
//				"15.2.3": "we upgrade HTTP/1.0 requests too",
//			}))
//	}
//
// Each case is a subtest named by its id, so `go test -run
// 'Conformance/^6\.4\.'` selects cases as Go users already do. Under `go test
// -short` the selection leaves out the slow sections (9 performance, 12
// and 13 compression, 18.2 and 18.3 limits: up to 64 MiB messages and
// 30 s waits for slow clients) unless Cases names some. Reports (wsconform.json,
// index.html, junit.xml) are written only when asked, with ReportDir or
// the -wsconform.out flag.
//
// Client(t, dial) certifies a client the same way: the catalogue's cases
// that can test a client (cases.SelectClients) are played from the server
// side against whatever dial connects, one subtest each.
//
// The package brings no CLI, terminal or progress-bar package into the
// importing test binary, nor Ginkgo's runtime or flags.
package conformtest

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/engine"
)

var outFlag = flag.String("wsconform.out", "", "write wsconform reports (wsconform.json, index.html, junit.xml) under this directory, one folder per test")

// slowSections are left out of `go test -short` unless Cases names cases.
var slowSections = []string{"9.*", "12.*", "13.*", "18.2.*", "18.3.*"}

// Server certifies the WebSocket server h. It serves h over HTTP/1.1 on a
// loopback httptest server for the duration of the test (at Path, "/" by
// default) and runs the selected cases against it, one subtest each.
func Server(t *testing.T, h http.Handler, opts ...Option) {
	t.Helper()
	s, ok := settle(t, opts)
	if !ok {
		return
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
	})
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + s.path
	certify(t, s, url, "")
}

// URL certifies the running WebSocket server at url (ws:// or wss://).
func URL(t *testing.T, url string, opts ...Option) {
	t.Helper()
	s, ok := settle(t, opts)
	if !ok {
		return
	}
	certify(t, s, url, url)
}

// settle applies the options and checks them; a bad option fails t.
func settle(t *testing.T, opts []Option) (*settings, bool) {
	t.Helper()
	s := &settings{path: "/", scale: 1, parallel: 8, out: *outFlag}
	for _, o := range opts {
		o(s)
	}
	for _, err := range s.errs {
		t.Errorf("conformtest: %v", err)
	}
	if len(s.errs) > 0 {
		t.FailNow()
	}
	gate, err := reporter.ParseGate(s.failOn, s.strict)
	if err != nil {
		t.Fatalf("conformtest: FailOn: %v", err)
	}
	s.gate = gate
	return s, true
}

// certify runs the selection against url; cliURL is the URL a reproduce
// command can name ("" when the server lives only inside the test).
func certify(t *testing.T, s *settings, url, cliURL string) {
	t.Helper()
	selected, err := s.selection(cases.Select)
	if err != nil {
		t.Fatalf("conformtest: %v", err)
	}
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatalf("conformtest: %v", err)
	}
	env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: s.scale}
	warning, err := engine.Preflight(env)
	if err != nil {
		t.Fatalf("conformtest: %s: %v", url, err)
	}
	if warning != "" {
		t.Logf("conformtest: %s %s", url, warning)
	}

	eng := engine.New(env, s.parallel)
	c := &certification{s: s, name: t.Name(), selected: selected, start: time.Now()}
	c.reproduce = func(id string) string {
		if cliURL == "" {
			return "with the server listening: wsconform run ws://<host:port/path> --cases " + id
		}
		return engine.Reproduce(id, cliURL)
	}
	info := cases.TargetInfo{URL: url, Agent: "conformtest " + t.Name()}
	c.collect = func(queued []*cases.Case) *cases.Run {
		return engine.Collect(eng, queued, cases.Run{Tool: "wsconform conformtest", Target: info, Started: c.start, Selection: s.recorded()})
	}
	t.Cleanup(eng.Close)
	t.Cleanup(func() { c.finish(t) }) // after every subtest, before the engine closes
	wait := engine.LongestWait(selected, s.scale)
	for _, cs := range selected {
		t.Run(cs.ID, func(t *testing.T) {
			c.register(cs)
			// Subtests pause here until the test function returns; by
			// then every case that -run selected is queued on the engine.
			t.Parallel()
			// The wait is bounded like a Ginkgo spec's: a case may first
			// wait for the cases in flight, then runs to its own deadline.
			bound := wait + cs.Deadline(s.scale)
			ctx, cancel := context.WithTimeout(t.Context(), bound+5*time.Second)
			defer cancel()
			res := eng.Await(ctx, cs)
			if ctx.Err() != nil {
				why := fmt.Sprintf("not run: the case had no result after %v (its deadline at timeout scale %g and the wait for the cases before it); we stopped waiting for it",
					bound+5*time.Second, s.scale)
				eng.Abandon(cs, why)
				t.Fatalf("[%s] %s", cs.ID, why)
			}
			c.verdict(t, cs, res)
		})
	}
	eng.Prefetch(c.queued)
}

// certification is one Server, URL (or, later, Client) call in progress.
type certification struct {
	s     *settings
	name  string // the test's name, for reproduce commands
	start time.Time
	// reproduce is the CLI command that runs one case again.
	reproduce func(id string) string
	// collect is the run of the cases -run selected, for reports.
	collect func(queued []*cases.Case) *cases.Run

	mu       sync.Mutex
	selected []*cases.Case       // what the options select
	queued   []*cases.Case       // the cases whose subtests -run selected
	departed map[string][]string // departure key -> ids that departed as it says
	passed   map[string][]string // departure key -> ids it covers that passed
}

func (c *certification) register(cs *cases.Case) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.queued = append(c.queued, cs)
}

// verdict passes, skips or fails the subtest of cs by its result.
func (c *certification) verdict(t *testing.T, cs *cases.Case, res cases.Result) {
	key, reason := c.s.departure(cs.ID)
	if !c.s.gate.Fails(res) {
		if key != "" {
			c.note(&c.passed, key, cs.ID)
		}
		if res.Behavior == cases.Unimplemented {
			t.Skip("UNIMPLEMENTED: " + res.Reason)
		}
		return
	}
	text := c.failureText(res)
	if key != "" {
		c.note(&c.departed, key, cs.ID)
		t.Logf("known departure (%s): %s", reason, text)
		return
	}
	t.Error(text)
}

func (c *certification) note(m *map[string][]string, key, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if *m == nil {
		*m = map[string][]string{}
	}
	(*m)[key] = append((*m)[key], id)
}

// failureText is the CLI's failure text (verdicts in one plain sentence,
// the requirement, expected and observed events), the start of the wire
// log, and the commands that run the case again.
func (c *certification) failureText(r cases.Result) string {
	var b strings.Builder
	b.WriteString(engine.FailureText(r, "", c.s.strict))
	b.WriteString("\n")
	writeWireLog(&b, observed.RedactWireLog(r.WireLog), wireLogLines)
	fmt.Fprintf(&b, "  reproduce: go test -run '%s' -v\n", runPattern(c.name, r.ID))
	fmt.Fprintf(&b, "         or %s", c.reproduce(r.ID))
	return b.String()
}

// wireLogLines caps the wire log in a failure; the report has all of it.
const wireLogLines = 24

func writeWireLog(b *strings.Builder, log []observed.Entry, max int) {
	if len(log) == 0 {
		return
	}
	fmt.Fprintf(b, "  wire log (%d entries", len(log))
	if len(log) > max {
		fmt.Fprintf(b, ", first %d", max)
	}
	b.WriteString("):\n")
	for i, e := range log {
		if i == max {
			break
		}
		what := e.Frame
		if what == "" {
			what = e.Text
		}
		if what == "" {
			what = fmt.Sprintf("%d octets %s", e.Octets, e.Hex)
		}
		fmt.Fprintf(b, "    %8s %-4s %s\n", e.At.Round(time.Millisecond), e.Dir, what)
	}
}

// runPattern is the -run pattern that selects exactly one case's subtest.
func runPattern(testName, id string) string {
	var parts []string
	for _, p := range append(strings.Split(testName, "/"), id) {
		parts = append(parts, "^"+regexp.QuoteMeta(p)+"$")
	}
	return strings.Join(parts, "/")
}

// finish runs once every subtest is done: it reports departures that no
// longer depart and writes the reports if asked.
func (c *certification) finish(t *testing.T) {
	c.mu.Lock()
	queued := slices.Clone(c.queued)
	c.mu.Unlock()
	if len(queued) == 0 {
		return // -run selected none of this test's cases
	}
	for _, key := range slices.Sorted(mapKeys(c.s.departures)) {
		// Judged only when every case it covers was judged: -run may have
		// picked the ones that pass.
		covers := 0
		for _, cs := range c.selected {
			if k, _ := c.s.departure(cs.ID); k == key {
				covers++
			}
		}
		if covers > 0 && len(c.passed[key]) == covers && len(c.departed[key]) == 0 {
			t.Errorf("known departure %q (%s) no longer departs: %s passed; remove it from Departures",
				key, c.s.departures[key], strings.Join(c.passed[key], ", "))
		}
	}
	if c.s.out == "" {
		return
	}
	run := c.collect(queued)
	dir := filepath.Join(c.s.out, safeName(c.name))
	if err := reporter.Write(dir, c.s.gate, run); err != nil {
		t.Errorf("conformtest: writing reports: %v", err)
		return
	}
	t.Logf("conformtest: reports written to %s", dir)
}

func mapKeys(m map[string]string) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// safeName turns a test name into one folder name.
func safeName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, name)
}
