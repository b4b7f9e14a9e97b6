package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// startTLSServer runs the reference server behind TLS with a self-signed
// certificate for 127.0.0.1 and wsconform.test, and returns the URL and a
// PEM file holding the certificate.
func startTLSServer(t *testing.T) (url, caFile string) {
	return startTLSServerWith(t, server.Config{})
}

// startTLSServerWith is startTLSServer for a reference server with cfg.
func startTLSServerWith(t *testing.T, cfg server.Config) (url, caFile string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "wsconform test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:     []string{"wsconform.test"},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(cfg)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return "wss://" + ln.Addr().String() + "/", caFile
}

func TestTLSTarget(t *testing.T) {
	url, caFile := startTLSServer(t)

	r := wsconform(t, "run", url, "--cases", "1.1.*", "--out", "")
	if r.code != 2 || !strings.Contains(r.stderr, "certificate") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("untrusted certificate: exit %d, want 2 and one line naming the certificate problem; stderr:\n%s", r.code, r.stderr)
	}

	r = wsconform(t, "run", url, "--cases", "1.1.*,2.*", "--insecure", "--out", "")
	if r.code != 0 {
		t.Errorf("--insecure over wss: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	tests := []struct {
		name string
		args []string
		code int
	}{
		{"trusted with --ca", []string{"--ca", caFile}, 0},
		{"--sni with a name the certificate has", []string{"--ca", caFile, "--sni", "wsconform.test"}, 0},
		{"--sni with a name it lacks", []string{"--ca", caFile, "--sni", "other.test"}, 2},
		{"--ca file missing", []string{"--ca", caFile + ".missing"}, 2},
		{"--ca file without a certificate", []string{"--ca", os.Args[0]}, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := wsconform(t, append([]string{"run", url, "--cases", "1.1.1", "--out", ""}, tc.args...)...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\n%s\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
		})
	}
}
