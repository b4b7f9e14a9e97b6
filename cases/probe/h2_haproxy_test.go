package probe_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// startHAProxyH2 runs Debian's haproxy with an h2c frontend (`proto h2`:
// HTTP/2 with prior knowledge, RFC 8441 on by default) in front of origin
// until the test ends, and returns the frontend's ws:// URL.
func startHAProxyH2(t *testing.T, origin string) string {
	t.Helper()
	bin, err := exec.LookPath("haproxy")
	if err != nil {
		if _, err := os.Stat("/usr/sbin/haproxy"); err != nil {
			t.Skip("haproxy is not installed (make deps installs it)")
		}
		bin = "/usr/sbin/haproxy"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	conf := fmt.Sprintf(`global
  maxconn 200
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout tunnel 30s
frontend h2
  bind %s proto h2
  default_backend origin
backend origin
  server origin %s
`, addr, origin)
	file := filepath.Join(t.TempDir(), "haproxy.cfg")
	if err := os.WriteFile(file, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-db", "-f", file)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return "ws://" + addr + "/"
		}
		if time.Now().After(deadline) {
			t.Fatal("haproxy did not listen within 30 s")
		}
	}
}

// Section 20 against haproxy's HTTP/2 frontend (RFC 8441 support since
// 2.4) in front of the reference server over HTTP/1.1: haproxy answers
// the extended CONNECT and turns it into an RFC 6455 upgrade. Its answer
// carries the origin's sec-websocket-accept (INFORMATIONAL: meaningless
// over HTTP/2, not forbidden); everything else is OK.
func TestSection20AgainstHAProxy(t *testing.T) {
	srv, origin, err := server.Start("127.0.0.1:0", testLimits(server.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	url := startHAProxyH2(t, strings.TrimSuffix(strings.TrimPrefix(origin, "ws://"), "/"))
	for id, r := range runOver(t, url, true, selectCases(t, []string{"20", "1.1.1", "2.2", "7.1.1"}, nil)) {
		want := cases.OK
		if id == "20.1.2" || id == "20.1.3" || id == "20.1.4" {
			want = cases.Informational
		}
		if r.Behavior != want {
			t.Errorf("%s: %s, want %s: %s", id, r.Behavior, want, r.Reason)
		}
	}
}
