package main

import (
	"crypto/tls"
	"crypto/x509"
	neturl "net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpproxy"

	"github.com/spf13/pflag"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/handshake"
)

// connection is how every connection to a target is made: TLS trust and
// name, an optional HTTP proxy, and extra opening-handshake fields. Flags set it for `run URL`; a config
// file's target may add its own insecure and hostname (Autobahn's SNI key).
type connection struct {
	insecure   bool
	caFile     string
	sni        string
	clientCert string // PEM files of a client certificate and its key
	clientKey  string
	proxy      string
	headers    []string // "Name: value", sent in every opening handshake
	origin     string
	protocols  []string // offered in Sec-WebSocket-Protocol
	http2      bool     // every WebSocket over HTTP/2 (RFC 8441)
}

// bind registers the flags that fill c.
func (c *connection) bind(fl *pflag.FlagSet) {
	fl.BoolVar(&c.insecure, "insecure", false, "wss: do not verify the server's certificate")
	fl.StringVar(&c.caFile, "ca", "", "wss: trust the CA certificates in this PEM file (e.g. a self-signed server's)")
	fl.StringVar(&c.sni, "sni", "", "wss: server name for SNI and certificate checks (default: the URL's host)")
	fl.StringArrayVar(&c.headers, "header", nil, "extra field for every opening handshake, e.g. 'Authorization: Bearer …' (repeatable)")
	fl.StringVar(&c.origin, "origin", "", "Origin field for every opening handshake")
	fl.StringSliceVar(&c.protocols, "protocol", nil, "subprotocols to offer in every opening handshake (Sec-WebSocket-Protocol)")
	fl.StringVar(&c.clientCert, "client-cert", "", "wss: present this client certificate (PEM file; with --client-key)")
	fl.StringVar(&c.clientKey, "client-key", "", "wss: the private key of --client-cert (PEM file)")
	fl.BoolVar(&c.http2, "http2", false, "carry every WebSocket over HTTP/2 (RFC 8441 extended CONNECT): h2 by ALPN for wss://, h2c with prior knowledge for ws://; cases that need the HTTP/1.1 handshake are left out")
	fl.StringVar(&c.proxy, "proxy", "", "connect through this proxy: http://[user:pass@]host:port (CONNECT), https://... (CONNECT inside TLS to the proxy, trusted as the target is), socks5://[user:pass@]host:port, or none (default: from HTTPS_PROXY/HTTP_PROXY/NO_PROXY; none ignores them)")
}

// options are the flags that set c, as arguments in a fixed order: what a
// reproduce command needs to send what the run sent. Credentials are not
// copied into reports: the value of an Authorization, Proxy-Authorization
// or Cookie field and a proxy's password read <redacted>.
func (c connection) options() []string {
	var out []string
	if c.insecure {
		out = append(out, "--insecure")
	}
	if c.caFile != "" {
		out = append(out, "--ca", c.caFile)
	}
	if c.sni != "" {
		out = append(out, "--sni", c.sni)
	}
	if c.clientCert != "" {
		out = append(out, "--client-cert", c.clientCert, "--client-key", c.clientKey)
	}
	for _, h := range c.headers {
		name, _, _ := strings.Cut(h, ":")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "authorization", "proxy-authorization", "cookie":
			h = strings.TrimSpace(name) + ": " + redacted
		}
		out = append(out, "--header", h)
	}
	if c.origin != "" {
		out = append(out, "--origin", c.origin)
	}
	if len(c.protocols) > 0 {
		out = append(out, "--protocol", strings.Join(c.protocols, ","))
	}
	if c.http2 {
		out = append(out, "--http2")
	}
	if c.proxy != "" {
		p := c.proxy
		if u, err := neturl.Parse(p); err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = neturl.UserPassword(u.User.Username(), redacted)
				p = strings.Replace(u.String(), neturl.QueryEscape(redacted), redacted, 1)
			}
		}
		out = append(out, "--proxy", p)
	}
	return out
}

// reproduceOptions are the options every reproduce command of a target
// carries (cases.TargetInfo.Options): its connection settings and the
// timeout scale, whether they came from the command line or a config file.
func reproduceOptions(c connection, scale float64) []string {
	out := c.options()
	if scale != 1 {
		out = append(out, "--timeout-scale", strconv.FormatFloat(scale, 'g', -1, 64))
	}
	return out
}

// redacted stands for a credential left out of a reproduce command.
const redacted = "<redacted>"

// apply sets t's TLS config, proxy and extra handshake fields; every
// problem is bad input.
func (c connection) apply(t *probe.Target) error {
	if c.insecure || c.caFile != "" || c.sni != "" || c.clientCert != "" || c.clientKey != "" {
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
		if c.clientCert != "" || c.clientKey != "" {
			if c.clientCert == "" || c.clientKey == "" {
				return badInput("--client-cert and --client-key go together")
			}
			cert, err := tls.LoadX509KeyPair(c.clientCert, c.clientKey)
			if err != nil {
				return badInput("--client-cert %s / --client-key %s: %v", c.clientCert, c.clientKey, err)
			}
			cfg.Certificates = []tls.Certificate{cert}
		}
		t.TLSConfig = cfg
	}
	for _, h := range c.headers {
		name, value, ok := strings.Cut(h, ":")
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t\r\n") || strings.ContainsAny(value, "\r\n") {
			return badInput("bad --header %q: want \"Name: value\"", h)
		}
		t.Header = append(t.Header, handshake.Field{Name: name, Value: strings.TrimSpace(value)})
	}
	if c.origin != "" {
		t.Header = append(t.Header, handshake.Field{Name: "Origin", Value: c.origin})
	}
	if len(c.protocols) > 0 {
		t.Header = append(t.Header, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: strings.Join(c.protocols, ", ")})
	}
	t.HTTP2 = c.http2
	return c.applyProxy(t)
}

// applyProxy sets t's proxy: --proxy, or else the one the environment
// names for the target (HTTPS_PROXY for wss://, HTTP_PROXY for ws://,
// NO_PROXY exempting hosts), read the way Go's net/http reads them:
// loopback targets never go through an environment proxy.
func (c connection) applyProxy(t *probe.Target) error {
	raw, from := c.proxy, "--proxy"
	if raw == noProxy {
		return nil // not even the environment's
	}
	if t.Unix != "" {
		if raw != "" {
			return badInput("--proxy: a ws+unix:// target is reached through its socket, not a proxy")
		}
		return nil
	}
	if raw == "" {
		lookup := *t.URL
		lookup.Scheme = map[string]string{"ws": "http", "wss": "https"}[t.URL.Scheme]
		p, err := httpproxy.FromEnvironment().ProxyFunc()(&lookup)
		if err != nil {
			return badInput("proxy from the environment: %v", err)
		}
		if p == nil {
			return nil
		}
		raw, from = p.String(), proxyVariable(lookup.Scheme)
		t.ProxyFrom = from
	}
	p, err := neturl.Parse(raw)
	if err != nil || p.Host == "" || p.Scheme != "http" && p.Scheme != "https" && p.Scheme != "socks5" && p.Scheme != "socks5h" {
		return badInput("bad %s %q: want http[s]://[user:pass@]host:port, socks5://[user:pass@]host:port or none", from, redactURL(raw))
	}
	t.Proxy = p
	if p.Scheme == "https" {
		// As Go's net/http does, the proxy is trusted as the target is
		// (--ca, --insecure); its certificate is checked for its own name.
		t.ProxyTLS = &tls.Config{InsecureSkipVerify: c.insecure}
		if t.TLSConfig != nil {
			t.ProxyTLS.RootCAs = t.TLSConfig.RootCAs
		}
	}
	return nil
}

// noProxy is the --proxy value that connects directly, whatever the
// environment says.
const noProxy = "none"

// proxyVariable names the environment variable a proxy for scheme comes
// from.
func proxyVariable(scheme string) string {
	name := "HTTP_PROXY"
	if scheme == "https" {
		name = "HTTPS_PROXY"
	}
	if os.Getenv(name) == "" {
		name = strings.ToLower(name)
	}
	return name
}

// redactURL is a URL with its password hidden, for messages.
func redactURL(raw string) string {
	if u, err := neturl.Parse(raw); err == nil {
		return u.Redacted()
	}
	return raw
}
