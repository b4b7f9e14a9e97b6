package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/wsconform/wsconform/reference/server"
)

type serveFlags struct {
	addr       string
	unix       string
	maxMessage int64
	serverTLS
}

// serverTLS is how a command that serves (serve, clients) gets its
// certificate for wss://: files, or a fresh self-signed one.
type serverTLS struct {
	tlsCert, tlsKey  string
	selfSigned       bool
	selfSignedCAFile string
}

func (f *serverTLS) register(fl *pflag.FlagSet) {
	fl.StringVar(&f.tlsCert, "tls-cert", "", "serve wss:// with this certificate chain (PEM file; with --tls-key)")
	fl.StringVar(&f.tlsKey, "tls-key", "", "the private key of --tls-cert (PEM file)")
	fl.BoolVar(&f.selfSigned, "self-signed", false, "serve wss:// with a fresh in-memory self-signed certificate (for demos); its fingerprint is printed and the certificate written out to be trusted")
	fl.StringVar(&f.selfSignedCAFile, "self-signed-out", "", "with --self-signed: write the certificate (PEM, no key) here (default: a file in the temporary directory)")
}

// on reports whether TLS was asked for.
func (f serverTLS) on() bool { return f.selfSigned || f.tlsCert != "" || f.tlsKey != "" }

func serveCommand() *cobra.Command {
	var f serveFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the strict reference echo server (ws://, or wss:// with --tls-cert/--tls-key or --self-signed)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return serve(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:9001", "address to listen on")
	fl.StringVar(&f.unix, "unix", "", "listen on this Unix socket instead of --addr (reach it as ws+unix:///path/to.sock:/)")
	fl.Int64Var(&f.maxMessage, "max-message", server.DefaultMaxMessageSize, "largest message accepted, in octets (bigger: close 1009)")
	f.serverTLS.register(fl)
	return cmd
}

func serve(f serveFlags) error {
	host := ""
	if f.unix == "" {
		host, _, _ = net.SplitHostPort(f.addr)
	}
	tlsCfg, note, cleanup, err := f.tlsConfig(host, "wsconform run {url} --ca {cert}")
	if err != nil {
		return err
	}
	defer cleanup()
	network, addr := "tcp", f.addr
	if f.unix != "" {
		network, addr = "unix", f.unix
	}
	ln, err := net.Listen(network, addr)
	if err != nil {
		return badInput("cannot listen on %s: %v", addr, err)
	}
	if tlsCfg != nil {
		// h2 for WebSockets over HTTP/2 (RFC 8441), http/1.1 for RFC 6455.
		tlsCfg.NextProtos = []string{"h2", "http/1.1"}
		ln = tls.NewListener(ln, tlsCfg)
	}
	srv := server.New(server.Config{MaxMessageSize: f.maxMessage})
	go srv.Serve(ln)
	scheme := "ws"
	if tlsCfg != nil {
		scheme = "wss"
	}
	url := scheme + "://" + ln.Addr().String() + "/"
	if f.unix != "" {
		url = scheme + "+unix://" + f.unix + ":/"
	}
	fmt.Fprintf(os.Stderr, "wsconform reference echo server on %s (Ctrl-C to stop)\n", url)
	if note != "" {
		fmt.Fprintln(os.Stderr, strings.ReplaceAll(note, "{url}", url))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	<-sig
	return srv.Close()
}

// tlsConfig is the server's TLS configuration (nil for ws://), a line to
// print about it (with {url} for the URL) and what to undo at exit; a
// self-signed certificate is also for host, and trust says how to trust it
// ({cert}: its file). Every problem is bad input.
func (f serverTLS) tlsConfig(host, trust string) (cfg *tls.Config, note string, cleanup func(), err error) {
	cleanup = func() {}
	switch {
	case f.selfSigned && (f.tlsCert != "" || f.tlsKey != ""):
		return nil, "", cleanup, badInput("give either --self-signed or --tls-cert/--tls-key, not both")
	case f.selfSignedCAFile != "" && !f.selfSigned:
		return nil, "", cleanup, badInput("--self-signed-out goes with --self-signed")
	case f.tlsCert != "" || f.tlsKey != "":
		if f.tlsCert == "" || f.tlsKey == "" {
			return nil, "", cleanup, badInput("--tls-cert and --tls-key go together")
		}
		cert, err := tls.LoadX509KeyPair(f.tlsCert, f.tlsKey)
		if err != nil {
			return nil, "", cleanup, badInput("--tls-cert %s / --tls-key %s: %v", f.tlsCert, f.tlsKey, err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}}, "", cleanup, nil
	case !f.selfSigned:
		return nil, "", cleanup, nil
	}
	hosts := []string{"localhost", "127.0.0.1", "::1"}
	if host != "" {
		hosts = append(hosts, host)
	}
	cert, err := selfSigned(hosts, time.Now())
	if err != nil {
		return nil, "", cleanup, fmt.Errorf("--self-signed: %v", err)
	}
	path := f.selfSignedCAFile
	if path == "" {
		dir, err := os.MkdirTemp("", "wsconform-self-signed-")
		if err != nil {
			return nil, "", cleanup, fmt.Errorf("--self-signed: %v", err)
		}
		path = filepath.Join(dir, "cert.pem")
		cleanup = func() { os.RemoveAll(dir) }
	}
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o644); err != nil {
		return nil, "", cleanup, badInput("--self-signed-out %s: %v", path, unwrapPath(err))
	}
	sum := sha256.Sum256(cert.Certificate[0])
	note = fmt.Sprintf("self-signed certificate for %s, SHA-256 %s; trust it with: %s",
		strings.Join(hosts, ", "), fingerprint(sum[:]), strings.ReplaceAll(trust, "{cert}", path))
	return &tls.Config{Certificates: []tls.Certificate{cert}}, note, cleanup, nil
}

// selfSigned is a fresh ECDSA P-256 certificate for hosts (names and IP
// addresses), valid for a day from now, signed by its own key.
func selfSigned(hosts []string, now time.Time) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "wsconform serve --self-signed"},
		NotBefore:             now.Add(-time.Minute),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// fingerprint is a digest as colon-separated hex pairs, as browsers show it.
func fingerprint(sum []byte) string {
	parts := make([]string, len(sum))
	for i, b := range sum {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}
