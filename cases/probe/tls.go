package probe

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// certExchange records what happened to client certificates during one TLS
// handshake: whether the server asked for one and whether we sent one.
type certExchange struct {
	requested, sent bool
	serverName      string // the name the certificate is checked against
}

// clientTLS is the TLS configuration of one connection to t (serverName
// defaults to the URL's host) and the record its handshake fills in.
func clientTLS(t Target) (*tls.Config, *certExchange) {
	cfg := t.TLSConfig
	if cfg == nil {
		cfg = &tls.Config{}
	}
	cfg = cfg.Clone()
	if cfg.ServerName == "" {
		cfg.ServerName = t.serverName()
	}
	// RFC 6455 runs over HTTP/1.1; saying so lets a server that
	// negotiates ALPN pick it (and one that cannot, say so).
	if len(cfg.NextProtos) == 0 {
		cfg.NextProtos = []string{"http/1.1"}
		if t.HTTP2 {
			cfg.NextProtos = []string{"h2"} // RFC 8441 runs over h2 only
		}
	}
	x := &certExchange{serverName: cfg.ServerName}
	own := cfg.Certificates
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		x.requested = true
		if len(own) == 0 {
			return &tls.Certificate{}, nil // none: the server decides whether that is fatal
		}
		x.sent = true
		return &own[0], nil
	}
	return cfg, x
}

// TLSError is a TLS connection that failed: in the handshake, or at the
// first read after it (a TLS 1.3 server checks the client's certificate
// after the client has finished its side of the handshake, so its alert
// arrives with the first read).
type TLSError struct {
	Err        error
	ServerName string
	// CertRequested says the server asked for a client certificate;
	// CertSent that we gave it one.
	CertRequested, CertSent bool
}

func (e *TLSError) Error() string { return "TLS: " + e.Err.Error() }
func (e *TLSError) Unwrap() error { return e.Err }

// DescribeTLSFailure says in one line why a TLS connection failed, naming
// the cause and what to do about it, or "" when err is no TLS failure.
func DescribeTLSFailure(err error) string {
	var te *TLSError
	if !errors.As(err, &te) {
		return ""
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		wrongName   x509.HostnameError
		invalid     x509.CertificateInvalidError
		verify      *tls.CertificateVerificationError
		notTLS      tls.RecordHeaderError
		remoteAlert *net.OpError
	)
	switch {
	case errors.As(err, &unknownCA):
		return fmt.Sprintf("TLS: the server's certificate (%s) is signed by an unknown authority (%s): trust that CA with --ca FILE, or skip the check with --insecure",
			subjectOf(unknownCA.Cert), issuerOf(unknownCA.Cert))
	case errors.As(err, &wrongName):
		return fmt.Sprintf("TLS: the server's certificate is not valid for %q (it is for %s): connect by one of those names or give one with --sni",
			wrongName.Host, namesOf(wrongName.Certificate))
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return fmt.Sprintf("TLS: the server's certificate (%s) %s", subjectOf(invalid.Cert), validityOf(invalid.Cert, time.Now()))
	case errors.As(err, &invalid):
		return fmt.Sprintf("TLS: the server's certificate chain is invalid: %v", invalid)
	case errors.As(err, &verify):
		return fmt.Sprintf("TLS: cannot verify the server's certificate: %v", verify.Err)
	case errors.As(err, &notTLS):
		return "TLS: the server did not answer in TLS (a ws:// server, or another protocol, on that port?)"
	case te.CertRequested && !te.CertSent:
		return fmt.Sprintf("TLS: the server requires a client certificate and we had none (%s): give one with --client-cert and --client-key", alertOrError(te.Err))
	case te.CertSent && errors.As(err, &remoteAlert) && remoteAlert.Op == "remote error":
		return fmt.Sprintf("TLS: the server refused our client certificate (%v)", remoteAlert.Err)
	case errors.As(err, &remoteAlert) && remoteAlert.Op == "remote error":
		return fmt.Sprintf("TLS: the server ended the handshake with alert %q", remoteAlert.Err)
	}
	return "TLS: the handshake failed: " + te.Err.Error()
}

// alertOrError is the server's alert if it sent one, else the error.
func alertOrError(err error) string {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "remote error" {
		return "it sent the alert " + op.Err.Error()
	}
	return err.Error()
}

func subjectOf(c *x509.Certificate) string {
	if c == nil {
		return "no certificate"
	}
	return "subject " + c.Subject.String()
}

func issuerOf(c *x509.Certificate) string {
	if c == nil {
		return "issuer unknown"
	}
	return "issuer " + c.Issuer.String()
}

func namesOf(c *x509.Certificate) string {
	if c == nil {
		return "no name"
	}
	var names []string
	names = append(names, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return "no subject alternative name"
	}
	return strings.Join(names, ", ")
}

func validityOf(c *x509.Certificate, now time.Time) string {
	if c == nil {
		return "is outside its validity period"
	}
	if now.Before(c.NotBefore) {
		return "is not valid before " + c.NotBefore.UTC().Format(time.RFC3339)
	}
	return "expired at " + c.NotAfter.UTC().Format(time.RFC3339)
}

// TLSInfo describes a negotiated TLS session for the report.
func TLSInfo(cs tls.ConnectionState) *cases.TLSInfo {
	info := &cases.TLSInfo{
		Version:     tls.VersionName(cs.Version),
		CipherSuite: tls.CipherSuiteName(cs.CipherSuite),
		ALPN:        cs.NegotiatedProtocol,
		ServerName:  cs.ServerName,
		Verified:    len(cs.VerifiedChains) > 0,
		Chain:       []cases.CertInfo{},
	}
	for _, c := range cs.PeerCertificates {
		sum := sha256.Sum256(c.Raw)
		info.Chain = append(info.Chain, cases.CertInfo{
			Subject: c.Subject.String(), Issuer: c.Issuer.String(),
			NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC(), SHA256: hex.EncodeToString(sum[:]),
		})
	}
	return info
}
