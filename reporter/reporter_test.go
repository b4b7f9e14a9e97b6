package reporter_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/engine"
)

// autobahnKeys are the 39 keys of Autobahn's per-case report
// (autobahn/fuzzing.py, FuzzingProtocol.connectionLost).
var autobahnKeys = strings.Fields(`agent id case description expectation started duration
	reportTime reportCompressionRatio behavior behaviorClose result resultClose expected
	expectedClose received wirelog createWirelog closedByMe failedByMe droppedByMe wasClean
	wasNotCleanReason wasServerConnectionDropTimeout wasOpenHandshakeTimeout
	wasCloseHandshakeTimeout localCloseCode localCloseReason remoteCloseCode remoteCloseReason
	isServer createStats rxOctetStats txOctetStats rxFrameStats txFrameStats httpRequest
	httpResponse trafficStats`)

func TestAutobahnCaseFilesHaveAutobahnsKeys(t *testing.T) {
	if len(autobahnKeys) != 39 {
		t.Fatalf("test table has %d keys", len(autobahnKeys))
	}
	dir := t.TempDir()
	run := fixtureRun("Fixture Server/1.0")
	if err := reporter.WriteAutobahn(dir, run); err != nil {
		t.Fatal(err)
	}
	var index map[string]map[string]struct {
		ReportFile string `json:"reportfile"`
	}
	readJSON(t, filepath.Join(dir, "index.json"), &index)
	entries := index["Fixture Server/1.0"]
	if len(entries) != len(run.Results)-1 { // NOT RUN is left out, as Autobahn leaves out cases it did not run
		t.Fatalf("index has %d cases, want %d", len(entries), len(run.Results)-1)
	}
	for id, e := range entries {
		var doc map[string]json.RawMessage
		readJSON(t, filepath.Join(dir, e.ReportFile), &doc)
		if len(doc) != 39 {
			t.Errorf("%s: %d keys, want 39", e.ReportFile, len(doc))
		}
		for _, k := range autobahnKeys {
			if _, ok := doc[k]; !ok {
				t.Errorf("%s: key %q missing", e.ReportFile, k)
			}
		}
		if string(doc["id"]) != `"`+id+`"` {
			t.Errorf("%s: id %s, want %q", e.ReportFile, doc["id"], id)
		}
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(reporter.Schema))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(reporter.SchemaFile, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(reporter.SchemaFile)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, run *cases.Run) {
	t.Helper()
	var buf bytes.Buffer
	if err := reporter.WriteJSON(&buf, run); err != nil {
		t.Fatal(err)
	}
	inst, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(inst); err != nil {
		t.Errorf("wsconform.json of %s does not match %s:\n%v", run.Target.Agent, reporter.SchemaFile, err)
	}
}

// slowCases are left out of the real runs to keep the tests fast: the
// performance and compression sections, and cases that wait out a timer.
var slowCases = []string{"9.*", "12.*", "13.*", "6.4.*", "5.19", "5.20", "14.4.*", "15.7.*", "2.10", "2.11", "2.6"}

// realRun starts a reference server and returns a function that runs the
// catalogue (but slowCases) against it through the engine, as the CLI's
// multi-target path does; that function is safe to call in a goroutine.
func realRun(t *testing.T, faults server.Faults) func() *cases.Run {
	t.Helper()
	srv, url, err := server.Start("127.0.0.1:0", server.Config{Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	selected, err := cases.Select(nil, slowCases)
	if err != nil {
		t.Fatal(err)
	}
	env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1}
	return func() *cases.Run {
		eng := engine.New(env, 8)
		defer eng.Close()
		eng.Prefetch(selected)
		for _, c := range selected {
			eng.Await(context.Background(), c)
		}
		return engine.Collect(eng, selected, cases.Run{Tool: "wsconform test", Target: cases.TargetInfo{URL: url, Agent: "reference"},
			Selection: cases.Selection{Exclude: slowCases, Parallel: 8, Scale: 1}, Started: t0})
	}
}

func TestSchemaValidatesRuns(t *testing.T) {
	s := compileSchema(t)
	validate(t, s, fixtureRun("fixture"))
	runGood := realRun(t, server.Faults{})
	runBad := realRun(t, server.Faults{SkipUTF8Validation: true, AcceptRSV: true, IgnorePing: true})
	var good, bad *cases.Run
	done := make(chan bool)
	go func() { good = runGood(); done <- true }()
	bad = runBad()
	<-done
	if len(good.Results) == 0 {
		t.Fatal("the real run has no results")
	}
	validate(t, s, good)
	validate(t, s, bad)
	crashed := fixtureRun("fixture")
	crashed.TargetDown = &cases.TargetDown{At: time.Now(), Error: "connection refused",
		InFlight: []string{"1.1.1", "14.2.1"}, CutOff: []string{"1.1.1", "14.2.1"}, KilledBy: []string{"14.2.1"}}
	validate(t, s, crashed)
	validate(t, s, overTLS())

	// The schema must reject what it documents as wrong, or it checks nothing.
	broken := fixtureRun("fixture")
	broken.Results[0].Behavior = "PASSED"
	var buf bytes.Buffer
	reporter.WriteJSON(&buf, broken)
	inst, _ := jsonschema.UnmarshalJSON(&buf)
	if err := s.Validate(inst); err == nil {
		t.Error("the schema accepts an unknown verdict")
	}
}

// overTLS is the fixture run of a wss:// target reached with options.
func overTLS() *cases.Run {
	run := fixtureRun("fixture")
	run.Target.URL = "wss://wsconform.test:9443/"
	run.Target.Options = []string{"--ca", "/etc/wsconform/ca.pem", "--proxy", "socks5://u:xxxxx@127.0.0.1:1080"}
	run.Target.TLS = &cases.TLSInfo{Version: "TLS 1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", ALPN: "http/1.1",
		ServerName: "wsconform.test", Verified: true, Chain: []cases.CertInfo{
			{Subject: "CN=wsconform.test", Issuer: "CN=Test CA", NotBefore: t0, NotAfter: t0.Add(90 * 24 * time.Hour), SHA256: strings.Repeat("ab", 32)},
			{Subject: "CN=Test CA", Issuer: "CN=Test CA", NotBefore: t0, NotAfter: t0.Add(900 * 24 * time.Hour), SHA256: strings.Repeat("cd", 32)},
		}}
	return run
}

// The TLS session is data the HTML header shows; reporter never sees a socket.
func TestHTMLShowsTheTLSSession(t *testing.T) {
	var buf bytes.Buffer
	if err := reporter.WriteHTML(&buf, reporter.DefaultGate(false), overTLS(), fixtureRun("plain")); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{
		"TLS 1.3 · TLS_AES_128_GCM_SHA256 · ALPN http/1.1 · certificate verified for wsconform.test",
		"certificate CN=wsconform.test (issuer CN=Test CA; valid 2026-11-25 to 2027-02-23)",
		"issued by CN=Test CA (issuer CN=Test CA; valid 2026-11-25 to 2029-05-13)",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the header lacks %q", want)
		}
	}
	if n := strings.Count(html, `class="tls"`); n != 1 {
		t.Errorf("%d TLS lines, want 1: the plain target has none", n)
	}
	unverified := overTLS()
	unverified.Target.TLS.Verified = false
	buf.Reset()
	reporter.WriteHTML(&buf, reporter.DefaultGate(false), unverified)
	if !strings.Contains(buf.String(), `<span class="warn">certificate not verified</span>`) {
		t.Error("an unverified certificate is not flagged")
	}
}

func TestJSONRoundTrip(t *testing.T) {
	dir := t.TempDir()
	run := fixtureRun("fixture")
	if err := reporter.WriteFiles(dir, run); err != nil {
		t.Fatal(err)
	}
	back, err := reporter.ReadJSON(filepath.Join(dir, reporter.JSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var a, b bytes.Buffer
	reporter.WriteJSON(&a, run)
	reporter.WriteJSON(&b, back)
	if a.String() != b.String() {
		t.Errorf("ReadJSON(WriteJSON(run)) differs from run")
	}
}

func TestJUnitShape(t *testing.T) {
	var buf bytes.Buffer
	if err := reporter.WriteJUnit(&buf, reporter.DefaultGate(false), fixtureRun("x")); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests, Failures, Errors, Skipped int `xml:",attr"`
		Suites                           []struct {
			Cases []struct {
				Name      string    `xml:"name,attr"`
				Classname string    `xml:"classname,attr"`
				Failure   *struct{} `xml:"failure"`
				Error     *struct{} `xml:"error"`
				Skipped   *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	// encoding/xml matches attribute names case-sensitively: read them by hand.
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "wirelog") || strings.Contains(buf.String(), "818001020304") {
		t.Error("the JUnit file carries the wire log")
	}
	want := map[string]string{ // id -> failure, error, skipped or pass
		"1.1.1": "pass", "3.2": "pass", "7.1.6": "pass", "7.3.2": "failure", "9.1.1": "pass", "10.1.1": "error", "12.1.1": "skipped",
	}
	for _, c := range doc.Suites[0].Cases {
		id := strings.Fields(c.Name)[0]
		got := "pass"
		switch {
		case c.Failure != nil:
			got = "failure"
		case c.Error != nil:
			got = "error"
		case c.Skipped != nil:
			got = "skipped"
		}
		if got != want[id] {
			t.Errorf("%s: %s, want %s", id, got, want[id])
		}
		if sec := strings.SplitN(id, ".", 2)[0]; !strings.HasPrefix(c.Classname, sec+" ") {
			t.Errorf("%s: classname %q is not its section", id, c.Classname)
		}
	}
}

func TestHTMLIsSelfContained(t *testing.T) {
	var buf bytes.Buffer
	if err := reporter.WriteHTML(&buf, reporter.DefaultGate(false), fixtureRun("a"), fixtureRun("b")); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	if m := regexp.MustCompile(`(?i)(src|href)\s*=\s*"(https?:)?//|url\(|@import`).FindString(html); m != "" {
		t.Errorf("the page loads something from outside: %q", m)
	}
	for _, want := range []string{
		`id="detail-1/7.3.2"`, // a detail per case and target
		`id="wire-0/1.1.1"`,   // its wire log, as inert JSON
		`wsconform run ws://127.0.0.1:9001/ --cases 7.3.2`, // the reproduce command
		`data-verdicts="FAILED|close:WRONG CODE"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	if n := strings.Count(html, `<tr class="case"`); n != 7 {
		t.Errorf("matrix has %d rows, want 7", n)
	}
	// The wire log is JSON-escaped inside its script block: no raw "</".
	wire := regexp.MustCompile(`(?s)<script type="application/json" id="wire-0/1.1.1">(.*?)</script>`).FindStringSubmatch(html)
	var entries []observed.Entry
	if wire == nil || json.Unmarshal([]byte(wire[1]), &entries) != nil || len(entries) != 5 {
		t.Errorf("wire log block does not hold the 5 entries: %v", wire)
	}
}
