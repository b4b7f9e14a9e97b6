package main_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// startTLSServer runs the reference server behind TLS with a self-signed
// certificate for 127.0.0.1.
func startTLSServer(t *testing.T) string {
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
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	srv := server.New(server.Config{})
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close(); ln.Close() })
	return "wss://" + ln.Addr().String() + "/"
}

func TestTLSTarget(t *testing.T) {
	url := startTLSServer(t)

	r := wsconform(t, "run", url, "--cases", "1.1.*", "--out", "")
	if r.code != 2 || !strings.Contains(r.stderr, "certificate") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("untrusted certificate: exit %d, want 2 and one line naming the certificate problem; stderr:\n%s", r.code, r.stderr)
	}

	r = wsconform(t, "run", url, "--cases", "1.1.*,2.*", "--insecure", "--out", "")
	if r.code != 0 {
		t.Errorf("--insecure over wss: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}
