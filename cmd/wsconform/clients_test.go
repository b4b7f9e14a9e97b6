package main_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/reporter"
)

func TestClientsBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"addr without port", []string{"clients", "--addr", "localhost"}, "--addr"},
		{"no client case", []string{"clients", "--cases", "14.*"}, "no case that tests clients"},
		{"bad pattern", []string{"clients", "--cases", "[1"}, "bad case pattern"},
		{"scale", []string{"clients", "--timeout-scale", "0"}, "--timeout-scale"},
		{"unknown key", []string{"clients", "--config", write("typo.json", `{"exclude_cases": ["9.*"]}`)}, `did you mean "exclude-cases"`},
		{"wss url without a certificate", []string{"clients", "--config", write("wss.json", `{"url": "wss://127.0.0.1:9001"}`)}, "needs --tls-cert/--tls-key or --self-signed"},
		{"http url", []string{"clients", "--config", write("http.json", `{"url": "http://127.0.0.1:9001"}`)}, "is not ws://host:port"},
		{"tls cert without key", []string{"clients", "--tls-cert", write("c.pem", "x")}, "--tls-cert and --tls-key go together"},
		{"tls cert unreadable", []string{"clients", "--tls-cert", write("c2.pem", "x"), "--tls-key", write("k2.pem", "y")}, "--tls-cert"},
		{"self-signed and cert", []string{"clients", "--self-signed", "--tls-cert", write("c3.pem", "x"), "--tls-key", write("k3.pem", "y")}, "either --self-signed or --tls-cert"},
		{"self-signed-out alone", []string{"clients", "--self-signed-out", filepath.Join(dir, "o.pem")}, "--self-signed-out goes with --self-signed"},
		{"browser over TLS", []string{"clients", "--self-signed", "--browser", "/bin/true"}, "--browser serves its page over plain HTTP"},
		{"failByDrop", []string{"clients", "--config", write("drop.json", `{"options": {"failByDrop": true}}`)}, "failByDrop"},
		{"missing config", []string{"clients", "--config", filepath.Join(dir, "none.json")}, "--config"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := wsconform(t, tc.args...)
			if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and one line with %q", r.code, r.stderr, tc.want)
			}
		})
	}
}

// serving starts `wsconform clients` and returns its address once it
// serves; wait gives its exit code and stdout.
func serving(t *testing.T, args ...string) (addr string, wait func() (int, string)) {
	t.Helper()
	addr, wait, _ = servingProcess(t, args...)
	return addr, wait
}

func servingProcess(t *testing.T, args ...string) (addr string, wait func() (int, string), proc *os.Process) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"clients", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stdout strings.Builder
	cmd.Stdout = &stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	timer := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	t.Cleanup(func() { timer.Stop(); cmd.Process.Kill() })
	line, err := bufio.NewReader(stderr).ReadString('\n')
	m := regexp.MustCompile(`wss?://(\S+)`).FindStringSubmatch(line)
	if err != nil || m == nil {
		t.Fatalf("no serving line: %q %v", line, err)
	}
	go io.Copy(io.Discard, stderr)
	return m[1], func() (int, string) {
		err := cmd.Wait()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		return code, stdout.String()
	}, cmd.Process
}

// echoHarness runs every case for agent, echoing; ignoreClose never
// answers a close frame.
func echoHarness(t *testing.T, addr, agent string, ignoreClose bool) {
	t.Helper()
	echoHarnessWith(t, websocket.DefaultDialer, "ws://"+addr, agent, ignoreClose)
}

// echoHarnessWith is echoHarness with a dialer of its own, to the server
// at base (ws:// or wss://host:port).
func echoHarnessWith(t *testing.T, dialer *websocket.Dialer, base, agent string, ignoreClose bool) {
	t.Helper()
	get := func(path string) []byte {
		c, _, err := dialer.Dial(base+path, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		defer c.Close()
		_, msg, _ := c.ReadMessage()
		return msg
	}
	var n int
	if err := json.Unmarshal(get("/getCaseCount"), &n); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		c, _, err := dialer.Dial(fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, agent), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(30 * time.Second))
		if ignoreClose {
			c.SetCloseHandler(func(int, string) error { return nil })
		}
		for {
			mt, m, err := c.ReadMessage()
			if err != nil {
				break
			}
			c.WriteMessage(mt, m)
		}
		if ignoreClose {
			io.Copy(io.Discard, c.UnderlyingConn()) // until the server gives up on us
		}
		c.Close()
	}
	get("/getCaseInfo?case=1")
}

// TestClientsCommand: two agents through Autobahn's config file, reports
// with a column each, exit 1 for the one that fails, then the same run
// against its own results as baseline passes.
func TestClientsCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "reports")
	config := filepath.Join(dir, "fuzzingserver.json")
	os.WriteFile(config, []byte(`{"url": "ws://127.0.0.1:9001", "outdir": "`+out+`", "options": {"failByDrop": false}, "webport": 8080,
		"cases": ["1.1.1", "2.1", "3.1", "7.1.1", "7.7.8"], "exclude-cases": [], "exclude-agent-cases": {"silent*": ["3.1"]}}`), 0o644)

	run := func(baseline ...string) (int, string) {
		args := []string{"--config", config}
		for _, b := range baseline {
			args = append(args, "--baseline", b)
		}
		addr, wait := serving(t, args...)
		echoHarness(t, addr, "gorilla", false)
		echoHarness(t, addr, "silent", true)
		c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/updateReports?agent=silent&shutdownOnComplete=true", nil)
		if err != nil {
			t.Fatal(err)
		}
		c.ReadMessage()
		c.Close()
		return wait()
	}
	code, stdout := run()
	if code != 1 || !strings.Contains(stdout, "[silent] 7.1.1: OK / FAILED") || !strings.Contains(stdout, "[gorilla] 7.1.1: OK / OK") {
		t.Fatalf("exit %d, want 1:\n%s", code, stdout)
	}
	var index map[string]map[string]struct{ Behavior, BehaviorClose string }
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &index); err != nil {
		t.Fatal(err)
	}
	if got := index["gorilla"]["7.7.8"]; got.Behavior != "OK" || got.BehaviorClose != "OK" {
		t.Errorf("gorilla 7.7.8: %+v", got)
	}
	if _, ok := index["silent"]["3.1"]; ok || len(index["silent"]) != 4 {
		t.Errorf("silent: %v; want 4 cases, 3.1 excluded", index["silent"])
	}
	for _, f := range []string{reporter.HTMLFile, reporter.JUnitFile, reporter.JSONFileFor("gorilla"), reporter.JSONFileFor("silent")} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Against its own results, nothing regressed.
	code, stdout = run(filepath.Join(out, reporter.JSONFileFor("gorilla")), filepath.Join(out, reporter.JSONFileFor("silent")))
	if code != 0 || !strings.Contains(stdout, "[silent] no regression against the baseline") {
		t.Fatalf("with baselines: exit %d, want 0:\n%s", code, stdout)
	}
}

// TestClientsInterrupted: SIGINT stops the server, writes what the agents
// did so far and exits 130.
func TestClientsInterrupted(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	addr, wait, proc := servingProcess(t, "--cases", "1.1.1,1.1.2", "--out", out)
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/runCase?case=1&agent=half", nil)
	if err != nil {
		t.Fatal(err)
	}
	for {
		mt, m, err := c.ReadMessage()
		if err != nil {
			break
		}
		c.WriteMessage(mt, m)
	}
	c.Close()
	controlMessage(t, addr, "/getCaseStatus?case=1&agent=half") // the case is judged
	proc.Signal(syscall.SIGINT)
	code, stdout := wait()
	if code != 130 {
		t.Fatalf("exit %d, want 130:\n%s", code, stdout)
	}
	b, err := os.ReadFile(filepath.Join(out, reporter.JSONFile))
	if err != nil || !strings.Contains(string(b), `"interrupted": true`) || !strings.Contains(string(b), `"NOT RUN"`) {
		t.Errorf("report after SIGINT: %v\n%.400s", err, b)
	}
}

func controlMessage(t *testing.T, addr, path string) []byte {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial("ws://"+addr+path, nil)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, msg, _ := c.ReadMessage()
	return msg
}

// TestClientsOverTLS: `clients --self-signed` serves wss:// (control
// protocol and cases alike) to a real client library that trusts the
// certificate written out; a client that does not trust it gets nowhere.
func TestClientsOverTLS(t *testing.T) {
	dir := t.TempDir()
	cert, out := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "reports")
	addr, wait := serving(t, "--self-signed", "--self-signed-out", cert, "--cases", "1.1.1,2.1,3.1,7.1.1", "--out", out)
	pem, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatalf("%s holds no certificate", cert)
	}
	if _, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/getCaseCount", nil); err == nil {
		t.Fatal("a plain ws:// client got an answer from the wss:// server")
	}
	var untrusting websocket.Dialer
	if _, _, err := untrusting.Dial("wss://"+addr+"/getCaseCount", nil); err == nil {
		t.Fatal("a client that does not trust the self-signed certificate connected")
	}
	trusting := &websocket.Dialer{TLSClientConfig: &tls.Config{RootCAs: pool}, HandshakeTimeout: 10 * time.Second}
	echoHarnessWith(t, trusting, "wss://"+addr, "gorilla-tls", false)
	c, _, err := trusting.Dial("wss://"+addr+"/updateReports?agent=gorilla-tls&shutdownOnComplete=true", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.ReadMessage()
	c.Close()
	code, stdout := wait()
	if code != 0 {
		t.Fatalf("exit %d, want 0 (gorilla passes these cases over TLS):\n%s", code, stdout)
	}
	for _, id := range []string{"1.1.1", "2.1", "3.1", "7.1.1"} {
		if !strings.Contains(stdout, "[gorilla-tls] "+id+": OK / OK") {
			t.Errorf("no OK / OK for %s:\n%s", id, stdout)
		}
	}
	// A case served again is served over TLS too.
	run := readRun(t, out)
	if got, want := run.Results[0].Reproduce, "wsconform clients --self-signed --cases "+run.Results[0].ID; got != want {
		t.Errorf("reproduce %q, want %q", got, want)
	}
}
