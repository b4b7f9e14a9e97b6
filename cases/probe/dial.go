package probe

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/net/proxy"
)

// dialTransport opens the byte stream under a connection to t: a Unix
// socket, a TCP connection, or a tunnel through t's proxy, all within
// timeout.
func dialTransport(ctx context.Context, t Target, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	switch {
	case t.Unix != "":
		return d.DialContext(ctx, "unix", t.Unix)
	case t.Proxy == nil:
		return d.DialContext(ctx, "tcp", t.Address())
	}
	nc, err := dialProxy(ctx, t, d)
	if err != nil && t.ProxyFrom != "" {
		// The user did not name this proxy: say where it came from.
		err = fmt.Errorf("through the proxy in %s: %w", t.ProxyFrom, err)
	}
	return nc, err
}

func dialProxy(ctx context.Context, t Target, d *net.Dialer) (net.Conn, error) {
	switch t.Proxy.Scheme {
	case "http", "https":
		return dialViaConnect(ctx, t.Proxy, t.ProxyTLS, t.Address(), d.Timeout)
	case "socks5", "socks5h":
		return dialViaSOCKS5(ctx, t.Proxy, t.Address(), d)
	}
	return nil, fmt.Errorf("proxy %s: unsupported scheme %q (http, https, socks5 or socks5h)", t.Proxy.Redacted(), t.Proxy.Scheme)
}

// dialViaSOCKS5 opens a connection to addr through a SOCKS5 proxy (RFC
// 1928), authenticating with the URL's user and password (RFC 1929) when
// it has them. The host name goes to the proxy unresolved.
func dialViaSOCKS5(ctx context.Context, p *url.URL, addr string, d *net.Dialer) (net.Conn, error) {
	pd, err := proxy.FromURL(p, d)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", p.Redacted(), err)
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	nc, err := pd.(proxy.ContextDialer).DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("SOCKS5 proxy %s: %w", p.Host, err)
	}
	return nc, nil
}

// dialViaConnect opens a tunnel to addr through an HTTP proxy with CONNECT
// (RFC 9110 §9.3.6), as WebSocket clients behind corporate proxies do
// (RFC 6455 §4.1 mentions this route); the URL's user and password go in
// Proxy-Authorization (Basic). An https:// proxy is spoken to in TLS
// (config tlsCfg, checked against the proxy's host name), and the tunnel
// runs inside that TLS connection.
func dialViaConnect(ctx context.Context, p *url.URL, tlsCfg *tls.Config, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	host := p.Host
	if p.Port() == "" {
		host = net.JoinHostPort(p.Hostname(), map[string]string{"http": "80", "https": "443"}[p.Scheme])
	}
	nc, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", p.Host, err)
	}
	nc.SetDeadline(time.Now().Add(timeout))
	if p.Scheme == "https" {
		cfg := &tls.Config{}
		if tlsCfg != nil {
			cfg = tlsCfg.Clone()
		}
		cfg.ServerName, cfg.NextProtos = p.Hostname(), []string{"http/1.1"}
		tc := tls.Client(nc, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return nil, fmt.Errorf("proxy %s: TLS handshake: %w", p.Host, err)
		}
		nc = tc
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u := p.User; u != nil {
		pw, _ := u.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)) + "\r\n"
	}
	if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy %s: %w", p.Host, err)
	}
	br := bufio.NewReader(nc)
	// With the CONNECT request given, a 2xx has no body: the tunnel starts
	// right after the head.
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy %s: reading the CONNECT response: %w", p.Host, err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 { // RFC 9110 §9.3.6: any 2xx opens the tunnel
		nc.Close()
		return nil, fmt.Errorf("proxy %s refused CONNECT %s: %s", p.Host, addr, resp.Status)
	}
	if br.Buffered() > 0 {
		nc.Close()
		return nil, fmt.Errorf("proxy %s sent data before the tunnel was open", p.Host)
	}
	nc.SetDeadline(time.Time{})
	return nc, nil
}
