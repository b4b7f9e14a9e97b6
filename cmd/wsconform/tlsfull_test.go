package main_test

import (
	"bufio"
	"crypto/tls"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// serveReferenceTLS runs the reference server behind TLS with cfg and
// returns its wss:// URL.
func serveReferenceTLS(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return "wss://" + ln.Addr().String() + "/"
}

func oneLineWith(stderr, want string) bool {
	s := strings.TrimSpace(stderr)
	return strings.Count(s, "\n") == 0 && strings.Contains(s, want)
}

// Every TLS failure of the pre-flight is exit 2 and one line naming the
// cause, decided on the error's type.
func TestTLSPreflightNamesTheCause(t *testing.T) {
	ca, otherCA := newCA(t, "wsconform test CA"), newCA(t, "another CA")
	good, _, _ := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}})
	wrongName, _, _ := ca.issue(t, leaf{hosts: []string{"elsewhere.test"}})
	expired, _, _ := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}, notBefore: time.Now().Add(-48 * time.Hour), till: time.Now().Add(-24 * time.Hour)})
	_, clientCert, clientKey := ca.issue(t, leaf{client: true})
	_, strangerCert, strangerKey := otherCA.issue(t, leaf{client: true})
	requireClient := func(maxVersion uint16) *tls.Config {
		return &tls.Config{Certificates: []tls.Certificate{good}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool(), MaxVersion: maxVersion}
	}
	plain := startServer(t, server.Config{})

	tests := []struct {
		name string
		url  string
		args []string
		want string // in the one line
	}{
		{"unknown CA", serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{good}}), nil, "signed by an unknown authority"},
		{"wrong name", serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{wrongName}}), []string{"--ca", ca.file}, `not valid for "127.0.0.1" (it is for elsewhere.test)`},
		{"expired", serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{expired}}), []string{"--ca", ca.file}, "expired at"},
		{"client certificate required, TLS 1.3", serveReferenceTLS(t, requireClient(tls.VersionTLS13)), []string{"--ca", ca.file}, "requires a client certificate"},
		{"client certificate required, TLS 1.2", serveReferenceTLS(t, requireClient(tls.VersionTLS12)), []string{"--ca", ca.file}, "requires a client certificate"},
		{"client certificate of a CA the server does not trust", serveReferenceTLS(t, requireClient(0)),
			[]string{"--ca", ca.file, "--client-cert", strangerCert, "--client-key", strangerKey}, "refused our client certificate"},
		{"wss:// to a ws:// server", "wss" + strings.TrimPrefix(plain, "ws"), nil, "did not answer in TLS"},
		{"client key of another certificate", plain, []string{"--client-cert", clientCert, "--client-key", strangerKey}, "private key does not match"},
		{"client certificate unreadable", plain, []string{"--client-cert", clientCert + ".missing", "--client-key", clientKey}, "no such file"},
		{"client certificate without its key", plain, []string{"--client-cert", clientCert}, "go together"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := wsconform(t, append([]string{"run", tc.url, "--cases", "1.1.1", "--out", ""}, tc.args...)...)
			if r.code != 2 || !oneLineWith(r.stderr, tc.want) {
				t.Errorf("exit %d, want 2 and one line with %q; stderr:\n%s", r.code, tc.want, r.stderr)
			}
		})
	}
}

// A server that requires a client certificate is run with one; the
// negotiated session lands in the results, the HTML header and the
// reproduce commands carry the options.
func TestClientCertificateRun(t *testing.T) {
	ca := newCA(t, "wsconform test CA")
	srvCert, _, _ := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}})
	_, clientCert, clientKey := ca.issue(t, leaf{client: true})
	url := serveReferenceTLS(t, &tls.Config{Certificates: []tls.Certificate{srvCert},
		ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: ca.pool(), NextProtos: []string{"http/1.1"}})

	out := t.TempDir()
	r := wsconform(t, "run", url, "--cases", "1.1.1,1.1.2", "--ca", ca.file, "--client-cert", clientCert, "--client-key", clientKey, "--out", out)
	if r.code != 0 {
		t.Fatalf("exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	run := readRun(t, out)
	info := run.Target.TLS
	if info == nil {
		t.Fatal("no TLS session in wsconform.json")
	}
	if info.Version != "TLS 1.3" || info.CipherSuite == "" || info.ALPN != "http/1.1" || !info.Verified || info.ServerName != "127.0.0.1" {
		t.Errorf("TLS session %+v, want TLS 1.3, a cipher suite, ALPN http/1.1, verified for 127.0.0.1", info)
	}
	if len(info.Chain) != 2 || info.Chain[0].Issuer != "CN=wsconform test CA" || info.Chain[1].Subject != "CN=wsconform test CA" ||
		!info.Chain[0].NotAfter.After(time.Now()) || len(info.Chain[0].SHA256) != 64 {
		t.Errorf("chain %+v, want the leaf issued by the test CA, then the CA", info.Chain)
	}
	for _, res := range run.Results {
		if !strings.Contains(res.Reproduce, "--client-cert "+clientCert) || !strings.Contains(res.Reproduce, "--ca "+ca.file) {
			t.Errorf("%s: reproduce %q lacks the TLS options", res.ID, res.Reproduce)
		}
	}
	html, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{info.CipherSuite, "TLS 1.3", "CN=wsconform test CA", "certificate verified"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("the HTML report does not show %q", want)
		}
	}
	if !strings.Contains(r.stderr, "TLS 1.3, "+info.CipherSuite) {
		t.Errorf("the run does not say which TLS session it got; stderr:\n%s", r.stderr)
	}
}

// startServe runs `wsconform serve` with args until the test ends and
// returns the lines it printed before it was ready (the last one matching
// ready).
func startServe(t *testing.T, ready *regexp.Regexp, args ...string) []string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"serve"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var got []string
	deadline := time.After(30 * time.Second)
	for {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve %v ended before it was ready:\n%s", args, strings.Join(got, "\n"))
			}
			got = append(got, l)
			if ready.MatchString(l) {
				go func() { // keep draining so that the server never blocks on stderr
					for range lines {
					}
				}()
				return got
			}
		case <-deadline:
			t.Fatalf("serve %v not ready after 30 s:\n%s", args, strings.Join(got, "\n"))
		}
	}
}

// `serve --self-signed` prints how to trust it, and `run` does so end to end.
func TestServeSelfSignedEndToEnd(t *testing.T) {
	lines := startServe(t, regexp.MustCompile(`trust it with`), "--self-signed", "--addr", "127.0.0.1:0")
	m := regexp.MustCompile(`SHA-256 ([0-9A-F:]{95}); trust it with: wsconform run (wss://\S+) --ca (\S+)$`).FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("serve --self-signed did not print its fingerprint and how to trust it:\n%s", strings.Join(lines, "\n"))
	}
	url, caFile := m[2], m[3]
	out := t.TempDir()
	r := wsconform(t, "run", url, "--ca", caFile, "--cases", "1.1.*", "--out", out)
	if r.code != 0 {
		t.Fatalf("run against serve --self-signed: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	chain := readRun(t, out).Target.TLS.Chain
	if len(chain) != 1 || strings.ToUpper(chain[0].SHA256) != strings.ReplaceAll(m[1], ":", "") {
		t.Errorf("the run saw the chain %+v, want the one certificate whose fingerprint serve printed (%s)", chain, m[1])
	}
	if r := wsconform(t, "run", url, "--cases", "1.1.1", "--out", ""); r.code != 2 || !oneLineWith(r.stderr, "unknown authority") {
		t.Errorf("run without --ca: exit %d, want 2 naming the unknown authority; stderr:\n%s", r.code, r.stderr)
	}
}

func TestServeTLSFlags(t *testing.T) {
	ca := newCA(t, "wsconform test CA")
	_, certFile, keyFile := ca.issue(t, leaf{hosts: []string{"127.0.0.1"}})
	lines := startServe(t, regexp.MustCompile(`server on wss://`), "--tls-cert", certFile, "--tls-key", keyFile, "--addr", "127.0.0.1:0")
	url := regexp.MustCompile(`wss://\S+`).FindString(lines[len(lines)-1])
	if r := wsconform(t, "run", url, "--ca", ca.file, "--cases", "1.1.1,2.1", "--out", ""); r.code != 0 {
		t.Errorf("run against serve --tls-cert: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	bad := [][]string{
		{"--tls-cert", certFile},
		{"--tls-cert", certFile, "--tls-key", certFile},
		{"--self-signed", "--tls-cert", certFile, "--tls-key", keyFile},
		{"--self-signed-out", filepath.Join(t.TempDir(), "c.pem")},
	}
	for _, args := range bad {
		if r := wsconform(t, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...); r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("serve %v: exit %d, want 2 and one line; stderr:\n%s", args, r.code, r.stderr)
		}
	}
}
