package main_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
)

func TestClientsBrowserBadInput(t *testing.T) {
	r := wsconform(t, "clients", "--browser", filepath.Join(t.TempDir(), "no-such-browser"), "--addr", "127.0.0.1:0")
	if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "--browser") {
		t.Errorf("exit %d, stderr %q; want exit 2 and one line naming --browser", r.code, r.stderr)
	}
}

// TestClientsBrowser certifies headless Chromium through
// `wsconform clients --browser`: protocol cases played through the page's
// WebSocket object, section 16 client rules, and WebSocket API checks,
// all in the report of one agent named after the browser. 7.9.1 is a
// Chromium finding checked by hand (notes/browser.md): it answers a close
// frame carrying code 0 with a close frame carrying code 0, which §7.4
// lets no endpoint send; so the run exits 1.
func TestClientsBrowser(t *testing.T) {
	bin := chromium(t)
	out := t.TempDir()
	r := wsconform(t, "clients", "--browser", bin, "--addr", "127.0.0.1:0", "--out", out,
		"--cases", "1.1.1,5.19,7.9.1,16.1.1,16.1.10,16.3.1,16.4.1,16.5.2,16.10.2,16.12.2,16.15.3")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (7.9.1)\n%s%s", r.code, r.stdout, r.stderr)
	}
	run := readRun(t, out)
	if !strings.HasPrefix(run.Target.Agent, "Chromium ") {
		t.Errorf("agent %q, want the browser's name and version", run.Target.Agent)
	}
	want := map[string]cases.Verdict{"1.1.1": cases.OK, "5.19": cases.OK, "7.9.1": cases.Failed, "16.1.1": cases.OK, "16.1.10": cases.OK,
		"16.3.1": cases.OK, "16.4.1": cases.OK, "16.5.2": cases.OK, "16.10.2": cases.OK, "16.12.2": cases.OK, "16.15.3": cases.OK}
	if len(run.Results) != len(want) {
		t.Errorf("%d results, want %d", len(run.Results), len(want))
	}
	for _, res := range run.Results {
		if v, ok := want[res.ID]; !ok || res.Behavior != v {
			t.Errorf("%s %s (want %q): %s", res.ID, res.Behavior, v, res.Reason)
		}
	}
}

func TestListClients(t *testing.T) {
	r := wsconform(t, "list", "--clients", "--cases", "16.*")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 1+17+26 || !strings.HasPrefix(lines[1], "16.1.1 ") || !strings.HasPrefix(lines[len(lines)-1], "16.16.2 ") {
		t.Errorf("exit %d, %d lines:\n%s%s", r.code, len(lines), r.stdout, r.stderr)
	}
	if r := wsconform(t, "list", "--cases", "16.*"); r.code != 2 {
		t.Errorf("servers' list of 16.*: exit %d, want 2 (section 16 tests clients only)\n%s", r.code, r.stdout)
	}
	if r := wsconform(t, "list", "--clients", "--cases", "15.*"); r.code != 2 {
		t.Errorf("clients' list of 15.*: exit %d, want 2 (section 15 tests servers only)\n%s", r.code, r.stdout)
	}
}
