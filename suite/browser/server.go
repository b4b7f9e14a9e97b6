package browser

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

//go:embed harness.html
var harnessPage []byte

// HarnessPage is the page the browser runs (embedded in the binary).
func HarnessPage() []byte { return harnessPage }

// Server limits: every read has a deadline, every frame a cap.
const (
	requestTimeout = 10 * time.Second // for the request head
	idleTimeout    = 15 * time.Second // between frames; and for a close-no-tcp client to close TCP
	maxPayload     = 1 << 20          // octets of one frame we read
)

// Server serves the harness page at / and, at /api/<case id>, answers each
// WebSocket connection as that browser API case's APIServer says. It is
// written on raw TCP so that it can answer the handshake wrongly on purpose.
type Server struct {
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	// lookup finds a case by id (cases.Lookup; tests swap in broken twins).
	lookup func(string) (*cases.Case, bool)
}

// Serve listens on addr (127.0.0.1:0 for any free port) and serves until Close.
func Serve(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}, lookup: cases.Lookup}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// PageURL is the harness page's address.
func (s *Server) PageURL() string { return "http://" + s.Addr() + "/" }

// CaseURL is the WebSocket address of a browser API case.
func (s *Server) CaseURL(id string) string { return "ws://" + s.Addr() + "/api/" + id }

// Close stops accepting, closes every connection and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.ln.Close()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

func (s *Server) serve(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(requestTimeout))
	br := bufio.NewReader(c)
	req, err := handshake.ReadRequest(br)
	if err != nil {
		return
	}
	c.SetDeadline(time.Now().Add(idleTimeout))
	path, _, _ := strings.Cut(req.Target, "?")
	id, isAPI := strings.CutPrefix(path, "/api/")
	switch {
	case path == "/":
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %d\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n", len(harnessPage))
		c.Write(harnessPage)
	case isAPI:
		cs, ok := s.lookup(id)
		if !ok || cs.API == nil {
			c.Write(handshake.BuildServerResponse(404, nil))
			return
		}
		playAPI(c, br, req, cs.API.Server)
	default:
		c.Write(handshake.BuildServerResponse(404, nil))
	}
}

// playAPI answers the handshake as sv says and then plays its action.
func playAPI(c net.Conn, br *bufio.Reader, req *handshake.Request, sv cases.APIServer) {
	key, _ := req.Get("Sec-WebSocket-Key")
	if sv.Answer == cases.APIAnswerStatus200 {
		c.Write(handshake.BuildServerResponse(200, nil))
		return
	}
	accept := handshake.AcceptKey(key)
	if sv.Answer == cases.APIAnswerWrongAccept {
		accept = handshake.AcceptKey(handshake.NewKey())
	}
	fields := []handshake.Field{{Name: "Upgrade", Value: "websocket"}, {Name: "Connection", Value: "Upgrade"}, {Name: "Sec-WebSocket-Accept", Value: accept}}
	if sv.Protocol != "" {
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: sv.Protocol})
	}
	if sv.Deflate && offersDeflate(req) {
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: "permessage-deflate"})
	}
	if _, err := c.Write(handshake.BuildServerResponse(101, fields)); err != nil {
		return
	}
	fr := frame.NewReader(br)
	switch sv.Then {
	case cases.ThenEcho:
		echo(c, fr)
	case cases.ThenClose, cases.ThenCloseNoTCP:
		var payload []byte
		if sv.Code != 0 {
			payload = frame.ClosePayload(sv.Code, sv.Reason)
		}
		if _, err := c.Write(frame.New(frame.OpClose, payload).Bytes()); err != nil {
			return
		}
		if awaitClose(c, fr) && sv.Then == cases.ThenCloseNoTCP {
			// Never close first: wait (bounded) for the client to.
			c.SetReadDeadline(time.Now().Add(idleTimeout))
			io.Copy(io.Discard, br)
		}
	case cases.ThenDrop:
		c.Write(frame.New(frame.OpText, []byte("Hello")).Bytes())
	}
}

func offersDeflate(req *handshake.Request) bool {
	for _, v := range req.Values("Sec-WebSocket-Extensions") {
		exts, err := handshake.ParseExtensions(v)
		if err != nil {
			continue
		}
		for _, e := range exts {
			if e.Name == "permessage-deflate" {
				return true
			}
		}
	}
	return false
}

// echo sends every data frame back as it came (opcode, FIN), answers pings,
// and answers a close with the same payload before closing TCP (§7.1.1:
// the server closes first).
func echo(c net.Conn, fr *frame.Reader) {
	for {
		c.SetReadDeadline(time.Now().Add(idleTimeout))
		f, err := frame.ReadFrame(fr, maxPayload)
		if err != nil {
			var v *frame.Violation
			if errors.As(err, &v) {
				c.Write(frame.New(frame.OpClose, frame.ClosePayload(1009, "")).Bytes())
			}
			return
		}
		out := frame.New(f.Opcode, f.Payload)
		out.Fin, out.Rsv = f.Fin, f.Rsv
		switch f.Opcode {
		case frame.OpPing:
			out = frame.New(frame.OpPong, f.Payload)
		case frame.OpPong:
			continue
		}
		if _, err := c.Write(out.Bytes()); err != nil || f.Opcode == frame.OpClose {
			return
		}
	}
}

// awaitClose reads until the client's close frame (true) or the end.
func awaitClose(c net.Conn, fr *frame.Reader) bool {
	for {
		c.SetReadDeadline(time.Now().Add(idleTimeout))
		f, err := frame.ReadFrame(fr, maxPayload)
		if err != nil {
			return false
		}
		if f.Opcode == frame.OpClose {
			return true
		}
	}
}
