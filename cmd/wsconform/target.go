package main

import (
	"crypto/tls"
	"crypto/x509"
	neturl "net/url"
	"os"

	"github.com/wsconform/wsconform/cases/probe"
)

// connection is how every connection to a target is made: TLS trust and
// name, and an optional HTTP proxy. Flags set it for `run URL`; a config
// file's target may add its own insecure and hostname (Autobahn's SNI key).
type connection struct {
	insecure bool
	caFile   string
	sni      string
	proxy    string
}

// apply sets t's TLS config and proxy; every problem is bad input.
func (c connection) apply(t *probe.Target) error {
	if c.insecure || c.caFile != "" || c.sni != "" {
		cfg := &tls.Config{InsecureSkipVerify: c.insecure, ServerName: c.sni}
		if c.caFile != "" {
			pem, err := os.ReadFile(c.caFile)
			if err != nil {
				return badInput("--ca: %v", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return badInput("--ca %s: no PEM certificate in it", c.caFile)
			}
			cfg.RootCAs = pool
		}
		t.TLSConfig = cfg
	}
	if c.proxy != "" {
		p, err := neturl.Parse(c.proxy)
		if err != nil || p.Scheme != "http" || p.Host == "" {
			return badInput("bad --proxy %q: want http://host:port", c.proxy)
		}
		t.Proxy = p
	}
	return nil
}
