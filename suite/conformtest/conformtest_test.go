package conformtest_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/conformtest"
	"github.com/wsconform/wsconform/suite/engine"
)

// What a certification fails is observed the honest way: the real testing
// package runs it, in a child process (this test binary again, running
// TestCertifyChild with the plan in an environment variable), and the
// parent reads the child's `-test.v` lines and exit status.

const childEnv = "CONFORMTEST_CHILD"

// inProcessScale stretches the cases' timers for servers that share this
// test binary's CPU (and its -race slowdown) with the probe, on a machine
// that runs other test packages at the same time: a 500 ms echo timer
// missed at load 30 turned a verdict. It does not slow passing cases,
// which end on the echo.
const timeoutScale = 3

var inProcessScale = conformtest.TimeoutScale(timeoutScale)

type childPlan struct {
	Handler    string            `json:"handler,omitempty"`
	Client     string            `json:"client,omitempty"` // certify this client instead`
	Cases      []string          `json:"cases"`
	Departures map[string]string `json:"departures,omitempty"`
	Scale      float64           `json:"scale,omitempty"` // timeoutScale if 0
}

// handlers are the servers a child can certify, by name.
var handlers = map[string]func() http.Handler{
	"gorilla":           func() http.Handler { return gorillaEcho(false) },
	"gorilla-validated": func() http.Handler { return gorillaEcho(true) },
	// Its bug: pings get no pong (the handler swallows them).
	"gorilla-no-pong": func() http.Handler { return gorillaNoPong() },
}

// TestCertifyChild is the child's side; it does nothing in a normal run.
func TestCertifyChild(t *testing.T) {
	raw := os.Getenv(childEnv)
	if raw == "" {
		t.Skip("run by the certification tests in a child process")
	}
	var plan childPlan
	if err := json.Unmarshal([]byte(raw), &plan); err != nil {
		t.Fatal(err)
	}
	scale := plan.Scale
	if scale == 0 {
		scale = timeoutScale
	}
	opts := []conformtest.Option{conformtest.Cases(plan.Cases...), conformtest.Parallel(16), conformtest.TimeoutScale(scale)}
	if plan.Departures != nil {
		opts = append(opts, conformtest.Departures(plan.Departures))
	}
	if plan.Client != "" {
		conformtest.Client(t, clients[plan.Client], opts...)
		return
	}
	conformtest.Server(t, handlers[plan.Handler](), opts...)
}

// childRun is what the testing package said in the child.
type childRun struct {
	subtests map[string]string // case id -> PASS, FAIL or SKIP
	failed   bool              // the child's test failed
	output   string
}

var subtestLine = regexp.MustCompile(`(?m)^\s*--- (PASS|FAIL|SKIP): TestCertifyChild/(\S+) `)

func runCertifyChild(t *testing.T, plan childPlan) childRun {
	t.Helper()
	return runCertifyChildMatching(t, plan, "")
}

// runCertifyChildMatching runs the child with -run ^TestCertifyChild$/subtests.
func runCertifyChildMatching(t *testing.T, plan childPlan, subtests string) childRun {
	t.Helper()
	raw, err := json.Marshal(plan)
	if err != nil {
		t.Fatal(err)
	}
	run := "^TestCertifyChild$"
	if subtests != "" {
		run += "/" + subtests
	}
	cmd := exec.Command(os.Args[0], "-test.run="+run, "-test.v", "-test.timeout=3m")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	result := childRun{subtests: map[string]string{}, output: string(out)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		result.failed = true
	case err != nil:
		t.Fatalf("child: %v\n%s", err, out)
	}
	for _, m := range subtestLine.FindAllStringSubmatch(result.output, -1) {
		result.subtests[m[2]] = m[1]
	}
	if strings.Contains(result.output, "panic:") || len(result.subtests) == 0 {
		t.Fatalf("the child ran no case:\n%s", out)
	}
	return result
}

func (r childRun) failing() []string {
	var ids []string
	for id, status := range r.subtests {
		if status == "FAIL" {
			ids = append(ids, id)
		}
	}
	sortIDs(ids)
	return ids
}

func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if cases.LessID(a, b) {
			return -1
		}
		if cases.LessID(b, a) {
			return 1
		}
		return 0
	})
}

// engineFailures is what the engine alone, with the CLI's default gate,
// fails when h runs the selection: the same as `wsconform run <url>
// --cases ...` against h.
func engineFailures(t *testing.T, h http.Handler, globs []string) (failing []string, results map[string]cases.Result) {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	target, err := probe.ParseTarget("ws" + strings.TrimPrefix(srv.URL, "http") + "/")
	if err != nil {
		t.Fatal(err)
	}
	sel, err := cases.Select(globs, nil)
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: timeoutScale}, 16)
	defer eng.Close()
	eng.Prefetch(sel)
	gate := reporter.DefaultGate(false)
	results = map[string]cases.Result{}
	for _, c := range sel {
		r := eng.Await(t.Context(), c)
		results[c.ID] = r
		if gate.Fails(r) {
			failing = append(failing, c.ID)
		}
	}
	return failing, results
}

// proofCases are the cases of the gorilla proof: a few of each family
// gorilla/websocket passes, and the families where it departs (text
// UTF-8, handshake checks), kept short for `make test`.
var proofCases = []string{"1.1.*", "2.*", "5.*", "6.3.*", "6.6.*", "7.5.1", "7.9.*", "15.2.*", "15.5.*"}

// gorillaReasons say why gorilla/websocket departs, by case id prefix.
var gorillaReasons = map[string]string{
	"6.":      "gorilla/websocket leaves UTF-8 validation of text messages to the application (RFC 6455 §8.1)",
	"7.5.1":   "gorilla/websocket does not check that a close reason is UTF-8",
	"15.2.3":  "gorilla/websocket upgrades an HTTP/1.0 request (RFC 6455 §4.2.1 asks for HTTP/1.1)",
	"15.2.12": "gorilla/websocket accepts a request with two Sec-WebSocket-Key fields",
	"15.5.":   "gorilla/websocket accepts permessage-deflate offers with parameters it does not know or values out of range (RFC 7692 §5)",
	"17.1.":   "gorilla/websocket accepts permessage-deflate offers whatever their parameters, and answers server_max_window_bits with none (RFC 7692 §7, §7.1.2.1)",
	"17.3.":   "gorilla/websocket accepts server_max_window_bits offers without answering server_max_window_bits (RFC 7692 §7.1.2.1)",
	"17.4.":   "gorilla/websocket ignores RSV1 on continuation and control frames (RFC 7692 §6)",
}

func reasonFor(id string) string {
	for prefix, reason := range gorillaReasons {
		if id == prefix || strings.HasSuffix(prefix, ".") && strings.HasPrefix(id, prefix) {
			return reason
		}
	}
	return ""
}

// Certifying gorilla/websocket's echo handler in process fails exactly the
// cases the engine (the CLI's run) fails against the same handler; listed
// as known departures with reasons, those cases pass the test; and a
// departure that no longer departs fails it.
func TestGorillaFailsWhatTheCLIFails(t *testing.T) {
	want, results := engineFailures(t, gorillaEcho(false), proofCases)
	if len(want) == 0 {
		t.Fatal("the engine fails no case of gorilla's handler: the test proves nothing")
	}
	departures := map[string]string{}
	for _, id := range want {
		reason := reasonFor(id)
		if reason == "" {
			r := results[id]
			t.Fatalf("gorilla fails %s (%s: %s), which no known reason covers", id, r.Behavior, r.Reason)
		}
		departures[id] = reason
	}

	t.Run("no departures", func(t *testing.T) {
		run := runCertifyChild(t, childPlan{Handler: "gorilla", Cases: proofCases})
		if got := run.failing(); !slices.Equal(got, want) {
			t.Errorf("the subtests that failed:\n  %v\nthe cases the engine fails:\n  %v", got, want)
		}
		if !run.failed {
			t.Error("the child test passed")
		}
		id := want[0]
		for _, part := range []string{"[" + id + "] " + string(results[id].Behavior), "requires (", "observed: [", "wire log (",
			"reproduce: go test -run '^TestCertifyChild$/^" + regexp.QuoteMeta(id) + "$'", "wsconform run "} {
			if !strings.Contains(run.output, part) {
				t.Errorf("the failure of %s does not show %q", id, part)
			}
		}
	})
	t.Run("known departures", func(t *testing.T) {
		run := runCertifyChild(t, childPlan{Handler: "gorilla", Cases: proofCases, Departures: departures})
		if run.failed || len(run.failing()) > 0 {
			t.Errorf("the child failed (%v) with every failure a known departure:\n%s", run.failing(), run.output)
		}
		for _, id := range want {
			if run.subtests[id] != "PASS" || !strings.Contains(run.output, "known departure ("+departures[id]+"): ["+id+"]") {
				t.Errorf("%s: %s, and its departure is not logged with its reason", id, run.subtests[id])
			}
		}
	})
	t.Run("stale departure", func(t *testing.T) {
		stale := maps(departures, map[string]string{"1.1.1": "was once too slow"})
		run := runCertifyChild(t, childPlan{Handler: "gorilla", Cases: proofCases, Departures: stale})
		if !run.failed || len(run.failing()) > 0 {
			t.Errorf("want the test, and no case, to fail; failed %v, cases %v", run.failed, run.failing())
		}
		if !strings.Contains(run.output, `known departure "1.1.1" (was once too slow) no longer departs: 1.1.1 passed`) {
			t.Errorf("the stale departure is not reported:\n%s", run.output)
		}
	})
	t.Run("departure judged only whole", func(t *testing.T) {
		// -run picks 6.6.2, a case of the 6.6.* departure that passes: the
		// departure is not stale, its failing cases were not run.
		run := runCertifyChildMatching(t, childPlan{Handler: "gorilla", Cases: proofCases,
			Departures: map[string]string{"6.6.*": gorillaReasons["6."]}}, `^6\.6\.2$`)
		if run.failed || len(run.subtests) != 1 || run.subtests["6.6.2"] != "PASS" {
			t.Errorf("want 6.6.2 alone, passing; got %v, failed %v:\n%s", run.subtests, run.failed, run.output)
		}
	})
}

func maps(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// gorillaNoPong is gorilla's validated echo handler with one bug: it
// answers no ping.
func gorillaNoPong() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := gorillaUpgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetPingHandler(func(string) error { return nil })
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return
			}
			if err := c.WriteMessage(mt, msg); err != nil {
				return
			}
		}
	})
}

// needsPong says, from the catalogue alone, whether a case can pass only
// if the target answers a ping: every passing outcome holds a pong.
func needsPong(c *cases.Case) bool {
	passing := false
	for _, o := range c.Expect {
		if !o.Verdict.Passes(false) {
			continue
		}
		passing = true
		if !slices.ContainsFunc(o.Events, func(e observed.Event) bool { return e.Kind == observed.Pong }) {
			return false
		}
	}
	return passing
}

// A handler whose only bug is that it answers no ping fails exactly the
// subtests of the cases that need a pong, and nothing else.
func TestBrokenHandlerFailsOnlyItsBug(t *testing.T) {
	globs := []string{"1.*", "2.*", "3.*", "4.*", "5.*"}
	sel, err := cases.Select(globs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range sel {
		if needsPong(c) {
			want = append(want, c.ID)
		}
	}
	if len(want) == 0 {
		t.Fatal("no selected case needs a pong: the test proves nothing")
	}
	run := runCertifyChild(t, childPlan{Handler: "gorilla-no-pong", Cases: globs})
	if got := run.failing(); !slices.Equal(got, want) {
		t.Errorf("failed subtests %v, want the cases that need a pong %v", got, want)
	}
	for _, c := range sel {
		if status := run.subtests[c.ID]; !slices.Contains(want, c.ID) && status != "PASS" {
			t.Errorf("%s: %s, want PASS", c.ID, status)
		}
	}
}

// slowForMakeTest are left out of the in-process certifications below:
// sections 9, 12, 13, 18.2 and 18.3 (the -short profile's cut), the two stall cases
// that wait for the server's own timeout (10 s and 5 s), and 6.4.x, four
// 2 s fail-fast cases that run one at a time (the engine runs cases a
// server must reject alone, to name the one that crashes it).
var slowForMakeTest = []string{"9.*", "12.*", "13.*", "18.2.*", "18.3.*", "14.4.1", "15.7.2", "6.4.*"}

// gorilla/websocket's echo handler with the UTF-8 check its own Autobahn
// server adds, certified in process as a library author would; its
// departures are in the handshake.
// Its reports go to ReportDir once every case is done, the departures
// in them with their real verdicts.
func TestGorillaValidatedHandler(t *testing.T) {
	dir := t.TempDir()
	t.Cleanup(func() { // registered first, so it runs after the reports are written
		run, err := reporter.ReadJSON(filepath.Join(dir, t.Name(), reporter.JSONFile))
		if err != nil {
			t.Fatalf("no report: %v", err)
		}
		want, err := cases.Select(nil, slowForMakeTest)
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Results) != len(want) {
			t.Errorf("the report has %d results, want %d", len(run.Results), len(want))
		}
		for _, r := range run.Results {
			if r.ID == "15.2.3" && r.Behavior != cases.Failed {
				t.Errorf("15.2.3, a known departure, is %s in the report, want FAILED", r.Behavior)
			}
		}
	})
	conformtest.Server(t, gorillaEcho(true), inProcessScale,
		conformtest.ReportDir(dir),
		conformtest.Exclude(slowForMakeTest...),
		conformtest.Departures(map[string]string{
			"15.2.3":  gorillaReasons["15.2.3"],
			"15.2.12": gorillaReasons["15.2.12"],
			"15.5.4":  gorillaReasons["15.5."],
			"15.5.5":  gorillaReasons["15.5."],
			"17.1.1":  gorillaReasons["17.1."], "17.1.3": gorillaReasons["17.1."], "17.1.4": gorillaReasons["17.1."],
			"17.1.5": gorillaReasons["17.1."], "17.1.6": gorillaReasons["17.1."], "17.1.7": gorillaReasons["17.1."],
			"17.1.8": gorillaReasons["17.1."], "17.1.9": gorillaReasons["17.1."], "17.1.10": gorillaReasons["17.1."],
			"17.1.11": gorillaReasons["17.1."],
			"17.3.*":  gorillaReasons["17.3."],
			"17.4.1":  gorillaReasons["17.4."], "17.4.2": gorillaReasons["17.4."], "17.4.3": gorillaReasons["17.4."],
		}))
}

// coder/websocket v1.8.15's echo handler, certified in process.
func TestCoderHandler(t *testing.T) {
	const utf8 = "coder/websocket does not validate UTF-8 in text messages (its own Autobahn run leaves out 6.x)"
	conformtest.Server(t, coderEcho(), inProcessScale,
		conformtest.Exclude(slowForMakeTest...),
		conformtest.Departures(map[string]string{
			"6.3.*": utf8, "6.6.*": utf8, "6.8.*": utf8, "6.10.*": utf8, "6.11.*": utf8,
			"6.12.*": utf8, "6.13.*": utf8, "6.14.*": utf8, "6.15.*": utf8, "6.16.*": utf8, "6.17.*": utf8,
			"6.18.*": utf8, "6.19.*": utf8, "6.20.*": utf8, "6.21.*": utf8,
			"7.5.1":  "coder/websocket does not check that a close reason is UTF-8",
			"17.1.3": "coder/websocket accepts a permessage-deflate offer with a parameter given twice (RFC 7692 §7)",
			"17.1.8": "coder/websocket accepts client_max_window_bits=09, a value with a leading zero (RFC 7692 §7.1.2.2)",
		}))
}
