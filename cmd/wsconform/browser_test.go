package main_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
)

var screenshot = flag.String("screenshot", "", "also save a screenshot of the report to this file (e.g. ../../docs/report.png)")

// chromium finds a headless-capable Chromium; `make deps` installs Debian's.
// Without one the test fails: a browser test that skips in silence proves
// nothing. WSCONFORM_SKIP_BROWSER=1 skips it on purpose (CI never sets it).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("WSCONFORM_SKIP_BROWSER") != "" {
		t.Skip("WSCONFORM_SKIP_BROWSER is set: the report's browser test is skipped")
	}
	t.Fatal("no Chromium found (chromium, chromium-browser or google-chrome on PATH): run `make deps` to install Debian's chromium, or set WSCONFORM_SKIP_BROWSER=1 to skip this test")
	return ""
}

// headless runs Chromium on url with extra (--dump-dom, --screenshot=...)
// and returns its standard output.
func headless(t *testing.T, bin, url string, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}, extra...)
	cmd := exec.CommandContext(ctx, bin, append(args, url)...)
	cmd.Dir = t.TempDir()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", extra, err, stderr.String())
	}
	return string(out)
}

// TestHTMLReportInBrowser runs two targets (one broken) into one report,
// opens it in headless Chromium with a filter and a case's wire log
// selected through the URL hash, and checks what the page shows.
func TestHTMLReportInBrowser(t *testing.T) {
	bin := chromium(t)
	good := startServer(t, server.Config{})
	broken := startServer(t, server.Config{Faults: brokenFaults})
	out := t.TempDir()
	config := filepath.Join(t.TempDir(), "wsconform.json")
	os.WriteFile(config, []byte(`{
  "outdir": "`+out+`",
  "cases": ["1.*", "2.*", "3.*", "4.*", "5.*", "7.*"], "exclude-cases": ["5.19", "5.20"],
  "targets": [{"agent": "reference", "url": "`+good+`", "parallel": 8},
              {"agent": "broken", "url": "`+broken+`", "parallel": 4}]
}`), 0o644)
	if r := wsconform(t, "run", "--config", config); r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	var runs []*cases.Run
	for _, agent := range []string{"reference", "broken"} {
		run, err := reporter.ReadJSON(filepath.Join(out, reporter.JSONFileFor(agent)))
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}

	// What the page should show, from the results files.
	failedPerTarget := []int{0, 0}
	failedRows := map[string]bool{}
	var open cases.Result
	for i, run := range runs {
		for _, r := range run.Results {
			if r.Behavior == cases.Failed {
				failedPerTarget[i]++
				failedRows[r.ID] = true
				if i == 1 && open.ID == "" && len(r.WireLog) > 0 {
					open = r
				}
			}
		}
	}
	if failedPerTarget[1] == 0 || open.ID == "" {
		t.Fatal("the broken target failed no case; the test needs differing verdicts")
	}

	page := "file://" + filepath.Join(out, reporter.HTMLFile)
	dom := headless(t, bin, page+"#v=FAILED&open=1/"+open.ID+"&wire=1", "--dump-dom")

	// Summary counts, per target.
	for i, want := range failedPerTarget {
		re := regexp.MustCompile(`(?s)<tr class="target" data-target="` + fmt.Sprint(i) + `">.*?data-v="FAILED" data-count="(\d+)"`)
		if m := re.FindStringSubmatch(dom); m == nil || m[1] != fmt.Sprint(want) {
			t.Errorf("summary of target %d shows FAILED %v, want %d", i, m, want)
		}
	}
	// The matrix: one verdict cell per case and target, FAILED ones as many as the files say.
	if got, want := strings.Count(dom, `<td class="verdict`), len(runs[0].Results)+len(runs[1].Results); got != want {
		t.Errorf("matrix has %d verdict cells, want %d", got, want)
	}
	if got, want := len(regexp.MustCompile(`<td class="verdict[^"]*" data-v="FAILED"`).FindAllString(dom, -1)), failedPerTarget[0]+failedPerTarget[1]; got != want {
		t.Errorf("matrix has %d FAILED cells, want %d", got, want)
	}
	// The filter from the hash: only rows with a FAILED verdict are shown.
	rows := regexp.MustCompile(`<tr class="case"[^>]*>`).FindAllString(dom, -1)
	shown := 0
	for _, row := range rows {
		if !strings.Contains(row, " hidden") {
			shown++
			if id := regexp.MustCompile(`data-id="([^"]+)"`).FindStringSubmatch(row)[1]; !failedRows[id] {
				t.Errorf("the FAILED filter shows %s, which failed nowhere", id)
			}
		}
	}
	if shown != len(failedRows) || !strings.Contains(dom, `id="shown">`+fmt.Sprint(len(failedRows))+`<`) {
		t.Errorf("filter shows %d rows, want %d", shown, len(failedRows))
	}
	// The opened case: its detail is visible and its wire log rendered, one row per entry.
	detail := regexp.MustCompile(`(?s)<article class="detail" id="detail-1/` + regexp.QuoteMeta(open.ID) + `"[^>]*>(.*?)</article>`).FindStringSubmatch(dom)
	if detail == nil {
		t.Fatalf("no detail for %s in the page", open.ID)
	}
	if strings.Contains(regexp.MustCompile(`<article[^>]*>`).FindString(detail[0]), "hidden") {
		t.Errorf("the detail of %s is still hidden", open.ID)
	}
	if got := strings.Count(detail[1], `<tr class="entry `); got != len(open.WireLog) {
		t.Errorf("wire log of %s shows %d rows, want %d", open.ID, got, len(open.WireLog))
	}
	if !strings.Contains(detail[1], open.Reproduce) {
		t.Errorf("the detail of %s lacks the reproduce command %q", open.ID, open.Reproduce)
	}

	if *screenshot != "" {
		headless(t, bin, page+"#v=gate&open=1/"+open.ID, "--window-size=1800,1000", "--hide-scrollbars", "--screenshot="+mustAbs(t, *screenshot))
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
