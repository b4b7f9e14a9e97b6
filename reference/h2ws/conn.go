// Package h2ws is WebSocket over HTTP/2 (RFC 8441) written once for both
// roles: an HTTP/2 connection (RFC 9113) driven frame by frame with
// golang.org/x/net/http2's Framer and hpack, the extended CONNECT that opens
// a WebSocket on one of its streams, and each stream as a net.Conn carrying
// WebSocket frames in DATA frames, with flow control and deadlines. The
// client side can send requests a server must refuse; the server side
// refuses them.
package h2ws

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// Defaults of the protocol (RFC 9113 §6.5.2) and of this package.
const (
	DefaultWindow       = 65535 // initial flow-control window of a stream and of the connection
	DefaultMaxFrameSize = 16384
	DefaultWriteTimeout = 10 * time.Second
	// maxHeaderList bounds a decoded header block we accept.
	maxHeaderList = 64 << 10
	// acceptQueue bounds the streams a server has not accepted yet.
	acceptQueue = 16
)

// Config tunes a Conn.
type Config struct {
	// Settings go in our first SETTINGS frame (a server advertising RFC
	// 8441 puts SettingEnableConnectProtocol=1 here).
	Settings []http2.Setting
	// WriteTimeout bounds every frame write on the socket (default 10 s).
	WriteTimeout time.Duration
	// PrefaceTimeout bounds a server's wait for the client preface.
	PrefaceTimeout time.Duration
	// Trace, when set, gets one line per frame sent or received.
	Trace func(line string)
	// MaxStreams bounds the streams a server has open at once (0: 100);
	// a client opening more gets RST_STREAM REFUSED_STREAM (RFC 9113
	// §5.1.2). Advertise it with SETTINGS_MAX_CONCURRENT_STREAMS.
	MaxStreams int
	// WithholdStreamCredit never gives a stream's window back (no
	// WINDOW_UPDATE for streams): a broken peer, for tests only.
	WithholdStreamCredit bool
}

// Settings is what a peer's SETTINGS frames said, in order.
type Settings struct {
	List []http2.Setting
}

// Value is the last value the peer gave id, and whether it gave one at all
// (an absent setting is not a zero one).
func (s Settings) Value(id http2.SettingID) (uint32, bool) {
	v, ok := uint32(0), false
	for _, x := range s.List {
		if x.ID == id {
			v, ok = x.Val, true
		}
	}
	return v, ok
}

// ConnectProtocol reports whether the peer enabled extended CONNECT (RFC
// 8441 §3: SETTINGS_ENABLE_CONNECT_PROTOCOL = 1).
func (s Settings) ConnectProtocol() bool {
	v, ok := s.Value(http2.SettingEnableConnectProtocol)
	return ok && v == 1
}

func (s Settings) String() string {
	if len(s.List) == 0 {
		return "(empty)"
	}
	parts := make([]string, len(s.List))
	for i, x := range s.List {
		parts[i] = x.String()
	}
	return strings.Join(parts, " ")
}

// GoAway is a GOAWAY frame the peer sent.
type GoAway struct {
	LastStreamID uint32
	Code         http2.ErrCode
	Debug        string
}

// Conn is one HTTP/2 connection, either role.
type Conn struct {
	nc     net.Conn
	fr     *http2.Framer
	cfg    Config
	server bool

	wmu  sync.Mutex // one frame (or header block) at a time on the socket
	henc *hpack.Encoder
	hbuf bytes.Buffer

	mu         sync.Mutex
	notify     chan struct{} // closed and replaced at every state change
	streams    map[uint32]*Stream
	nextID     uint32 // client: the next stream id to open
	lastPeerID uint32 // server: the highest stream the client opened
	settings   Settings
	settled    bool // the peer's first SETTINGS arrived
	sendWindow int64
	peerWindow int64 // the peer's initial stream window
	peerFrame  uint32
	goAway     *GoAway
	err        error // why the connection ended; nil while it runs
	accept     chan *Stream
	done       chan struct{}
}

// NewClient starts the client side on nc: the connection preface, our
// SETTINGS, and a goroutine reading the server's frames (RFC 9113 §3.4).
func NewClient(nc net.Conn, cfg Config) (*Conn, error) {
	c := newConn(nc, cfg, false)
	c.nextID = 1
	err := c.writeLocked(func() error {
		if _, err := io.WriteString(nc, http2.ClientPreface); err != nil {
			return err
		}
		c.trace("send preface")
		return c.fr.WriteSettings(cfg.Settings...)
	}, time.Time{})
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("sending the HTTP/2 preface: %w", err)
	}
	c.trace("send SETTINGS " + Settings{cfg.Settings}.String())
	go c.readLoop()
	return c, nil
}

// NewServer starts the server side on nc: it reads the client preface
// (within PrefaceTimeout, default 5 s), sends our SETTINGS and reads the
// client's frames in a goroutine. Accept returns the streams it opens.
func NewServer(nc net.Conn, cfg Config) (*Conn, error) {
	c := newConn(nc, cfg, true)
	c.accept = make(chan *Stream, acceptQueue)
	wait := cfg.PrefaceTimeout
	if wait <= 0 {
		wait = 5 * time.Second
	}
	nc.SetReadDeadline(time.Now().Add(wait))
	preface := make([]byte, len(http2.ClientPreface))
	if _, err := io.ReadFull(nc, preface); err != nil || string(preface) != http2.ClientPreface {
		nc.Close()
		if err == nil {
			err = errors.New("not the HTTP/2 client preface")
		}
		return nil, fmt.Errorf("reading the HTTP/2 preface: %w", err)
	}
	nc.SetReadDeadline(time.Time{})
	if err := c.writeLocked(func() error { return c.fr.WriteSettings(cfg.Settings...) }, time.Time{}); err != nil {
		nc.Close()
		return nil, err
	}
	c.trace("send SETTINGS " + Settings{cfg.Settings}.String())
	go c.readLoop()
	return c, nil
}

// Preface is the HTTP/2 client preface, for servers that tell it from an
// HTTP/1.1 request by its first octets.
const Preface = http2.ClientPreface

func newConn(nc net.Conn, cfg Config, server bool) *Conn {
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	c := &Conn{
		nc: nc, cfg: cfg, server: server,
		notify:     make(chan struct{}),
		streams:    make(map[uint32]*Stream),
		sendWindow: DefaultWindow,
		peerWindow: DefaultWindow,
		peerFrame:  DefaultMaxFrameSize,
		done:       make(chan struct{}),
	}
	c.fr = http2.NewFramer(nc, nc)
	c.fr.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
	c.fr.MaxHeaderListSize = maxHeaderList
	c.henc = hpack.NewEncoder(&c.hbuf)
	return c
}

func (c *Conn) trace(line string) {
	if c.cfg.Trace != nil {
		c.cfg.Trace(line)
	}
}

// changed wakes every waiter; the caller holds mu.
func (c *Conn) changed() {
	close(c.notify)
	c.notify = make(chan struct{})
}

// wait blocks until the state changes or deadline passes (zero: never),
// with mu held on entry and on return; false at the deadline.
func (c *Conn) wait(deadline time.Time) bool {
	ch := c.notify
	c.mu.Unlock()
	defer c.mu.Lock()
	if deadline.IsZero() {
		<-ch
		return true
	}
	d := time.Until(deadline)
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// writeLocked runs write with the socket to ourselves, within WriteTimeout
// (or deadline, if earlier).
func (c *Conn) writeLocked(write func() error, deadline time.Time) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	d := time.Now().Add(c.cfg.WriteTimeout)
	if !deadline.IsZero() && deadline.Before(d) {
		d = deadline
	}
	c.nc.SetWriteDeadline(d)
	return write()
}

// PeerSettings waits (until deadline) for the peer's first SETTINGS frame.
func (c *Conn) PeerSettings(deadline time.Time) (Settings, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.settled {
		if c.err != nil {
			return Settings{}, c.err
		}
		if !c.wait(deadline) {
			return Settings{}, fmt.Errorf("no SETTINGS frame from the peer: %w", os.ErrDeadlineExceeded)
		}
	}
	return c.settings, nil
}

// Settings is what the peer's SETTINGS frames said so far.
func (c *Conn) Settings() Settings {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.settings
}

// PeerGoAway is the peer's last GOAWAY, nil if none.
func (c *Conn) PeerGoAway() *GoAway {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.goAway
}

// Done is closed once the connection has ended; Err says why.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err is why the connection ended (nil while it runs).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close sends GOAWAY (NO_ERROR) and closes the socket.
func (c *Conn) Close() error {
	c.mu.Lock()
	last := c.lastPeerID
	ended := c.err != nil
	c.mu.Unlock()
	if !ended {
		c.writeLocked(func() error { return c.fr.WriteGoAway(last, http2.ErrCodeNo, nil) }, time.Now().Add(time.Second))
	}
	err := c.nc.Close()
	<-c.done
	return err
}

// Abort closes the socket without a GOAWAY.
func (c *Conn) Abort() {
	c.nc.Close()
	<-c.done
}

// RemoteAddr is the peer's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// Raw sends one frame exactly as given (type, flags, stream, payload): a
// peer's reaction to frames this package would never send is a result too.
func (c *Conn) Raw(t http2.FrameType, flags http2.Flags, stream uint32, payload []byte) error {
	c.trace(fmt.Sprintf("send raw frame type=%#x flags=%#x stream=%d len=%d", uint8(t), uint8(flags), stream, len(payload)))
	return c.writeLocked(func() error { return c.fr.WriteRawFrame(t, flags, stream, payload) }, time.Time{})
}

// Ping sends a PING; the answer shows as a traced PING ACK.
func (c *Conn) Ping(data [8]byte) error {
	c.trace("send PING")
	return c.writeLocked(func() error { return c.fr.WritePing(false, data) }, time.Time{})
}
