package probe

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// dialViaProxy opens a tunnel to addr through an HTTP proxy with CONNECT
// (RFC 9110 §9.3.6), as WebSocket clients behind corporate proxies do
// (RFC 6455 §4.1 mentions this route).
func dialViaProxy(ctx context.Context, proxy *url.URL, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	nc, err := d.DialContext(ctx, "tcp", proxy.Host)
	if err != nil {
		return nil, fmt.Errorf("proxy %s: %w", proxy.Host, err)
	}
	nc.SetDeadline(time.Now().Add(timeout))
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u := proxy.User; u != nil {
		pw, _ := u.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)) + "\r\n"
	}
	if _, err := nc.Write([]byte(req + "\r\n")); err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy %s: %w", proxy.Host, err)
	}
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("proxy %s: reading the CONNECT response: %w", proxy.Host, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		nc.Close()
		return nil, fmt.Errorf("proxy %s refused CONNECT %s: %s", proxy.Host, addr, resp.Status)
	}
	if br.Buffered() > 0 {
		nc.Close()
		return nil, fmt.Errorf("proxy %s sent data before the tunnel was open", proxy.Host)
	}
	nc.SetDeadline(time.Time{})
	return nc, nil
}
