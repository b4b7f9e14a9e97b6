package main_test

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

// startAuthGateway stands in front of upstream like an API gateway: an
// opening handshake without "Authorization: Bearer secret" gets 401, any
// other is relayed to upstream untouched.
func startAuthGateway(t *testing.T, upstream string) string {
	return "ws://" + serveTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := handshake.ReadRequest(br)
		if err != nil {
			return
		}
		if auth, _ := req.Get("Authorization"); auth != "Bearer secret" {
			io.WriteString(c, "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
			return
		}
		up, err := net.DialTimeout("tcp", upstream, 2*time.Second)
		if err != nil {
			return
		}
		defer up.Close()
		up.Write(req.Bytes())
		go io.Copy(up, br)
		io.Copy(c, up)
	}) + "/"
}

func TestHeadersReachEveryHandshake(t *testing.T) {
	ref, _ := probe.ParseTarget(startServer(t, server.Config{}))
	gateway := startAuthGateway(t, ref.Address())

	r := wsconform(t, "run", gateway, "--cases", "1.1.1", "--out", "")
	if r.code != 2 || !strings.Contains(r.stderr, "401") {
		t.Errorf("without the token: exit %d, want 2 naming the 401\n%s", r.code, r.stderr)
	}
	r = wsconform(t, "run", gateway, "--header", "Authorization: Bearer secret", "--origin", "https://example.com",
		"--protocol", "chat,superchat", "--cases", "1.*,2.*,3.*,15.1.1", "--out", "")
	if r.code != 0 {
		t.Errorf("with the token: exit %d, want 0 (every case's handshake must carry it)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wsconform(t, "fuzz", gateway, "--header", "Authorization: Bearer secret", "--iterations", "50", "--out", "")
	if r.code != 0 {
		t.Errorf("fuzz with the token: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = wsconform(t, "run", gateway, "--header", "no colon here", "--out", "")
	if r.code != 2 || !strings.Contains(r.stderr, "--header") {
		t.Errorf("malformed --header: exit %d, want 2\n%s", r.code, r.stderr)
	}
}
