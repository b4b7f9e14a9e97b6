package probe_test

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// startNodeH2 runs testdata/h2node/server.js (Node's http2 module, h2c)
// until the test ends and returns its ws:// URL.
func startNodeH2(t *testing.T, args ...string) string {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed (make deps installs it)")
	}
	cmd := exec.Command(node, append([]string{"testdata/h2node/server.js"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		if sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	select {
	case line := <-lines:
		port, ok := strings.CutPrefix(line, "listening ")
		if !ok {
			t.Fatalf("node said %q", line)
		}
		return "ws://127.0.0.1:" + port + "/"
	case <-time.After(30 * time.Second):
		t.Fatal("node did not start in 30 s")
	}
	return ""
}

// Section 20 and part of the frame-level catalogue against Node's http2
// module (nghttp2 underneath) with enableConnectProtocol: the HTTP/2
// layer under test is real third-party software. Without the setting,
// every section 20 case is UNIMPLEMENTED and no extended CONNECT is sent.
func TestSection20AgainstNode(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		sel  []string
		want cases.Verdict
	}{
		{"enableConnectProtocol", nil, []string{"20", "1.1", "2.2", "5.1", "7.1.1"}, cases.OK},
		{"without the setting", []string{"no-connect-protocol"}, []string{"20"}, cases.Unimplemented},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := startNodeH2(t, tc.args...)
			for id, r := range runOver(t, url, true, selectCases(t, tc.sel, nil)) {
				if r.Behavior != tc.want {
					t.Errorf("%s: %s, want %s: %s", id, r.Behavior, tc.want, r.Reason)
				}
				if tc.want == cases.Unimplemented && strings.Contains(wireText(r), "send HEADERS") {
					t.Errorf("%s: an extended CONNECT was sent without the setting", id)
				}
			}
		})
	}
}
