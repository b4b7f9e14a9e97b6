package main_test

import (
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// anyAddressURL is url (ws:// or wss:// on 127.0.0.1) by the address
// 0.0.0.0, which Linux connects to this host: unlike a loopback address
// it is not exempt from proxies taken from the environment.
func anyAddressURL(url string) string {
	return strings.Replace(url, "127.0.0.1", "0.0.0.0", 1)
}

// startTLSTerminator accepts TLS with cert and passes what it decrypts
// on to the plain TCP server at addr: in front of a CONNECT proxy, an
// https:// proxy.
func startTLSTerminator(t *testing.T, cert tls.Certificate, addr string) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(30 * time.Second))
				up, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if err != nil {
					return
				}
				defer up.Close()
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	return ln.Addr().String()
}

// startTLSServerOf runs the reference server behind TLS with cert.
func startTLSServerOf(t *testing.T, cert tls.Certificate) string {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return "wss://" + ln.Addr().String() + "/"
}

type proxyRun struct {
	name string
	env  map[string]string
	url  string
	args []string
	code int
	// stderr is in the one line of a run that exits 2.
	stderr string
}

func (tc proxyRun) check(t *testing.T) cliResult {
	t.Helper()
	clearProxyEnv(t)
	for k, v := range tc.env {
		t.Setenv(k, v)
	}
	r := wsconform(t, append([]string{"run", tc.url, "--cases", "1.1.1", "--out", t.TempDir()}, tc.args...)...)
	if r.code != tc.code {
		t.Fatalf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
	}
	if tc.code == 2 && (strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, tc.stderr)) {
		t.Errorf("stderr %q: want one line with %q", r.stderr, tc.stderr)
	}
	return r
}

// A proxy from the environment, through tinyproxy (Debian's): it is used,
// its failures name the variable it came from, and --proxy none ignores it.
func TestEnvironmentProxyIsNamedAndCanBeIgnored(t *testing.T) {
	url := anyAddressURL(startServer(t, server.Config{}))
	tinyPort := freePort(t)
	conf := filepath.Join(t.TempDir(), "tinyproxy.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("Port %d\nListen 127.0.0.1\nTimeout 30\nMaxClients 50\nAllow 127.0.0.1\nBasicAuth u secret\nLogLevel Error\n", tinyPort)), 0o644); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, tinyPort, "tinyproxy", "-d", "-c", conf)
	tiny := func(pass string) string { return "http://u:" + pass + "@127.0.0.1:" + strconv.Itoa(tinyPort) }
	closed := "http://127.0.0.1:1"
	for _, tc := range []proxyRun{
		{name: "HTTP_PROXY is used", env: map[string]string{"HTTP_PROXY": tiny("secret")}, url: url, code: 0},
		{name: "HTTP_PROXY refusing names HTTP_PROXY", env: map[string]string{"HTTP_PROXY": tiny("wrong")}, url: url, code: 2, stderr: "HTTP_PROXY"},
		{name: "http_proxy unreachable names http_proxy", env: map[string]string{"http_proxy": closed}, url: url, code: 2, stderr: "http_proxy"},
		{name: "--proxy none ignores HTTP_PROXY", env: map[string]string{"HTTP_PROXY": tiny("wrong")}, url: url, args: []string{"--proxy", "none"}, code: 0},
		{name: "--proxy none ignores a bad HTTP_PROXY", env: map[string]string{"HTTP_PROXY": "ftp://x"}, url: url, args: []string{"--proxy", "none"}, code: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.check(t)
			if tc.code == 0 && tc.args == nil && !strings.Contains(r.stderr, "127.0.0.1:"+strconv.Itoa(tinyPort)) {
				t.Errorf("stderr does not say the run went through tinyproxy:\n%s", r.stderr)
			}
		})
	}
}

// An https:// proxy: TLS to the proxy, trusted as the target is (--ca),
// then CONNECT inside it; from --proxy or HTTPS_PROXY.
func TestRunThroughHTTPSProxy(t *testing.T) {
	ca := newCA(t, "wsconform proxy test CA")
	proxyCert, _, _ := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}})
	serverCert, _, _ := ca.issue(t, leaf{hosts: []string{"0.0.0.0", "127.0.0.1"}})
	plain := anyAddressURL(startServer(t, server.Config{}))
	secure := anyAddressURL(startTLSServerOf(t, serverCert))
	p := &testProxy{user: "u", pass: "secret"}
	proxy := startTLSTerminator(t, proxyCert, startConnectProxy(t, p))
	https := func(pass string) string { return "https://u:" + pass + "@" + proxy }
	for _, tc := range []proxyRun{
		{name: "--proxy https to ws://", url: plain, args: []string{"--proxy", https("secret"), "--ca", ca.file}, code: 0},
		{name: "HTTPS_PROXY https to wss://", env: map[string]string{"HTTPS_PROXY": https("secret")}, url: secure, args: []string{"--ca", ca.file}, code: 0},
		{name: "HTTPS_PROXY refusing names HTTPS_PROXY", env: map[string]string{"HTTPS_PROXY": https("wrong")}, url: secure, args: []string{"--ca", ca.file}, code: 2, stderr: "HTTPS_PROXY"},
		{name: "untrusted proxy certificate", url: plain, args: []string{"--proxy", https("secret")}, code: 2, stderr: "proxy " + proxy},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.tunnels.Load()
			tc.check(t)
			if got := p.tunnels.Load() - before; tc.code == 0 && got < 2 {
				t.Errorf("%d tunnels through the https proxy, want at least 2 (pre-flight and the case)", got)
			}
		})
	}
}
