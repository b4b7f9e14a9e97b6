package main_test

import (
	"bufio"
	"encoding/base64"
	bin "encoding/binary"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// serveTCP runs handle on every connection to a loopback listener (each
// with a 30 s deadline) until the test ends, and returns its address.
func serveTCP(t *testing.T, handle func(c net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
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
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// testProxy is how a proxy written for a test behaves: it demands user
// and pass when user is set, and sends tunnels for the host testHost to
// 127.0.0.1 (a name nothing else resolves: a run that reaches it went
// through the proxy).
type testProxy struct {
	user, pass string
	tunnels    atomic.Int32
}

const testHost = "wsconform.test"

// pipe dials addr (testHost routed to loopback) and copies both ways
// between c and it, after ok is called.
func (p *testProxy) pipe(c io.ReadWriter, addr string, ok func(), fail func()) {
	host, port, _ := net.SplitHostPort(addr)
	if host == testHost {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	up, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		fail()
		return
	}
	defer up.Close()
	p.tunnels.Add(1)
	ok()
	go io.Copy(up, c)
	io.Copy(c, up)
}

// startConnectProxy is a minimal HTTP CONNECT proxy (Basic
// Proxy-Authorization when p.user is set).
func startConnectProxy(t *testing.T, p *testProxy) string {
	return serveTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil || req.Method != http.MethodConnect {
			io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
			return
		}
		if p.user != "" && req.Header.Get("Proxy-Authorization") != "Basic "+base64.StdEncoding.EncodeToString([]byte(p.user+":"+p.pass)) {
			io.WriteString(c, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\n\r\n")
			return
		}
		p.pipe(struct {
			io.Reader
			io.Writer
		}{br, c}, req.Host,
			func() { io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n") },
			func() { io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n") })
	})
}

// startSOCKS5 is a minimal SOCKS5 server (RFC 1928, CONNECT only) with
// username/password authentication (RFC 1929) when p.user is set.
func startSOCKS5(t *testing.T, p *testProxy) string {
	return serveTCP(t, func(c net.Conn) {
		r := bufio.NewReader(c)
		head := make([]byte, 2)
		if _, err := io.ReadFull(r, head); err != nil || head[0] != 5 {
			return
		}
		methods := make([]byte, head[1])
		if _, err := io.ReadFull(r, methods); err != nil {
			return
		}
		want := byte(0) // no authentication
		if p.user != "" {
			want = 2 // username/password
		}
		if !contains(methods, want) {
			c.Write([]byte{5, 0xff})
			return
		}
		c.Write([]byte{5, want})
		if want == 2 {
			user, pass, ok := readUserPass(r)
			if !ok || user != p.user || pass != p.pass {
				c.Write([]byte{1, 1})
				return
			}
			c.Write([]byte{1, 0})
		}
		req := make([]byte, 4)
		if _, err := io.ReadFull(r, req); err != nil || req[0] != 5 || req[1] != 1 {
			return
		}
		var host string
		switch req[3] {
		case 1, 4:
			ip := make([]byte, map[byte]int{1: 4, 4: 16}[req[3]])
			if _, err := io.ReadFull(r, ip); err != nil {
				return
			}
			host = net.IP(ip).String()
		case 3:
			n, err := r.ReadByte()
			name := make([]byte, n)
			if _, err2 := io.ReadFull(r, name); err != nil || err2 != nil {
				return
			}
			host = string(name)
		default:
			return
		}
		port := make([]byte, 2)
		if _, err := io.ReadFull(r, port); err != nil {
			return
		}
		addr := net.JoinHostPort(host, strconv.Itoa(int(bin.BigEndian.Uint16(port))))
		reply := func(code byte) func() { return func() { c.Write([]byte{5, code, 0, 1, 0, 0, 0, 0, 0, 0}) } }
		p.pipe(struct {
			io.Reader
			io.Writer
		}{r, c}, addr, reply(0), reply(4))
	})
}

func contains(b []byte, x byte) bool {
	for _, v := range b {
		if v == x {
			return true
		}
	}
	return false
}

func readUserPass(r *bufio.Reader) (user, pass string, ok bool) {
	field := func() (string, bool) {
		n, err := r.ReadByte()
		if err != nil {
			return "", false
		}
		b := make([]byte, n)
		_, err = io.ReadFull(r, b)
		return string(b), err == nil
	}
	if v, err := r.ReadByte(); err != nil || v != 1 {
		return "", "", false
	}
	if user, ok = field(); !ok {
		return "", "", false
	}
	pass, ok = field()
	return user, pass, ok
}

// clearProxyEnv unsets every proxy variable for the test and the CLIs it
// starts.
func clearProxyEnv(t *testing.T) {
	for _, v := range []string{"HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		t.Setenv(v, "")
	}
}

func TestRunThroughProxies(t *testing.T) {
	clearProxyEnv(t)
	plain := startServer(t, server.Config{})
	_, port, _ := net.SplitHostPort(plain[len("ws://") : len(plain)-1])
	byName := "ws://" + net.JoinHostPort(testHost, port) + "/"
	tlsURL, caFile := startTLSServer(t) // its certificate names wsconform.test
	_, tlsPort, _ := net.SplitHostPort(tlsURL[len("wss://") : len(tlsURL)-1])
	tlsByName := "wss://" + net.JoinHostPort(testHost, tlsPort) + "/"
	closed := "http://127.0.0.1:1" // nothing listens there: a run that uses it fails

	tests := []struct {
		name    string
		env     map[string]string
		url     string
		args    func(connect, socks string) []string
		code    int
		through string // "connect", "socks" or "" (no tunnel)
	}{
		{"--proxy CONNECT with credentials", nil, byName,
			func(connect, _ string) []string { return []string{"--proxy", "http://u:secret@" + connect} }, 0, "connect"},
		{"--proxy CONNECT without credentials", nil, plain,
			func(connect, _ string) []string { return []string{"--proxy", "http://" + connect} }, 2, ""},
		{"--proxy socks5 with credentials", nil, byName,
			func(_, socks string) []string { return []string{"--proxy", "socks5://u:secret@" + socks} }, 0, "socks"},
		{"--proxy socks5 with a wrong password", nil, plain,
			func(_, socks string) []string { return []string{"--proxy", "socks5://u:wrong@" + socks} }, 2, ""},
		{"--proxy ftp", nil, plain,
			func(connect, _ string) []string { return []string{"--proxy", "ftp://" + connect} }, 2, ""},
		{"HTTP_PROXY for ws://", map[string]string{"HTTP_PROXY": "http://u:secret@{connect}", "HTTPS_PROXY": closed}, byName,
			nil, 0, "connect"},
		{"HTTPS_PROXY for wss://", map[string]string{"HTTPS_PROXY": "http://u:secret@{connect}", "HTTP_PROXY": closed}, tlsByName,
			func(string, string) []string { return []string{"--ca", caFile} }, 0, "connect"},
		{"socks5 in http_proxy", map[string]string{"http_proxy": "socks5://u:secret@{socks}"}, byName,
			nil, 0, "socks"},
		{"NO_PROXY exempts the host", map[string]string{"HTTP_PROXY": "http://u:secret@{connect}", "NO_PROXY": testHost}, byName,
			nil, 2, ""},
		{"--proxy wins over HTTP_PROXY", map[string]string{"HTTP_PROXY": closed}, byName,
			func(_, socks string) []string { return []string{"--proxy", "socks5://u:secret@" + socks} }, 0, "socks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			connectProxy, socksProxy := &testProxy{user: "u", pass: "secret"}, &testProxy{user: "u", pass: "secret"}
			connect, socks := startConnectProxy(t, connectProxy), startSOCKS5(t, socksProxy)
			for k, v := range tc.env {
				t.Setenv(k, strings.NewReplacer("{connect}", connect, "{socks}", socks).Replace(v))
			}
			var args []string
			if tc.args != nil {
				args = tc.args(connect, socks)
			}
			out := t.TempDir()
			r := wsconform(t, append([]string{"run", tc.url, "--cases", "1.1.1,1.1.2", "--out", out}, args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if tc.code == 2 && strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("want one line on stderr, got:\n%s", r.stderr)
			}
			wantTunnels := map[string][2]bool{"connect": {true, false}, "socks": {false, true}, "": {false, false}}[tc.through]
			if got := [2]bool{connectProxy.tunnels.Load() >= 3, socksProxy.tunnels.Load() >= 3}; got != wantTunnels {
				t.Errorf("tunnels: CONNECT proxy %d, SOCKS5 proxy %d; want at least 3 (pre-flight + 2 cases) through %q only",
					connectProxy.tunnels.Load(), socksProxy.tunnels.Load(), tc.through)
			}
			if tc.code == 0 && strings.Contains(strings.Join(args, " "), "--proxy") {
				for _, res := range readRun(t, out).Results {
					if !strings.Contains(res.Reproduce, "--proxy ") || strings.Contains(res.Reproduce, "secret") {
						t.Errorf("%s: reproduce %q: want --proxy, with the password redacted", res.ID, res.Reproduce)
					}
				}
			}
		})
	}
}
