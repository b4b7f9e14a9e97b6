package main_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

var binary string

func TestMain(m *testing.M) {
	if os.Getenv(crashServerEnv) != "" {
		serveUntilCrash() // this process is the crashing target of TestTargetCrashNamesTheKiller
		return
	}
	dir, err := os.MkdirTemp("", "wsconform-cli")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "wsconform")
	if out, err := exec.Command("go", "build", "-race", "-o", binary, ".").CombinedOutput(); err != nil {
		panic("building the CLI: " + err.Error() + "\n" + string(out))
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type cliResult struct {
	code           int
	stdout, stderr string
}

// wsconform runs the CLI with a deadline and returns its exit code and output.
func wsconform(t *testing.T, args ...string) cliResult {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer timer.Stop()
	err := cmd.Wait()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return cliResult{code, stdout.String(), stderr.String()}
}

func readRun(t *testing.T, dir string) *cases.Run {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "wsconform.json"))
	if err != nil {
		t.Fatal(err)
	}
	var run cases.Run
	if err := json.Unmarshal(b, &run); err != nil {
		t.Fatal(err)
	}
	return &run
}

func startServer(t *testing.T, cfg server.Config) string {
	srv, url, err := server.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return url
}

func TestRunEmbeddedServerPasses(t *testing.T) {
	out := t.TempDir()
	r := wsconform(t, "run", "--cases", "1.*,2.*,3.*", "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	run := readRun(t, out)
	if len(run.Results) != 34 || !run.Target.Embedded {
		t.Fatalf("got %d results (embedded=%t), want 34 from the embedded server", len(run.Results), run.Target.Embedded)
	}
	if run.Catalogue != cases.CatalogueDigest() {
		t.Errorf("wsconform.json names catalogue %q, want %q", run.Catalogue, cases.CatalogueDigest())
	}
	for _, res := range run.Results {
		if res.Behavior != cases.OK || res.BehaviorClose != cases.CloseOK {
			t.Errorf("%s: %s/%s: %s", res.ID, res.Behavior, res.BehaviorClose, res.Reason)
		}
	}
	var index map[string]map[string]map[string]any
	b, err := os.ReadFile(filepath.Join(out, "autobahn", "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if got := len(index["wsconform-reference"]); got != 34 {
		t.Errorf("autobahn/index.json has %d cases for the agent, want 34", got)
	}
	if cell := index["wsconform-reference"]["2.10"]; cell["behavior"] != "OK" || cell["reportfile"] != "wsconform_reference_case_2_10.json" {
		t.Errorf("autobahn/index.json cell 2.10 = %v", cell)
	}
	if strings.Contains(r.stdout, "--timeout-scale") {
		t.Errorf("a passing run got a --timeout-scale hint:\n%s", r.stdout)
	}
}

// The embedded server's port dies with the run: its reproduce command
// must start a new one, and must work.
func TestEmbeddedReproduceCommandWorks(t *testing.T) {
	out := t.TempDir()
	if r := wsconform(t, "run", "--cases", "5.1", "--out", out); r.code != 0 {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	run := readRun(t, out)
	cmd := run.Results[0].Reproduce
	if cmd != "wsconform run --cases 5.1" {
		t.Fatalf("reproduce = %q, want the command that starts the embedded server", cmd)
	}
	args := append(strings.Fields(cmd)[1:], "--out", "")
	if r := wsconform(t, args...); r.code != 0 || !strings.Contains(r.stdout, "1 cases against wsconform-reference") {
		t.Errorf("%s: exit %d\n%s%s", cmd, r.code, r.stdout, r.stderr)
	}
}

func TestBadInputExits2WithOneLine(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	unreachable := "ws://" + closed.Addr().String() + "/"
	closed.Close()
	plainHTTP := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("hello")) }))
	t.Cleanup(plainHTTP.Close)

	tests := []struct {
		name string
		args []string
		want string // in the error line
	}{
		{"unreachable host", []string{"run", unreachable}, "connection refused"},
		{"not a WebSocket server", []string{"run", "ws" + strings.TrimPrefix(plainHTTP.URL, "http")}, "not a WebSocket server"},
		{"http scheme", []string{"run", "http://127.0.0.1:9/"}, "scheme must be ws or wss"},
		{"no host", []string{"run", "ws:///path"}, "no host"},
		{"unknown host", []string{"run", "ws://no-such-host.invalid/"}, "no-such-host.invalid"},
		{"no case matches", []string{"run", "--cases", "99.*"}, "no case matches"},
		{"bad label filter", []string{"run", "--label-filter", "(("}, "bad --label-filter"},
		{"zero parallel", []string{"run", "--parallel", "0"}, "--parallel"},
		{"unknown flag", []string{"run", "--no-such-flag"}, "unknown flag"},
		{"list bad format", []string{"list", "--format", "yaml"}, "unknown --format"},
		{"label filter matches nothing", []string{"run", "--label-filter", "no-such-label"}, `no case matches --label-filter "no-such-label"`},
		{"label filter and cases match nothing", []string{"run", "--cases", "1.*", "--label-filter", "compression"}, "no case matches --label-filter"},
		{"list: label filter matches nothing", []string{"list", "--label-filter", "no-such-label"}, "no case matches --label-filter"},
		{"list: cases match nothing", []string{"list", "--cases", "99.*"}, "no case matches --cases 99.*"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := tc.args
			if args[0] == "run" {
				args = append(args, "--out", "")
			}
			r := wsconform(t, args...)
			if r.code != 2 {
				t.Fatalf("exit %d, want 2\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
			}
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr should be one line containing %q, got:\n%s", tc.want, r.stderr)
			}
		})
	}
}

func TestNonConformantTargetExits1(t *testing.T) {
	url := startServer(t, server.Config{Faults: server.Faults{AcceptRSV: true}})
	out := t.TempDir()
	r := wsconform(t, "run", url, "--cases", "3.*", "--out", out, "--agent", "rsv-ignorer")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, id := range []string{"3.1", "3.2", "3.5", "3.6"} {
		if !strings.Contains(r.stdout, id+" ") {
			t.Errorf("the summary does not name failing case %s:\n%s", id, r.stdout)
		}
	}
	if run := readRun(t, out); run.Target.Agent != "rsv-ignorer" {
		t.Errorf("agent %q, want rsv-ignorer", run.Target.Agent)
	}
}

// crashingListener lets `survive` connections through, then the server
// "crashes": the listener and every connection close.
type crashingListener struct {
	net.Listener
	accepted atomic.Int32
	survive  int32
	crash    func()
}

func (l *crashingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil && l.accepted.Add(1) > l.survive {
		c.Close()
		go l.crash()
		return nil, net.ErrClosed
	}
	return c, err
}

func TestTargetCrashMidRun(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{})
	cl := &crashingListener{Listener: ln, survive: 8}
	cl.crash = func() { srv.Close(); ln.Close() }
	go srv.Serve(cl)
	t.Cleanup(func() { srv.Close(); ln.Close() })

	out := t.TempDir()
	r := wsconform(t, "run", "ws://"+ln.Addr().String()+"/", "--cases", "1.*,2.*,3.*", "--parallel", "2", "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "stopped accepting connections") {
		t.Errorf("the summary does not say the target went down:\n%s", r.stdout)
	}
	run := readRun(t, out)
	if run.TargetDown == nil || len(run.TargetDown.InFlight) == 0 {
		t.Fatalf("targetDown = %+v, want the cases in flight named", run.TargetDown)
	}
	notRun := 0
	for _, res := range run.Results {
		if res.Behavior == cases.NotRun {
			notRun++
		}
	}
	if notRun == 0 {
		t.Errorf("no case is NOT RUN after the target went down")
	}
}

func TestInterruptWritesPartialReport(t *testing.T) {
	// A server that never answers pings makes each section-2 case wait for
	// its timer, so the run is still going when we interrupt it.
	url := startServer(t, server.Config{Faults: server.Faults{IgnorePing: true}})
	config := filepath.Join(t.TempDir(), "c.json")
	os.WriteFile(config, []byte(`{"cases": ["2.*"], "targets": [{"agent": "quiet", "url": "`+url+`", "parallel": 1}]}`), 0o644)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"one target", []string{"run", url, "--cases", "2.*", "--parallel", "1"}},
		{"config file", []string{"run", "--config", config}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			cmd := exec.Command(binary, append(tc.args, "--out", out, "--progress", "lines", "--progress-every", "100ms")...)
			var stdout bytes.Buffer
			cmd.Stdout = &stdout
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			// Interrupt once a case has finished (progress says so).
			finished := regexp.MustCompile(`: [1-9]\d*/\d+ done`)
			lines := bufio.NewScanner(stderr)
			for lines.Scan() && !finished.MatchString(lines.Text()) {
			}
			cmd.Process.Signal(syscall.SIGINT)
			go io.Copy(io.Discard, stderr)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				t.Fatal("wsconform did not stop within 20 s of SIGINT")
			case err := <-done:
				var exit *exec.ExitError
				if !errors.As(err, &exit) || exit.ExitCode() != 130 {
					t.Fatalf("exit %v, want 130 (interrupted)\n%s", err, stdout.String())
				}
			}
			run := readRun(t, out)
			if !run.Interrupted {
				t.Error("the results do not say the run was interrupted")
			}
			ran, notRun := 0, 0
			for _, res := range run.Results {
				if res.Behavior == cases.NotRun {
					notRun++
				} else {
					ran++
				}
			}
			if ran == 0 || notRun == 0 {
				t.Errorf("want some cases finished and some NOT RUN, got %d and %d", ran, notRun)
			}
		})
	}
}
