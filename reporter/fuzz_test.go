package reporter

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFuzzReports: both files are written, the JSON reads back, the page
// shows the finding and its reproduce command, and a finding with
// thousands of steps and a huge request stays bounded.
func TestFuzzReports(t *testing.T) {
	steps := make([]string, 5000)
	for i := range steps {
		steps[i] = strings.Repeat("x", 100)
	}
	run := FuzzRun{Target: "ws://127.0.0.1:1/", Seed: 7, Parallel: 4, Seeds: 574, Execs: 1000, Corpus: 80, Answers: 77,
		Elapsed: 3 * time.Second, ExecsPerSec: 333, AnswerShapes: []FuzzAnswer{{"101 | close frame 1002", 12}},
		Findings: []FuzzFinding{{Kind: "crash", Rule: "target-down", Detail: "after this session <b>", Request: strings.Repeat("X-A: b\r\n", 100000),
			Steps: steps, FoundOctets: 5000, FoundSteps: 5000, SavedOctets: 10, SavedSteps: 1, Replay: "wsconform fuzz ws://127.0.0.1:1/ --replay f.json"},
			{Kind: "drop", Rule: "close-payload-one-octet", Detail: "reset TCP"}}}
	dir := t.TempDir()
	if err := WriteFuzzReports(dir, run); err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(dir, FuzzJSONFile))
	if err != nil {
		t.Fatal(err)
	}
	var back FuzzRun
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatal(err)
	}
	if back.Execs != 1000 || len(back.Findings) != 2 || len(back.Findings[0].Steps) != MaxFuzzSteps+1 || len(back.Findings[0].Request) > MaxText+100 {
		t.Fatalf("read back: %d execs, findings %d, steps %d, request %d octets", back.Execs, len(back.Findings), len(back.Findings[0].Steps), len(back.Findings[0].Request))
	}
	page, err := os.ReadFile(filepath.Join(dir, FuzzHTMLFile))
	if err != nil {
		t.Fatal(err)
	}
	// A crash and a drop are told apart, each kind with its meaning.
	for _, want := range []string{"<td>crash</td><td>1</td><td>the server process went down", "<td>drop</td><td>1</td><td>the server closed or reset this connection",
		"target-down", "--replay f.json", "5000 octets in 5000 steps as found, 10 octets in 1 steps", "after this session &lt;b&gt;"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("page lacks %q", want)
		}
	}
	if len(js) > 64<<10 || len(page) > 64<<10 {
		t.Errorf("JSON %d octets, page %d octets: not bounded", len(js), len(page))
	}
}

// A finding's request keeps its credential fields' names, not their values.
func TestFuzzReportsRedactCredentials(t *testing.T) {
	req := "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer s3cret\r\nCookie: sid=c00kie\r\n\r\n"
	run := FuzzRun{Target: "ws://127.0.0.1:1/", Findings: []FuzzFinding{{Kind: "violation", Rule: "r", Request: req}}}
	dir := t.TempDir()
	if err := WriteFuzzReports(dir, run); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{FuzzJSONFile, FuzzHTMLFile} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte("s3cret")) || bytes.Contains(b, []byte("c00kie")) {
			t.Errorf("%s shows a credential", name)
		}
		if !bytes.Contains(b, []byte("Authorization: ")) || !bytes.Contains(b, []byte("redacted&gt;")) && !bytes.Contains(b, []byte(`\u003credacted\u003e`)) {
			t.Errorf("%s lacks the redacted field", name)
		}
	}
}
