package serverfuzz

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// newPipe returns the two ends of an in-memory connection. Unlike net.Pipe,
// each direction is buffered (up to limit octets), so the client can write
// a whole session while the server writes its answers, and an end can shut
// its writing side (CloseWrite) and go on reading, as over TCP: that is how
// the harness says "no more input" and still collects everything the server
// sends back. Deadlines work as on a net.Conn.
func newPipe(limit int) (client, server *pipeEnd) {
	up := newHalf(limit)   // client to server
	down := newHalf(limit) // server to client
	client = newEnd(down, up, "client")
	server = newEnd(up, down, "server")
	return client, server
}

// half is one direction of a pipe.
type half struct {
	mu      sync.Mutex
	buf     []byte
	off     int // buf[off:] is unread
	limit   int
	eof     bool          // the writer shut it: reads drain then get io.EOF
	broken  bool          // the reader closed: writes fail
	changed chan struct{} // closed (and replaced) at every change
}

func newHalf(limit int) *half { return &half{limit: limit, changed: make(chan struct{})} }

// notify wakes every waiter; called with mu held.
func (h *half) notify() {
	close(h.changed)
	h.changed = make(chan struct{})
}

func (h *half) shut() {
	h.mu.Lock()
	if !h.eof {
		h.eof = true
		h.notify()
	}
	h.mu.Unlock()
}

func (h *half) breakReader() {
	h.mu.Lock()
	if !h.broken {
		h.broken = true
		h.notify()
	}
	h.mu.Unlock()
}

type pipeEnd struct {
	rd, wr          *half
	readDL, writeDL deadline
	closeOnce       sync.Once
	closed          chan struct{}
	name            string
	onClose         func() // called once, when the end is closed
	onCloseMu       sync.Mutex
	exec            *execution // the session served over this end (server end)
}

func newEnd(rd, wr *half, name string) *pipeEnd {
	p := &pipeEnd{rd: rd, wr: wr, closed: make(chan struct{}), name: name}
	p.readDL.init()
	p.writeDL.init()
	return p
}

type pipeAddr string

func (a pipeAddr) Network() string { return "pipe" }
func (a pipeAddr) String() string  { return string(a) }

func isClosedChan(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func (p *pipeEnd) Read(b []byte) (int, error) {
	h := p.rd
	for {
		switch {
		case isClosedChan(p.closed):
			return 0, net.ErrClosed
		case isClosedChan(p.readDL.wait()):
			return 0, os.ErrDeadlineExceeded
		}
		h.mu.Lock()
		if h.off < len(h.buf) {
			n := copy(b, h.buf[h.off:])
			h.off += n
			if h.off == len(h.buf) {
				h.buf, h.off = h.buf[:0], 0
			}
			h.notify()
			h.mu.Unlock()
			return n, nil
		}
		if h.eof {
			h.mu.Unlock()
			return 0, io.EOF
		}
		changed := h.changed
		h.mu.Unlock()
		if len(b) == 0 {
			return 0, nil
		}
		select {
		case <-changed:
		case <-p.readDL.wait():
		case <-p.closed:
		}
	}
}

func (p *pipeEnd) Write(b []byte) (int, error) {
	h := p.wr
	n := 0
	for {
		switch {
		case isClosedChan(p.closed):
			return n, net.ErrClosed
		case isClosedChan(p.writeDL.wait()):
			return n, os.ErrDeadlineExceeded
		}
		h.mu.Lock()
		if h.broken || h.eof {
			h.mu.Unlock()
			return n, io.ErrClosedPipe
		}
		if len(b) == 0 {
			h.mu.Unlock()
			return n, nil
		}
		if room := h.limit - (len(h.buf) - h.off); room > 0 {
			k := min(room, len(b))
			h.buf = append(h.buf, b[:k]...)
			b, n = b[k:], n+k
			h.notify()
			h.mu.Unlock()
			continue
		}
		changed := h.changed
		h.mu.Unlock()
		select {
		case <-changed:
		case <-p.writeDL.wait():
		case <-p.closed:
		}
	}
}

// CloseWrite shuts the writing side: the peer reads what was written, then
// io.EOF. Reading goes on.
func (p *pipeEnd) CloseWrite() error {
	p.wr.shut()
	return nil
}

func (p *pipeEnd) Close() error {
	p.closeOnce.Do(func() {
		close(p.closed)
		p.wr.shut()
		p.rd.breakReader()
		p.onCloseMu.Lock()
		f := p.onClose
		p.onCloseMu.Unlock()
		if f != nil {
			f()
		}
	})
	return nil
}

// notifyClose sets f to be called when the end is closed (at once if it is).
func (p *pipeEnd) notifyClose(f func()) {
	p.onCloseMu.Lock()
	p.onClose = f
	p.onCloseMu.Unlock()
	if isClosedChan(p.closed) {
		f()
	}
}

func (p *pipeEnd) LocalAddr() net.Addr  { return pipeAddr(p.name) }
func (p *pipeEnd) RemoteAddr() net.Addr { return pipeAddr(p.name + "-peer") }

func (p *pipeEnd) SetDeadline(t time.Time) error {
	p.readDL.set(t)
	p.writeDL.set(t)
	return nil
}
func (p *pipeEnd) SetReadDeadline(t time.Time) error  { p.readDL.set(t); return nil }
func (p *pipeEnd) SetWriteDeadline(t time.Time) error { p.writeDL.set(t); return nil }

// deadline is a channel closed when the deadline passes: net/http sets a
// deadline in the past to stop a read in flight, and that must wake it.
type deadline struct {
	mu    sync.Mutex
	timer *time.Timer
	ch    chan struct{}
}

func (d *deadline) init() { d.ch = make(chan struct{}) }

func (d *deadline) wait() <-chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.ch
}

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.ch // the timer fired: wait until its func has closed the channel
	}
	d.timer = nil
	expired := isClosedChan(d.ch)
	if t.IsZero() {
		if expired {
			d.ch = make(chan struct{})
		}
		return
	}
	if wait := time.Until(t); wait > 0 {
		if expired {
			d.ch = make(chan struct{})
		}
		ch := d.ch
		d.timer = time.AfterFunc(wait, func() { close(ch) })
		return
	}
	if !expired {
		close(d.ch)
	}
}
