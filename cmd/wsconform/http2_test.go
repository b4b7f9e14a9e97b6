package main_test

import (
	"crypto/tls"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// run --http2: the catalogue over HTTP/2 streams (h2c and h2 by ALPN),
// cases that need the HTTP/1.1 handshake left out with a line saying so,
// and a target without RFC 8441 refused before the run with one line.
func TestRunOverHTTP2(t *testing.T) {
	ca := newCA(t, "wsconform test CA")
	srvCert, _, _ := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}})
	wssH2 := serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{srvCert}, NextProtos: []string{"h2", "http/1.1"}})
	wssH1 := serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{srvCert}, NextProtos: []string{"http/1.1"}})
	h1Only := startServer(t, server.Config{DisableHTTP2: true})
	noSetting := startServer(t, server.Config{H2WithoutConnectProtocol: true})
	for _, tc := range []struct {
		name     string
		args     []string
		code     int
		stderr   string // a line it must contain (the only line when code is 2)
		wantALPN string
	}{
		{"embedded, h2c", []string{"--cases", "1.1.1,15.1.1,20.1.2"}, 0, "--http2: left out 1 cases", ""},
		{"wss, h2 by ALPN", []string{wssH2, "--ca", ca.file, "--cases", "1.1.1,20.1.1"}, 0, "", "h2"},
		{"wss without h2", []string{wssH1, "--ca", ca.file, "--cases", "1.1.1"}, 2, "does not speak HTTP/2", ""},
		{"HTTP/1.1-only server", []string{h1Only, "--cases", "1.1.1"}, 2, "does not speak HTTP/2", ""},
		{"h2 without the setting", []string{noSetting, "--cases", "1.1.1"}, 2, "SETTINGS_ENABLE_CONNECT_PROTOCOL", ""},
		{"only handshake cases", []string{"--cases", "15"}, 2, "none of the selected cases runs over HTTP/2", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			r := wsconform(t, append([]string{"run", "--http2", "--out", out}, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) || tc.code == 2 && !oneLineWith(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d with %q\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, tc.stderr, r.stdout, r.stderr)
			}
			if tc.code != 0 {
				return
			}
			run := readRun(t, out)
			if tc.wantALPN != "" && (run.Target.TLS == nil || run.Target.TLS.ALPN != tc.wantALPN) {
				t.Errorf("TLS session %+v, want ALPN %s", run.Target.TLS, tc.wantALPN)
			}
			for _, res := range run.Results {
				if res.Behavior != cases.OK || strings.HasPrefix(res.ID, "15.") {
					t.Errorf("%s: %s %s", res.ID, res.Behavior, res.Reason)
				}
				if !strings.Contains(res.Reproduce, "--http2") {
					t.Errorf("%s: reproduce %q lacks --http2", res.ID, res.Reproduce)
				}
				h2 := false
				for _, e := range res.WireLog {
					h2 = h2 || strings.HasPrefix(e.Text, "h2: recv SETTINGS")
				}
				if !h2 {
					t.Errorf("%s: no HTTP/2 SETTINGS in the wire log", res.ID)
				}
			}
		})
	}
}
