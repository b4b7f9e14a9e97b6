package main_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// startDaemon runs a proxy from Debian (installed by .ci/deps) in the
// foreground until the test ends, and waits until port accepts
// connections.
func startDaemon(t *testing.T, port int, name string, args ...string) {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s is not installed (make deps installs it)", name)
	}
	cmd := exec.Command(path, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen on %s:\n%s", name, addr, out.String())
		}
	}
}

// freePort is a loopback port nothing listened on a moment ago.
func freePort(t *testing.T) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Real proxies nobody on this project wrote: microsocks (SOCKS5 with
// username/password) and tinyproxy (CONNECT with Basic auth).
func TestRunThroughDebianProxies(t *testing.T) {
	clearProxyEnv(t)
	url := startServer(t, server.Config{})

	socksPort := freePort(t)
	startDaemon(t, socksPort, "microsocks", "-i", "127.0.0.1", "-p", strconv.Itoa(socksPort), "-u", "u", "-P", "secret")

	tinyPort := freePort(t)
	conf := filepath.Join(t.TempDir(), "tinyproxy.conf")
	// No ConnectPort line: CONNECT to any port.
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("Port %d\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\nBasicAuth u secret\nLogLevel Error\n", tinyPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, tinyPort, "tinyproxy", "-d", "-c", conf)

	tests := []struct {
		name, proxy string
		code        int
	}{
		{"microsocks with credentials", fmt.Sprintf("socks5://u:secret@127.0.0.1:%d", socksPort), 0},
		{"microsocks with a wrong password", fmt.Sprintf("socks5://u:wrong@127.0.0.1:%d", socksPort), 2},
		{"tinyproxy with credentials", fmt.Sprintf("http://u:secret@127.0.0.1:%d", tinyPort), 0},
		{"tinyproxy with a wrong password", fmt.Sprintf("http://u:wrong@127.0.0.1:%d", tinyPort), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := wsconform(t, "run", url, "--cases", "1.1.*,2.1", "--proxy", tc.proxy, "--out", "")
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
		})
	}
}
