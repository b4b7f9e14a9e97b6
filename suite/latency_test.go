package suite_test

import (
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// latencyProxy forwards TCP to upstream and delays everything the server
// sends by d, as a distant server would: it shows what concurrency buys
// when cases spend their time waiting on the network.
type latencyProxy struct {
	ln       net.Listener
	upstream string
	delay    time.Duration
	wg       sync.WaitGroup
}

func startLatencyProxy(t testing.TB, upstream string, d time.Duration) *latencyProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &latencyProxy{ln: ln, upstream: upstream, delay: d}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

func (p *latencyProxy) Addr() string { return p.ln.Addr().String() }

func (p *latencyProxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.upstream, 2*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.wg.Add(2)
		go func() { defer p.wg.Done(); io.Copy(up, c); closeWrite(up) }()
		go func() { defer p.wg.Done(); delayedCopy(c, up, p.delay); c.Close(); up.Close() }()
	}
}

type stamped struct {
	b  []byte
	at time.Time
}

// delayedCopy copies src to dst, each chunk d after it was read, keeping
// the stream pipelined (a delay, not a throughput limit).
func delayedCopy(dst io.Writer, src io.Reader, d time.Duration) {
	ch := make(chan stamped, 1024)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32<<10)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- stamped{buf[:n], time.Now().Add(d)}
			}
			if err != nil {
				return
			}
		}
	}()
	for s := range ch {
		time.Sleep(time.Until(s.at))
		if _, err := dst.Write(s.b); err != nil {
			for range ch {
			}
			return
		}
	}
}

func closeWrite(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
}
