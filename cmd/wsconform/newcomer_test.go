package main_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

func TestVersionCommand(t *testing.T) {
	r := wsconform(t, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "wsconform ") || !strings.Contains(r.stdout, cases.CatalogueDigest()) {
		t.Errorf("exit %d, stdout %q: want the version and catalogue digest", r.code, r.stdout)
	}
}

// An --out that cannot be written is one line and exit 2 before any case
// runs, for a single target and for a config file's outdir.
func TestOutCheckedBeforeTheRun(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	os.WriteFile(file, []byte("x"), 0o644)
	unwritable := filepath.Join(file, "reports")
	config := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(config, []byte(`{"outdir": "`+unwritable+`", "targets": [{"agent": "a", "url": "ws://127.0.0.1:9/"}]}`), 0o644)
	for _, args := range [][]string{
		{"run", "--out", unwritable},
		{"run", "--config", config},
	} {
		r := wsconform(t, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], unwritable) {
			t.Errorf("%v: exit %d, stderr %q: want exit 2 and one line naming the directory", args, r.code, r.stderr)
		}
		if r.stdout != "" {
			t.Errorf("%v: the run started before --out was checked:\n%s", args, r.stdout)
		}
	}
}

func TestConfigKeysAreChecked(t *testing.T) {
	tests := []struct {
		name, config, want string
	}{
		{"misspelled key", `{"exclude_cases": ["9.*"], "servers": [{"agent": "a", "url": "ws://127.0.0.1:9/"}]}`,
			`unknown key "exclude_cases" (did you mean "exclude-cases"?)`},
		{"unknown target key", `{"servers": [{"agent": "a", "url": "ws://127.0.0.1:9/", "paralel": 2}]}`, `unknown key "paralel"`},
		{"failByDrop true", `{"options": {"failByDrop": true}, "servers": [{"agent": "a", "url": "ws://127.0.0.1:9/"}]}`,
			"options.failByDrop true is not supported"},
		{"unknown option", `{"options": {"failByDrop": false, "openHandshakeTimeout": 5}, "servers": [{"agent": "a", "url": "ws://127.0.0.1:9/"}]}`,
			`unknown key "openHandshakeTimeout"`},
		{"old protocol version", `{"servers": [{"agent": "a", "url": "ws://127.0.0.1:9/", "options": {"version": 0}}]}`,
			"options.version 0 is not supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			config := filepath.Join(t.TempDir(), "fuzzingclient.json")
			os.WriteFile(config, []byte(tc.config), 0o644)
			r := wsconform(t, "run", "--config", config, "--out", "")
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, stderr %q: want exit 2 and one line containing %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

// serveMute answers the opening handshake, then reads and discards
// everything and never answers: every case ends at our timers.
func serveMute(t *testing.T) string {
	return "ws://" + serveTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if _, ok, _ := handshake.Answer(c, br); ok {
			io.Copy(io.Discard, br)
		}
	}) + "/"
}

func TestSlowTargetGetsTimeoutScaleHint(t *testing.T) {
	r := wsconform(t, "run", serveMute(t), "--cases", "1.1.1,1.1.2,2.2", "--out", "")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !regexp.MustCompile(`hint: 3 of the 3 failing cases ended when our timer ran out.*--timeout-scale 4`).MatchString(r.stdout) {
		t.Errorf("no --timeout-scale hint:\n%s", r.stdout)
	}
}

// Plain progress (CI logs) prints a line whenever the interval passes
// without one, even while no case finishes.
func TestPlainProgressHeartbeat(t *testing.T) {
	url := startServer(t, server.Config{Faults: server.Faults{IgnorePing: true}})
	r := wsconform(t, "run", url, "--cases", "2.2,2.3", "--parallel", "1", "--progress", "lines", "--progress-every", "200ms", "--out", "")
	if n := strings.Count(r.stderr, ", still running"); n < 2 {
		t.Errorf("%d heartbeat lines, want at least 2 (cases wait about a second each for pongs):\n%s", n, r.stderr)
	}
}

func TestFuzzShowsProgress(t *testing.T) {
	r := wsconform(t, "fuzz", "--duration", "1500ms", "--progress-every", "300ms", "--out", "")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := len(regexp.MustCompile(`(?m)^fuzz \d+s: \d+ sessions, \d+/s, corpus \d+, \d+ distinct answers, 0 findings$`).FindAllString(r.stderr, -1)); n < 2 {
		t.Errorf("%d progress lines, want at least 2:\n%s", n, r.stderr)
	}
}

// `wsconform run | head -1`: the reader goes away early; the run must
// still finish, write its reports and exit as it would have.
func TestClosedStdoutDoesNotKillTheRun(t *testing.T) {
	out := t.TempDir()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--cases", "1.1.*", "--out", out)
	cmd.Stdout = pw
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	pr.Close() // the reader is gone before the summary is printed
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("the run did not end")
	}
	if err != nil {
		t.Fatalf("%v (want exit 0 although stdout is a broken pipe)\n%s", err, stderr.String())
	}
	if run := readRun(t, out); len(run.Results) != 8 {
		t.Errorf("%d results written, want 8", len(run.Results))
	}
}

func TestFuzzInterruptExits130(t *testing.T) {
	cmd := exec.Command(binary, "fuzz", "--duration", "1m", "--out", "")
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	cmd.Process.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Fatalf("exit %v, want 130\n%s", err, stdout.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("fuzz did not stop within 20 s of SIGINT")
	}
	if !strings.Contains(stdout.String(), "sessions against") {
		t.Errorf("no summary after the interrupt:\n%s", stdout.String())
	}
}

// The same heartbeat in a --config run.
func TestConfigRunProgressHeartbeat(t *testing.T) {
	url := startServer(t, server.Config{Faults: server.Faults{IgnorePing: true}})
	config := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(config, []byte(`{"cases": ["2.2", "2.3"], "targets": [{"agent": "quiet", "url": "`+url+`", "parallel": 1}]}`), 0o644)
	r := wsconform(t, "run", "--config", config, "--progress", "lines", "--progress-every", "200ms", "--out", "")
	if !regexp.MustCompile(`(?m)^quiet: \d/2 done, \d failing, [\d.]+s, still running$`).MatchString(r.stderr) {
		t.Errorf("no heartbeat line from the config run:\n%s", r.stderr)
	}
}

// A bad --memory-limit is one line and exit 2 before anything runs.
func TestMemoryLimitFlagChecked(t *testing.T) {
	for _, args := range [][]string{
		{"run", "--memory-limit", "lots", "--cases", "1.1.1", "--out", ""},
		{"--memory-limit", "1KiB", "run", "--cases", "1.1.1", "--out", ""},
		{"fuzz", "ws://127.0.0.1:9/", "--memory-limit", "-5MiB"},
	} {
		r := wsconform(t, args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], "--memory-limit") || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q: want exit 2, one line naming --memory-limit, nothing run", args, r.code, r.stdout, r.stderr)
		}
	}
	if r := wsconform(t, "version", "--memory-limit", "64MiB"); r.code != 0 {
		t.Errorf("version --memory-limit 64MiB: exit %d, stderr %q", r.code, r.stderr)
	}
}
