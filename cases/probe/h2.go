package probe

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http2/hpack"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/h2ws"
	"github.com/wsconform/wsconform/reference/handshake"
)

// ErrNoConnectProtocol is an HTTP/2 server that did not advertise
// SETTINGS_ENABLE_CONNECT_PROTOCOL: RFC 8441 §3 forbids the client to send
// an extended CONNECT then, so no WebSocket can be opened over HTTP/2.
var ErrNoConnectProtocol = errors.New("the server did not advertise SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3), so no extended CONNECT was sent")

// ErrNoH2 is a server that does not speak HTTP/2 where we asked: ALPN did
// not pick h2, or the h2c preface got no SETTINGS frame back.
var ErrNoH2 = errors.New("the server does not speak HTTP/2 here")

// startH2 turns a freshly dialled transport into an HTTP/2 client
// connection: over TLS only if ALPN picked h2, otherwise h2c with prior
// knowledge (RFC 9113 §3.3).
func startH2(nc net.Conn, log *WireLog) (*h2ws.Conn, error) {
	if tc, ok := nc.(*tls.Conn); ok {
		if p := tc.ConnectionState().NegotiatedProtocol; p != "h2" {
			return nil, fmt.Errorf("%w: ALPN picked %q, not h2", ErrNoH2, p)
		}
	}
	return h2ws.NewClient(nc, h2ws.Config{Trace: h2Trace(log)})
}

// h2Trace notes HTTP/2 frames in the wire log, less DATA frames (their
// WebSocket octets are logged anyway) other than those ending a stream,
// and WINDOW_UPDATEs.
func h2Trace(log *WireLog) func(string) {
	return func(line string) {
		if strings.Contains(line, "WINDOW_UPDATE") || strings.Contains(line, " DATA ") && !strings.Contains(line, "END_STREAM") {
			return
		}
		log.Note("h2: " + line)
	}
}

// h2Fields is the extended CONNECT (RFC 8441 §5) carrying what req says:
// its path, Host as :authority, and every field but those RFC 8441 drops
// from the HTTP/1.1 handshake (Host, Upgrade, Connection,
// Sec-WebSocket-Key), names in lower case (RFC 9113 §8.2.1).
func h2Fields(scheme string, req *handshake.Request) []hpack.HeaderField {
	host, _ := req.Get("Host")
	fs := []hpack.HeaderField{
		{Name: ":method", Value: "CONNECT"},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: scheme},
		{Name: ":path", Value: req.Target},
		{Name: ":authority", Value: host},
	}
	for _, f := range req.Header {
		switch name := strings.ToLower(f.Name); name {
		case "host", "upgrade", "connection", "sec-websocket-key":
		default:
			fs = append(fs, hpack.HeaderField{Name: name, Value: f.Value})
		}
	}
	return fs
}

// FormatH2 is a header list as the report shows a handshake: one field a
// line.
func FormatH2(fs []hpack.HeaderField) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	return b.String()
}

// H2Response is an HTTP/2 response header list as a handshake.Response:
// Proto "HTTP/2", the :status, the regular fields.
func H2Response(fs []hpack.HeaderField) *handshake.Response {
	r := &handshake.Response{Proto: "HTTP/2", Status: h2ws.Status(fs), Raw: []byte(FormatH2(fs))}
	for _, f := range fs {
		if !strings.HasPrefix(f.Name, ":") {
			r.Header = append(r.Header, handshake.Field{Name: f.Name, Value: f.Value})
		}
	}
	return r
}

// handshakeH2 is Handshake over HTTP/2: wait for the server's SETTINGS,
// send the extended CONNECT, read its response; once accepted, the stream
// carries the WebSocket and closing it closes the connection.
func (c *Conn) handshakeH2(req *handshake.Request) (*observed.Handshake, error) {
	start := time.Now()
	deadline := start.Add(c.timeouts.Handshake)
	fields := h2Fields(c.h2Scheme, req)
	hs := &observed.Handshake{Request: FormatH2(fields), Sent: req}
	fail := func(err error) (*observed.Handshake, error) {
		hs.Duration = time.Since(start)
		hs.TimedOut = errors.Is(err, os.ErrDeadlineExceeded)
		return hs, err
	}
	set, err := c.h2.PeerSettings(deadline)
	if err != nil {
		return fail(fmt.Errorf("%w: %v", ErrNoH2, err))
	}
	if !set.ConnectProtocol() {
		return fail(ErrNoConnectProtocol)
	}
	st, err := c.h2.Open(fields, false)
	if err != nil {
		return fail(fmt.Errorf("sending the extended CONNECT: %w", err))
	}
	resp, err := st.Response(deadline)
	if err != nil {
		return fail(fmt.Errorf("reading the extended CONNECT response: %w", err))
	}
	hs.Duration = time.Since(start)
	hs.Answer = H2Response(resp)
	hs.Response = string(hs.Answer.Raw)
	hs.Status = hs.Answer.Status
	hs.Violations = handshake.ValidateH2Response(req, hs.Answer)
	if len(hs.Violations) > 0 {
		st.Close()
		return hs, fmt.Errorf("extended CONNECT refused: %v", hs.Violations[0])
	}
	st.OwnConn()
	c.nc = st
	c.Log.Note(fmt.Sprintf("extended CONNECT accepted on HTTP/2 stream %d in %v", st.ID(), hs.Duration.Round(time.Microsecond)))
	return hs, nil
}
