package main_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
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

// startConnectProxy is a minimal HTTP CONNECT proxy that counts tunnels.
func startConnectProxy(t *testing.T) (addr string, tunnels *atomic.Int32) {
	tunnels = new(atomic.Int32)
	addr = serveTCP(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil || req.Method != http.MethodConnect {
			io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
			return
		}
		up, err := net.DialTimeout("tcp", req.Host, 2*time.Second)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
			return
		}
		defer up.Close()
		tunnels.Add(1)
		io.WriteString(c, "HTTP/1.1 200 Connection Established\r\n\r\n")
		go io.Copy(up, c)
		io.Copy(c, up)
	})
	return addr, tunnels
}

func TestRunThroughProxy(t *testing.T) {
	url := startServer(t, server.Config{})
	proxy, tunnels := startConnectProxy(t)

	r := wsconform(t, "run", url, "--cases", "1.1.*", "--proxy", "http://"+proxy, "--out", "")
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if n := tunnels.Load(); n < 9 { // pre-flight + 8 cases
		t.Errorf("the proxy saw %d tunnels, want at least 9: connections bypassed it", n)
	}

	r = wsconform(t, "run", url, "--proxy", "socks5://"+proxy, "--out", "")
	if r.code != 2 {
		t.Errorf("unsupported proxy scheme: exit %d, want 2", r.code)
	}
}
