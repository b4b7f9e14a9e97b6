package server

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/wsconform/wsconform/reference/h2ws"
	"github.com/wsconform/wsconform/reference/handshake"
)

// serveConn serves one accepted connection: HTTP/2 when it opens with the
// client preface (h2c with prior knowledge, or h2 after TLS's ALPN), the
// RFC 6455 handshake otherwise.
func (s *Server) serveConn(c net.Conn) {
	if s.cfg.DisableHTTP2 {
		newSession(c, s.cfg).run()
		return
	}
	// Peeking waits for the first octet only (and for the rest of the
	// preface only after a 'P'), so a client dripping its HTTP/1.1
	// request is timed by the handshake timeout as before.
	br := bufio.NewReaderSize(c, len(h2ws.Preface))
	c.SetReadDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	first, err := br.Peek(1)
	if err == nil && first[0] == h2ws.Preface[0] {
		var head []byte
		head, err = br.Peek(len(h2ws.Preface))
		if err == nil && string(head) == h2ws.Preface {
			s.serveH2(peekedConn{c, br})
			return
		}
	}
	c.SetReadDeadline(time.Time{})
	newSession(peekedConn{c, br}, s.cfg).run()
}

// peekedConn reads what was peeked first.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

func (p peekedConn) CloseWrite() error {
	if cw, ok := p.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// maxH2Streams bounds the WebSockets one HTTP/2 connection carries at once.
const maxH2Streams = 100

// serveH2 runs one HTTP/2 connection: every stream a WebSocket opened by an
// extended CONNECT (RFC 8441), served by a session of its own.
func (s *Server) serveH2(c net.Conn) {
	settings := []http2.Setting{{ID: http2.SettingMaxConcurrentStreams, Val: maxH2Streams}}
	if !s.cfg.H2WithoutConnectProtocol {
		// RFC 8441 §3: a server that accepts extended CONNECT says so.
		settings = append(settings, http2.Setting{ID: http2.SettingEnableConnectProtocol, Val: 1})
	}
	h, err := h2ws.NewServer(c, h2ws.Config{Settings: settings, PrefaceTimeout: s.cfg.HandshakeTimeout, WriteTimeout: s.cfg.WriteTimeout,
		WithholdStreamCredit: s.cfg.Faults.H2WithholdWindow, MaxStreams: maxH2Streams})
	if err != nil {
		return
	}
	defer h.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	idle := time.AfterFunc(s.cfg.IdleTimeout, func() { h.Close() })
	defer idle.Stop()
	var mu sync.Mutex
	active := 0
	for {
		st, err := h.Accept()
		if err != nil {
			return
		}
		mu.Lock()
		active++
		idle.Stop()
		mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.serveStream(st)
			mu.Lock()
			if active--; active == 0 {
				idle.Reset(s.cfg.IdleTimeout) // no WebSocket left: an idle connection ends
			}
			mu.Unlock()
		}()
	}
}

// serveStream answers one extended CONNECT and, once it is accepted, runs
// the same echo session as over HTTP/1.1 on the stream.
func (s *Server) serveStream(st *h2ws.Stream) {
	req := st.Request()
	st.SetDeadline(time.Now().Add(s.cfg.HandshakeTimeout))
	if r := h2ws.CheckRequest(req, !s.cfg.H2WithoutConnectProtocol); r != nil && !s.cfg.Faults.H2AcceptMalformed {
		s.cfg.Logf("server: %s: stream %d: refusing the request (%s, %s): %s", st.RemoteAddr(), st.ID(), r.Rule, r.Section, r.Why)
		if r.Status == 0 {
			// RFC 9113 §8.1.1: a malformed request is a stream error of
			// type PROTOCOL_ERROR.
			st.Reset(http2.ErrCodeProtocol)
			st.Close()
			return
		}
		fields := []hpack.HeaderField{{Name: ":status", Value: strconv.Itoa(r.Status)}}
		if r.Rule == h2ws.RuleWrongVersion {
			fields = append(fields, hpack.HeaderField{Name: "sec-websocket-version", Value: "13"})
		}
		st.Respond(fields, true)
		st.Close()
		return
	}
	var conn net.Conn = st
	if s.cfg.Faults.H2ResetOnClose {
		conn = resetOnClose{st}
	}
	sess := newSession(conn, s.cfg)
	hreq := &handshake.Request{Method: "CONNECT"}
	for _, f := range req {
		if !strings.HasPrefix(f.Name, ":") {
			hreq.Add(f.Name, f.Value)
		}
	}
	ext, extFields, pmd := negotiateExtensions(hreq, s.cfg)
	if err := sess.startDeflate(pmd); err != nil {
		st.Respond([]hpack.HeaderField{{Name: ":status", Value: "500"}}, true)
		st.Close()
		return
	}
	sess.ext = ext
	// RFC 8441 §5: 200 accepts; there is no Sec-WebSocket-Accept.
	fields := []hpack.HeaderField{{Name: ":status", Value: "200"}}
	for _, f := range extFields {
		fields = append(fields, hpack.HeaderField{Name: strings.ToLower(f.Name), Value: f.Value})
	}
	if err := st.Respond(fields, false); err != nil {
		st.Close()
		return
	}
	st.SetDeadline(time.Time{})
	sess.runUpgraded()
}

// resetOnClose ends a stream with RST_STREAM where END_STREAM is due
// (Faults.H2ResetOnClose).
type resetOnClose struct{ *h2ws.Stream }

func (r resetOnClose) CloseWrite() error { return nil }

func (r resetOnClose) Close() error {
	r.Reset(http2.ErrCodeCancel)
	return r.Stream.Close()
}
