package netfuzz

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

// plant is one bug planted in an otherwise conforming server, after the
// real ones in fuzz-perf.md §3.
type plant int

const (
	clean plant = iota
	// panicOnOneOctetClose: the close handler reads a status code from
	// payload[0:2]; the panic is recovered per connection, which drops TCP.
	panicOnOneOctetClose
	// crashOnHugeLength: a 64-bit length of 2^32 or more overflows a 32-bit
	// length and takes the process down.
	crashOnHugeLength
	// allocAnnounced: the payload buffer is allocated at the announced
	// length before a payload octet arrives; past the process's memory it
	// is killed (out of memory).
	allocAnnounced
	// hangOnEmptyFinalContinuation: the reader waits for data that an
	// empty final continuation never brings.
	hangOnEmptyFinalContinuation
	// crashOnReservedInFragment: a reserved opcode while a fragmented
	// message is open is looked up in a table of the open message's
	// handlers and crashes the process.
	crashOnReservedInFragment
	// crashOnLongHeaderLine: a header line past a fixed 4096-octet buffer
	// overflows it and crashes the process.
	crashOnLongHeaderLine
	// bombUnlimited: compressed messages are inflated without a limit;
	// past the process's memory it is killed.
	bombUnlimited
	// crashOnOneOctetClose: panicOnOneOctetClose's input, but nothing
	// recovers the panic: the process dies (its listener with it).
	crashOnOneOctetClose
	// wedgeOnOneOctetClose: the same input deadlocks the process: it
	// still accepts TCP (the kernel does) but never answers again.
	wedgeOnOneOctetClose
	// crashRestartedAtOnce: the same input kills the process, and its
	// supervisor has a new one listening at once.
	crashRestartedAtOnce
)

var plantNames = map[plant]string{clean: "clean", panicOnOneOctetClose: "panic on a one-octet close payload",
	crashOnHugeLength: "crash on a length of 2^32 or more", allocAnnounced: "allocation of the announced length",
	hangOnEmptyFinalContinuation: "hang on an empty final continuation", crashOnReservedInFragment: "crash on a reserved opcode inside a fragmented message",
	crashOnLongHeaderLine: "crash on a long header line", bombUnlimited: "decompression bomb accepted without limit",
	crashOnOneOctetClose: "process dies on a one-octet close payload", wedgeOnOneOctetClose: "process wedged by a one-octet close payload",
	crashRestartedAtOnce: "process dies on a one-octet close payload and is restarted at once"}

// Limits of the planted server: the memory its process may use (a real
// allocation or inflation past it is an out-of-memory kill, simulated so
// that the test allocates nothing), its message limit (as the reference
// server's), and how long a crashed process takes to be restarted: long
// enough that the fuzzer's liveness check sees it down even on a loaded
// machine (a server back before that check looks like one that only
// dropped the connection).
const (
	plantedMemory     = 3 << 20
	plantedMaxMessage = 4 << 20
	plantedLineBuffer = 4096
	restartAfter      = time.Second
)

// plantedServer is a small conforming server (handshake with
// permessage-deflate, every receiving rule through reference/receive, ping
// and close answers, echo) with one planted bug. A crash closes the
// listener and every connection, as a dying process would, and a
// supervisor restarts it on the same address after restartAfter.
type plantedServer struct {
	plant plant
	addr  string
	stop  chan struct{}

	mu      sync.Mutex
	l       net.Listener
	conns   map[net.Conn]bool
	crashes int
	closed  bool
	wedged  bool
}

func startPlanted(t *testing.T, p plant) (*plantedServer, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &plantedServer{plant: p, addr: l.Addr().String(), stop: make(chan struct{}), conns: map[net.Conn]bool{}}
	s.serveListener(l)
	t.Cleanup(s.close)
	return s, "ws://" + s.addr + "/"
}

func (s *plantedServer) serveListener(l net.Listener) {
	s.mu.Lock()
	s.l = l
	s.mu.Unlock()
	s.accept(l)
}

func (s *plantedServer) accept(l net.Listener) {
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns[c] = true
			s.mu.Unlock()
			go s.serve(c)
		}
	}()
}

func (s *plantedServer) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.stop)
		if s.l != nil { // nil while a crashed server waits for its restart
			s.l.Close()
		}
		for c := range s.conns {
			c.Close()
		}
	}
}

// crash takes the "process" down and has it restarted.
func (s *plantedServer) crash() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed || s.l == nil {
		return
	}
	s.crashes++
	s.l.Close()
	s.l = nil
	if s.plant == crashRestartedAtOnce {
		// The supervisor has the new process listening before the old
		// one's connections are gone: no dial is ever refused.
		if l, err := net.Listen("tcp", s.addr); err == nil {
			s.l = l
			s.accept(l)
		}
	}
	for c := range s.conns {
		c.Close()
	}
	clear(s.conns)
	if s.l != nil {
		return
	}
	time.AfterFunc(restartAfter, func() {
		// Up to 10 s: while it is down, a connection of the fuzzer's may
		// hold its port number as its own local port, until it closes.
		for range 500 {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			if l, err := net.Listen("tcp", s.addr); err == nil {
				s.serveListener(l)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func (s *plantedServer) Crashes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crashes
}

func (s *plantedServer) serve(c net.Conn) {
	defer func() {
		recover() // a handler's panic ends its connection only (net/http does the same)
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	s.mu.Lock()
	wedged := s.wedged
	s.mu.Unlock()
	if wedged {
		<-s.stop
		return
	}
	c.SetDeadline(time.Now().Add(time.Minute))
	br := bufio.NewReader(c)
	head, ok := s.readHead(c, br)
	if !ok {
		return
	}
	req, err := handshake.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		c.Write(handshake.BuildServerResponse(400, nil))
		return
	}
	status, fields, _ := handshake.ValidateRequest(req)
	var agreed *deflate.Params
	if status == 101 {
		var exts []handshake.Extension
		for _, v := range req.Values("Sec-WebSocket-Extensions") {
			if e, err := handshake.ParseExtensions(v); err == nil {
				exts = append(exts, e...)
			}
		}
		offers, _ := deflate.Offers(exts)
		if p, ok := deflate.Accept(offers); ok {
			agreed = &p
			fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: handshake.FormatExtensions([]handshake.Extension{p.Extension()})})
		}
	}
	c.Write(handshake.BuildServerResponse(status, fields))
	if status != 101 {
		return
	}
	s.frames(c, br, agreed)
}

// readHead reads the request head line by line, as a server with a fixed
// line buffer does.
func (s *plantedServer) readHead(c net.Conn, br *bufio.Reader) ([]byte, bool) {
	var head []byte
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return nil, false
		}
		if s.plant == crashOnLongHeaderLine && len(line) > plantedLineBuffer {
			s.crash()
			return nil, false
		}
		head = append(head, line...)
		if len(head) > handshake.MaxHeaderBytes {
			c.Write(handshake.BuildServerResponse(431, nil))
			return nil, false
		}
		if line == "\r\n" || line == "\n" {
			return head, true
		}
	}
}

func (s *plantedServer) frames(c net.Conn, br *bufio.Reader, agreed *deflate.Params) {
	send := func(f frame.Frame) { c.Write(f.Bytes()) }
	fail := func(code frame.CloseCode) {
		send(frame.New(frame.OpClose, frame.ClosePayload(code, "")))
		// Half-close and drain: closing with unread octets would reset the
		// connection, and a reset can destroy the close frame in flight.
		if tc, ok := c.(*net.TCPConn); ok {
			tc.CloseWrite()
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		io.Copy(io.Discard, br)
	}
	cfg := receive.Config{From: frame.FromClient, MaxMessage: plantedMaxMessage, TextAtEnd: true}
	var inflater *deflate.Decompressor
	if agreed != nil {
		cfg.Extensions = frame.PerMessageDeflate
		limit := int64(plantedMaxMessage)
		if s.plant == bombUnlimited {
			limit = 1 << 62
		}
		inflater = deflate.NewDecompressor(agreed.ClientNoContextTakeover, limit)
	}
	rc := receive.New(cfg)
	r := frame.NewReader(br)
	open := false // a fragmented message is open
	var msg []byte
	for {
		h, err := r.Next()
		if err != nil {
			return
		}
		switch {
		case s.plant == crashOnHugeLength && h.Length >= 1<<32,
			s.plant == allocAnnounced && h.Length > plantedMemory,
			s.plant == crashOnReservedInFragment && open && h.Opcode.IsReserved():
			s.crash()
			return
		case s.plant == hangOnEmptyFinalContinuation && open && h.Opcode == frame.OpContinuation && h.Fin && h.Length == 0:
			<-s.stop
			return
		}
		kind, v := rc.Frame(h)
		if v != nil {
			fail(v.Code)
			return
		}
		payload, err := io.ReadAll(r)
		if err != nil {
			return
		}
		switch {
		case kind == receive.Skip:
			continue
		case h.Opcode == frame.OpPing:
			send(frame.New(frame.OpPong, payload))
			continue
		case h.Opcode == frame.OpPong:
			continue
		case h.Opcode == frame.OpClose:
			code := frame.CloseNormal
			switch {
			case (s.plant == crashOnOneOctetClose || s.plant == crashRestartedAtOnce) && len(payload) == 1:
				s.crash()
				return
			case s.plant == wedgeOnOneOctetClose && len(payload) == 1:
				s.mu.Lock()
				s.wedged = true
				s.mu.Unlock()
				<-s.stop
				return
			}
			if s.plant == panicOnOneOctetClose && len(payload) > 0 {
				code = frame.CloseCode(payload[0])<<8 | frame.CloseCode(payload[1]) // index out of range on one octet
			}
			if _, v := rc.Close(payload); v != nil {
				code = v.Code
			}
			fail(code)
			return
		}
		open = !rc.Final()
		msg = append(msg, payload...)
		if !rc.Compressed() {
			if v := rc.Data(payload); v != nil {
				fail(v.Code)
				return
			}
		}
		if !rc.Final() {
			continue
		}
		if rc.Compressed() {
			out := &inflated{s: s, bomb: s.plant == bombUnlimited, text: rc.Opcode() == frame.OpText}
			_, err := inflater.DecompressTo(out, bytes.NewReader(msg))
			switch {
			case errors.Is(err, errOutOfMemory):
				s.crash()
				return
			case err != nil:
				fail(receive.InflateViolation(err).Code)
				return
			case out.text && out.utf8.Finish() >= 0:
				fail(frame.CloseInvalidPayload)
				return
			}
			msg = out.keep
		} else if v := rc.End(); v != nil {
			fail(v.Code)
			return
		}
		send(frame.New(rc.Opcode(), msg[:min(len(msg), 64<<10)]))
		msg = nil
	}
}

var errOutOfMemory = errors.New("out of memory")

// inflated takes an inflated message: it keeps its start for the echo,
// checks text as UTF-8, and counts the octets; with the bomb planted, the
// whole message is held, so past plantedMemory the process would be killed.
type inflated struct {
	s          *plantedServer
	bomb, text bool
	used       int
	keep       []byte
	utf8       utf8stream.Validator
}

func (m *inflated) Write(p []byte) (int, error) {
	m.used += len(p)
	if m.bomb && m.used > plantedMemory {
		return 0, errOutOfMemory
	}
	if m.text {
		m.utf8.Write(p)
	}
	if len(m.keep) < 64<<10 {
		m.keep = append(m.keep, p[:min(len(p), 64<<10-len(m.keep))]...)
	}
	return len(p), nil
}
