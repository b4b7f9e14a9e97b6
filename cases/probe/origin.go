package probe

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Origin is the origin server behind an intermediary (run --upstream).
// Every connection is served by the reference server (fallback), except
// those a section 19 case announced by their Sec-WebSocket-Key: the
// origin plays those itself, as the server side of the probe, so the case
// sees what reached it and can make it send. The key is the one field an
// intermediary that relays WebSockets cannot change (the answer's
// Sec-WebSocket-Accept is computed from it), so it ties the two ends of a
// connection together without anything added to the request.
type Origin struct {
	l        net.Listener
	fallback func(net.Conn)
	to       Timeouts

	mu       sync.Mutex
	expected map[string]*OriginVisit
	closed   bool
	wg       sync.WaitGroup
}

// OriginVisit is one announced connection as the origin saw it.
type OriginVisit struct {
	ctx       context.Context
	protocols []string
	deflate   bool
	log       *WireLog
	arrived   chan struct{} // closed once the handshake is answered or failed

	// Set before arrived is closed.
	Request   *handshake.Request
	Handshake *observed.Handshake
	Conn      *Conn  // nil if the handshake failed
	Selected  string // the subprotocol the origin selected
	Err       error
}

// maxRequestHead bounds what the origin reads before it knows which
// server a connection is for.
const maxRequestHead = 16 << 10

// NewOrigin serves l: announced connections itself, every other one with
// fallback (the reference server's ServeConn).
func NewOrigin(l net.Listener, fallback func(net.Conn), to Timeouts) *Origin {
	o := &Origin{l: l, fallback: fallback, to: to, expected: map[string]*OriginVisit{}}
	o.wg.Add(1)
	go o.serve()
	return o
}

// Addr is the address the origin listens on.
func (o *Origin) Addr() net.Addr { return o.l.Addr() }

// Close stops the listener and waits for the connections it accepted to
// be handed on.
func (o *Origin) Close() error {
	o.mu.Lock()
	o.closed = true
	o.mu.Unlock()
	err := o.l.Close()
	o.wg.Wait()
	return err
}

func (o *Origin) serve() {
	defer o.wg.Done()
	for {
		nc, err := o.l.Accept()
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		o.wg.Add(1)
		go func() {
			defer o.wg.Done()
			o.route(nc)
		}()
	}
}

// Expect announces a connection by its key: the origin plays it, selecting
// the first of protocols the request offers and accepting a plain
// permessage-deflate offer when deflate is set. Forget it when done.
func (o *Origin) Expect(ctx context.Context, key string, protocols []string, deflate bool, log *WireLog) *OriginVisit {
	v := &OriginVisit{ctx: ctx, protocols: protocols, deflate: deflate, log: log, arrived: make(chan struct{})}
	o.mu.Lock()
	o.expected[key] = v
	o.mu.Unlock()
	return v
}

// Forget withdraws an announcement.
func (o *Origin) Forget(key string) {
	o.mu.Lock()
	delete(o.expected, key)
	o.mu.Unlock()
}

// Arrived is closed once the announced connection's handshake is done.
func (v *OriginVisit) Arrived() <-chan struct{} { return v.arrived }

// route reads the request head (bounded, with the handshake timeout),
// then plays an announced connection or hands the connection, with the
// octets read so far, to the fallback.
func (o *Origin) route(nc net.Conn) {
	rec := &recordingReader{r: nc}
	nc.SetReadDeadline(time.Now().Add(o.to.Handshake))
	br := bufio.NewReaderSize(rec, 4096)
	req, err := handshake.ReadRequest(br)
	nc.SetReadDeadline(time.Time{})
	var v *OriginVisit
	if err == nil {
		key, _ := req.Get("Sec-WebSocket-Key")
		o.mu.Lock()
		v = o.expected[key]
		delete(o.expected, key)
		o.mu.Unlock()
	}
	if v == nil {
		o.fallback(&replayConn{Conn: nc, prefix: rec.buf.Bytes()})
		return
	}
	v.Request = req
	side := ServerSide{Protocols: v.protocols}
	if v.deflate {
		side.Deflate = func(offers []deflate.Params) (deflate.Params, bool) {
			return AcceptDeflate([]cases.DeflateAccept{{}}, offers)
		}
	}
	v.Conn, v.Handshake, v.Err = Accept(v.ctx, nc, br, req, side, o.to, v.log)
	if v.Err == nil {
		v.Selected = chooseProtocol(req, v.protocols)
	}
	close(v.arrived)
}

// recordingReader keeps what it reads, up to maxRequestHead octets (the
// request head and what followed it in the same reads).
type recordingReader struct {
	r   net.Conn
	buf bytes.Buffer
}

func (r *recordingReader) Read(p []byte) (int, error) {
	room := maxRequestHead - r.buf.Len()
	if room <= 0 {
		return 0, errors.New("origin: request head too large")
	}
	n, err := r.r.Read(p[:min(len(p), room)])
	r.buf.Write(p[:n])
	return n, err
}

// replayConn reads prefix before the connection.
type replayConn struct {
	net.Conn
	prefix []byte
}

func (c *replayConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite lets the fallback half-close, as on a TCP connection.
func (c *replayConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// originFields are the request fields a case compares with what it sent.
func originFields(req *handshake.Request, name string) string {
	if req == nil {
		return ""
	}
	return strings.Join(req.Values(name), ", ")
}

// ErrOriginMissed is CheckOrigin's answer when a connection through the
// target never reached the origin.
var ErrOriginMissed = errors.New("the connection through the target never reached the origin server")

// CheckOrigin opens one connection through env's target and reports
// whether it reached env.Origin (the handshake timeout after the 101).
// A target that cannot be reached at all is the pre-flight's to report.
func CheckOrigin(ctx context.Context, env Env) error {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	key := handshake.NewKey()
	log := NewWireLog(time.Now())
	v := env.Origin.Expect(ctx, key, nil, false, log)
	defer env.Origin.Forget(key)
	conn, _, err := Open(ctx, env.Target, env.timeouts(), log, func(req *handshake.Request) { req.Set("Sec-WebSocket-Key", key) })
	if err != nil {
		return err
	}
	t := time.NewTimer(env.timeouts().Handshake)
	defer t.Stop()
	var oconn *Conn
	select {
	case <-v.Arrived():
		oconn = v.Conn
	case <-t.C:
	}
	conn.SendClose(1000, "")
	end(ctx, conn, env)
	if oconn == nil {
		return ErrOriginMissed
	}
	end(ctx, oconn, env)
	return nil
}
