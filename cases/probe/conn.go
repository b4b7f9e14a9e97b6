// Package probe is one client-side WebSocket connection driven on purpose:
// dial (TCP or TLS) with deadlines, an opening handshake that may be broken
// at will, raw frame I/O with chop sizes and pauses inside a frame, a record
// of every event the peer caused, the closing handshake as RFC 6455 §7
// describes it, and a wire log. The catalogue's scripts and the network
// fuzzer both drive a peer through it.
package probe

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/h2ws"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Target is the server under test.
type Target struct {
	// URL is what the opening handshake asks for (ws:// or wss://; for a
	// server on a Unix socket its host is "localhost").
	URL       *url.URL
	TLSConfig *tls.Config // for wss://; nil means a default config
	// Proxy, if set, is the proxy every connection goes through: http://
	// or https:// (a CONNECT tunnel, inside TLS to the proxy for https://)
	// or socks5:// (socks5h:// alike), with optional
	// user:password for Proxy-Authorization or SOCKS5 authentication.
	Proxy *url.URL
	// ProxyFrom names where Proxy came from when that was not the command
	// line (an environment variable): errors of the proxy name it.
	ProxyFrom string
	// ProxyTLS is the TLS configuration for an https:// proxy (nil: the
	// system's roots; the proxy's host name is checked either way).
	ProxyTLS *tls.Config
	// Unix, if set, is the path of the Unix socket the server listens on
	// (ws+unix:// URLs): connections go there instead of URL's host.
	Unix string
	// Header holds fields every opening handshake carries: what a target
	// behind authentication, an Origin check or a required subprotocol
	// needs before it will talk WebSocket at all.
	Header []handshake.Field
	// HTTP2 carries every WebSocket over HTTP/2 (RFC 8441): an extended
	// CONNECT on a connection of its own, h2 by ALPN for wss://, h2c with
	// prior knowledge for ws://.
	HTTP2 bool
}

// NewRequest is a valid RFC 6455 opening handshake for the target, with a
// fresh key and the target's extra fields (replacing defaults of the same
// name).
func (t Target) NewRequest() *handshake.Request {
	req := handshake.NewClientRequest(t.URL, handshake.NewKey())
	for _, f := range t.Header {
		req.Set(f.Name, f.Value)
	}
	return req
}

// ParseTarget checks a ws:// or wss:// URL, or a ws+unix:// (wss+unix://)
// one naming a Unix socket the way Node's ws does:
// ws+unix:///path/to.sock:/ws/path?query, the socket path up to the first
// colon (so it cannot hold one), the request path after it ("/" when
// absent). IPv6 literals go in brackets: ws://[::1]:9001/.
func ParseTarget(raw string) (Target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return Target{}, fmt.Errorf("bad target URL %q: %v", raw, err)
	}
	var unix string
	switch u.Scheme {
	case "ws", "wss":
		if u.Host == "" {
			return Target{}, fmt.Errorf("bad target URL %q: no host", raw)
		}
	case "ws+unix", "wss+unix":
		if u.Host != "" || u.Path == "" {
			return Target{}, fmt.Errorf("bad target URL %q: want %s:///path/to.sock:/request/path", raw, u.Scheme)
		}
		var path string
		unix, path, _ = strings.Cut(u.Path, ":")
		u = &url.URL{Scheme: strings.TrimSuffix(u.Scheme, "+unix"), Host: "localhost", Path: path, RawQuery: u.RawQuery}
	default:
		return Target{}, fmt.Errorf("bad target URL %q: scheme must be ws or wss (or ws+unix, wss+unix)", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return Target{URL: u, Unix: unix}, nil
}

// Address is host:port with the scheme's default port filled in.
func (t Target) Address() string {
	if t.URL.Port() != "" {
		return t.URL.Host
	}
	if t.URL.Scheme == "wss" {
		return net.JoinHostPort(t.URL.Hostname(), "443")
	}
	return net.JoinHostPort(t.URL.Hostname(), "80")
}

// serverName is the name TLS checks the certificate against by default.
func (t Target) serverName() string { return t.URL.Hostname() }

// Timeouts of one connection. The defaults are Autobahn's protocol timers.
type Timeouts struct {
	Dial      time.Duration // TCP connect and TLS handshake
	Handshake time.Duration // opening handshake response
	CloseWait time.Duration // peer's reply to our close frame
	DropWait  time.Duration // peer closing TCP after the closing handshake
}

func DefaultTimeouts() Timeouts {
	return Timeouts{Dial: 5 * time.Second, Handshake: 5 * time.Second, CloseWait: time.Second, DropWait: time.Second}
}

// Scale multiplies every timeout, for slow targets.
func (t Timeouts) Scale(f float64) Timeouts {
	s := func(d time.Duration) time.Duration { return time.Duration(float64(d) * f) }
	return Timeouts{s(t.Dial), s(t.Handshake), s(t.CloseWait), s(t.DropWait)}
}

// MaxMessage bounds what the probe reassembles from the peer; section 9
// echoes reach 16 MiB.
const MaxMessage = 64 << 20

// Conn is one connection to the target.
type Conn struct {
	nc  net.Conn // the WebSocket's octets: TCP, TLS, or an HTTP/2 stream
	raw net.Conn // the transport under it (nc, unless HTTP/2)
	// h2 is the HTTP/2 connection until the extended CONNECT opens a
	// stream on it; h2Scheme is its :scheme.
	h2       *h2ws.Conn
	h2Scheme string
	br       *bufio.Reader
	// server: we play the server (Accept): frames go unmasked, the peer's
	// must be masked (§5.1), and we close TCP after the closing handshake.
	server   bool
	Log      *WireLog
	timeouts Timeouts
	stopCtx  func() bool

	wmu     sync.Mutex // held for a whole frame, including pauses inside it
	pongs   chan []byte
	inFrame bool // a frame is partly written; guarded by mu

	mu              sync.Mutex
	state           observed.CloseState
	events          eventLog      // bounded (record.go)
	done            chan struct{} // closed once TCP is gone and the reader has stopped
	closeT          *time.Timer
	dropT           *time.Timer
	txOctets        int64                 // octets written so far; guarded by mu
	txAtRemoteClose int64                 // txOctets when the peer's close arrived, -1 before
	txBase          int64                 // txOctets when the handshake was done
	corked          bool                  // writes are held in cork; guarded by wmu
	cork            []byte                // held writes; guarded by wmu
	messages        int                   // observed.Message events so far; guarded by mu
	wake            chan struct{}         // closed at the next event or the end; guarded by mu
	deflate         *deflateState         // permessage-deflate, nil unless negotiated (deflate.go)
	shapes          []observed.FrameShape // the first MaxShapes frames' headers; guarded by mu
	shapesOmitted   int                   // frames past MaxShapes; guarded by mu
	tlsx            *certExchange         // nil unless TLS

	// The reader's buffers, reused message after message (message.go).
	src   messageSource
	sink  messageSink
	chunk []byte
}

func (c *Conn) sent(b []byte) {
	c.mu.Lock()
	c.txOctets += int64(len(b))
	c.mu.Unlock()
	c.Log.Octets(observed.Sent, b)
}

// TLS is the negotiated TLS session, or nil for a connection without TLS.
func (c *Conn) TLS() *cases.TLSInfo {
	tc, ok := c.raw.(*tls.Conn)
	if !ok {
		return nil
	}
	info := TLSInfo(tc.ConnectionState())
	if info.ServerName == "" && c.tlsx != nil {
		info.ServerName = c.tlsx.serverName // an IP address: no SNI sent, still the name checked
	}
	return info
}

// tlsFailure wraps err, the failure of the first exchange after the TLS
// handshake, as a TLSError when TLS caused it: the server sent an alert,
// or it had asked for a client certificate we did not have and hung up.
func (c *Conn) tlsFailure(err error) error {
	tc, ok := c.raw.(*tls.Conn)
	if !ok || c.tlsx == nil {
		return err
	}
	var op *net.OpError
	hungUp := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET)
	if errors.As(err, &op) && op.Op == "remote error" || hungUp && c.tlsx.requested && !c.tlsx.sent {
		return &TLSError{Err: err, ServerName: tc.ConnectionState().ServerName, CertRequested: c.tlsx.requested, CertSent: c.tlsx.sent}
	}
	return err
}

// OctetsSentAtRemoteClose is how many octets we had handed to TCP (after
// the handshake) when the peer's close frame arrived, or -1: for fail-fast cases
// it tells at which octet the peer gave up.
func (c *Conn) OctetsSentAtRemoteClose() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.txAtRemoteClose < 0 {
		return -1
	}
	return c.txAtRemoteClose - c.txBase
}

// Dial opens TCP (and TLS for wss) to the target. The connection's deadline
// follows ctx: cancelling ctx unblocks every pending read and write.
func Dial(ctx context.Context, t Target, to Timeouts, log *WireLog) (*Conn, error) {
	nc, err := dialTransport(ctx, t, to.Dial)
	if err != nil {
		return nil, err
	}
	var tlsx *certExchange
	if t.URL.Scheme == "wss" {
		cfg, x := clientTLS(t)
		tc := tls.Client(nc, cfg)
		hctx, cancel := context.WithTimeout(ctx, to.Dial)
		err := tc.HandshakeContext(hctx)
		cancel()
		if err != nil {
			nc.Close()
			if t.HTTP2 && strings.Contains(err.Error(), "no application protocol") {
				// RFC 7301 §3.2: the server's alert for an ALPN offer
				// (ours: h2 only) it has nothing in common with.
				return nil, fmt.Errorf("%w: its TLS refused our ALPN offer h2 (%v)", ErrNoH2, err)
			}
			return nil, &TLSError{Err: err, ServerName: cfg.ServerName, CertRequested: x.requested, CertSent: x.sent}
		}
		nc, tlsx = tc, x
	}
	c := newConn(ctx, nc, to, log)
	c.tlsx = tlsx
	log.Note("TCP connected to " + nc.RemoteAddr().String())
	if t.HTTP2 {
		h, err := startH2(nc, log)
		if err != nil {
			c.Abort()
			<-c.finishNoReader()
			return nil, err
		}
		c.h2, c.h2Scheme = h, "http"
		if t.URL.Scheme == "wss" {
			c.h2Scheme = "https"
		}
	}
	return c, nil
}

// newConn wraps an open TCP (or TLS) connection; its deadline follows ctx.
func newConn(ctx context.Context, nc net.Conn, to Timeouts, log *WireLog) *Conn {
	c := &Conn{
		nc:       nc,
		raw:      nc,
		Log:      log,
		timeouts: to,
		pongs:    make(chan []byte, 64),
		done:     make(chan struct{}),

		txAtRemoteClose: -1,
	}
	c.br = bufio.NewReaderSize(loggingReader{c}, 64<<10)
	c.stopCtx = context.AfterFunc(ctx, func() { nc.SetDeadline(time.Now()) })
	return c
}

// WriteRaw writes octets as they are, in chops of chop octets (0: one write).
func (c *Conn) WriteRaw(b []byte, chop int) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.writeChopped(b, chop)
}

func (c *Conn) writeChopped(b []byte, chop int) error {
	if chop <= 0 {
		chop = len(b)
	}
	for len(b) > 0 {
		n := min(chop, len(b))
		if err := c.write(b[:n]); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// write sends b (and logs it as one write), or holds it while the
// connection is corked. The caller holds wmu.
func (c *Conn) write(b []byte) error {
	if c.corked {
		c.cork = append(c.cork, b...)
		return nil
	}
	// Counted before the write: the peer may answer (close, for a fail-fast
	// case) before Write returns, and the count must already include b.
	c.sent(b)
	_, err := c.nc.Write(b)
	return err
}

// Cork holds every write until Uncork, which sends them in one TCP write:
// frames Autobahn sends in one reactor turn reach the peer in one segment,
// and some peers behave differently when a close and the frames after it
// arrive together.
func (c *Conn) Cork() {
	c.wmu.Lock()
	c.corked = true
	c.wmu.Unlock()
}

// Uncork writes what Cork held, in one write.
func (c *Conn) Uncork() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.corked = false
	b := c.cork
	c.cork = nil
	if len(b) == 0 {
		return nil
	}
	c.sent(b)
	_, err := c.nc.Write(b)
	if cap(b) <= keepCorkLimit {
		c.cork = b[:0] // a bulk sender corks every message: reuse the buffer
	}
	return err
}

// keepCorkLimit is the largest cork buffer kept for the next Cork.
const keepCorkLimit = 256 << 10

// Abandon gives up on the connection at our own deadline: outstanding says
// what we were still doing or waiting for, for the report.
func (c *Conn) Abandon(outstanding string) {
	c.mu.Lock()
	if !c.closedLocked() {
		c.state.Abandoned = outstanding
	}
	c.mu.Unlock()
	c.Log.Note("our case deadline was reached " + outstanding + ": abandoning the connection")
	c.Abort()
}

// Abort closes TCP at once without a closing handshake.
func (c *Conn) Abort() {
	c.mu.Lock()
	if !c.closedLocked() {
		c.state.DroppedByMe = true
	}
	c.mu.Unlock()
	c.nc.Close()
}

func (c *Conn) closedLocked() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

type loggingReader struct{ c *Conn }

func (r loggingReader) Read(p []byte) (int, error) {
	n, err := r.c.nc.Read(p)
	if n > 0 {
		r.c.Log.Octets(observed.Received, p[:n])
	}
	return n, err
}

// NewMaskKey returns a random masking key, as §5.3 requires of clients
// ("derived from a strong source of entropy").
func NewMaskKey() [4]byte {
	var k [4]byte
	rand.Read(k[:])
	return k
}

// errClosing is returned by sends that were skipped because the connection
// is already closing.
var errClosing = errors.New("probe: connection closing")

// IsClosing reports whether err means a send was skipped because the
// connection was already going down (not a tool failure).
func IsClosing(err error) bool {
	return errors.Is(err, errClosing) || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)
}
