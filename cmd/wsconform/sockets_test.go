package main_test

import (
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/server"
)

// serveReferenceOn runs the reference server on a listener of network
// ("unix", "tcp6") at addr until the test ends and returns the address.
func serveReferenceOn(t *testing.T, network, addr string) string {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("cannot listen on %s %s here: %v", network, addr, err)
	}
	srv := server.New(server.Config{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return ln.Addr().String()
}

func TestUnixSocketAndIPv6Targets(t *testing.T) {
	clearProxyEnv(t)
	sock := serveReferenceOn(t, "unix", filepath.Join(t.TempDir(), "ref.sock"))
	v6 := serveReferenceOn(t, "tcp6", "[::1]:0")
	socks := startSOCKS5(t, &testProxy{})

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"ws+unix with a path", []string{"ws+unix://" + sock + ":/echo?x=1"}, 0},
		{"ws+unix without a path", []string{"ws+unix://" + sock}, 0},
		{"ws+unix with --proxy", []string{"ws+unix://" + sock + ":/", "--proxy", "socks5://" + socks}, 2},
		{"ws+unix to no socket", []string{"ws+unix://" + sock + ".missing:/"}, 2},
		{"ws+unix with a host", []string{"ws+unix://host" + sock + ":/"}, 2},
		{"IPv6 literal", []string{"ws://" + v6 + "/"}, 0},
		{"IPv6 literal through SOCKS5", []string{"ws://" + v6 + "/", "--proxy", "socks5://" + socks}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := wsconform(t, append([]string{"run", "--cases", "1.1.1,2.1", "--out", out}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.code == 2 {
				if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
					t.Errorf("want one line on stderr, got:\n%s", r.stderr)
				}
				return
			}
			for _, res := range readRun(t, out).Results {
				if !strings.Contains(res.Reproduce, "'"+tc.args[0]+"'") && !strings.Contains(res.Reproduce, " "+tc.args[0]+" ") {
					t.Errorf("%s: reproduce %q does not name the target %s", res.ID, res.Reproduce, tc.args[0])
				}
			}
		})
	}
}

func TestServeOnUnixSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "serve.sock")
	lines := startServe(t, regexp.MustCompile(`server on ws\+unix://`), "--unix", sock)
	if url := regexp.MustCompile(`ws\+unix://\S+`).FindString(lines[len(lines)-1]); url != "ws+unix://"+sock+":/" {
		t.Fatalf("serve --unix printed %q, want ws+unix://%s:/", url, sock)
	}
	if r := wsconform(t, "run", "ws+unix://"+sock+":/", "--cases", "1.1.*", "--out", ""); r.code != 0 {
		t.Errorf("run against serve --unix: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
