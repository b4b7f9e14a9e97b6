package conformtest

import (
	"context"
	"errors"
	"net"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// Dial connects the client under test to url, echoes every message it
// receives with its type (text as text, binary as binary) and answers the
// server's close, returning once the connection has ended. Its error is
// logged, never judged: the verdict is what the client did on the wire.
type Dial func(ctx context.Context, url string) error

// Client certifies a WebSocket client: the catalogue's cases that can test
// a client are played from the server side, one subtest each. For every
// case, Client listens on loopback, calls dial with a URL naming the case,
// and judges what the client sends and how it closes, with the same
// verdicts, options and failure text as Server.
func Client(t *testing.T, dial Dial, opts ...Option) {
	t.Helper()
	s, ok := settle(t, opts)
	if !ok {
		return
	}
	selected, err := s.selection(cases.SelectClients)
	if err != nil {
		t.Fatalf("conformtest: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("conformtest: %v", err)
	}
	p := &player{waiting: map[string]chan probe.Incoming{}, slots: make(chan struct{}, s.parallel),
		results: map[string]cases.Result{}, done: map[string]chan struct{}{}}
	base := "ws://" + ln.Addr().String() + "/"
	p.env = probe.Env{Timeouts: probe.DefaultTimeouts(), Scale: s.scale, Keys: &p.keys}
	go p.accept(ln)

	c := &certification{s: s, name: t.Name(), selected: selected, start: time.Now()}
	c.reproduce = func(id string) string {
		return "with your client pointed at it: wsconform clients --cases " + id
	}
	c.collect = func(queued []*cases.Case) *cases.Run {
		run := &cases.Run{Schema: cases.SchemaVersion, Tool: "wsconform conformtest", Catalogue: cases.CatalogueDigest(),
			Target: cases.TargetInfo{URL: base, Agent: "conformtest " + t.Name()}, Selection: s.recorded(),
			Started: c.start, Duration: time.Since(c.start)}
		for _, cs := range queued {
			r, ok := p.result(cs.ID)
			if !ok {
				r = cases.NotRunResult(cs, "not run: the case did not finish")
			}
			run.Results = append(run.Results, r)
		}
		sort.Slice(run.Results, func(i, j int) bool { return cases.LessID(run.Results[i].ID, run.Results[j].ID) })
		return run
	}
	t.Cleanup(func() { ln.Close() })
	t.Cleanup(func() { c.finish(t) }) // after every subtest
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	for _, cs := range selected {
		done := make(chan struct{})
		p.done[cs.ID] = done
		t.Run(cs.ID, func(t *testing.T) {
			c.register(cs)
			// As for a server, the subtests wait here while every case -run
			// selected is started (below), up to Parallel at a time.
			t.Parallel()
			select {
			case <-done:
			case <-time.After(cs.Deadline(s.scale) + 5*time.Second + p.queueWait(cs)):
				t.Fatalf("[%s] the case did not finish within its deadline at timeout scale %g", cs.ID, s.scale)
			}
			res, dialErr := p.outcome(cs.ID)
			if dialErr != nil {
				t.Logf("dial returned: %v", dialErr)
			}
			c.verdict(t, cs, res)
		})
	}
	p.mu.Lock()
	p.queued = len(c.queued)
	p.mu.Unlock()
	for _, cs := range c.queued {
		go p.play(ctx, cs, base+url.PathEscape(cs.ID), dial)
	}
}

// player hands each incoming connection to the case its path names.
type player struct {
	env     probe.Env
	keys    probe.KeyLog  // every connection's Sec-WebSocket-Key (16.2.2: a key must be new)
	slots   chan struct{} // cases played at once
	mu      sync.Mutex
	waiting map[string]chan probe.Incoming // case id -> its connection
	results map[string]cases.Result
	dialErr map[string]error
	done    map[string]chan struct{} // closed once the case has its result; set before any play
	queued  int                      // cases to play, for queueWait
}

// queueWait bounds how long cs may wait for a slot: every queued case
// ahead of it runs to its deadline, Parallel at a time.
func (p *player) queueWait(cs *cases.Case) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return time.Duration(p.queued/cap(p.slots)+1) * cs.Deadline(p.env.Scale)
}

func (p *player) accept(ln net.Listener) {
	for {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		go p.route(nc)
	}
}

// route reads the request and gives the connection to the case it names;
// a connection for no waiting case is closed.
func (p *player) route(nc net.Conn) {
	req, br, err := probe.ReadRequest(nc, p.env.Timeouts.Scale(p.env.Scale))
	if err != nil {
		nc.Close()
		return
	}
	u, err := url.ParseRequestURI(req.Target)
	if err != nil {
		nc.Close()
		return
	}
	id, _ := url.PathUnescape(strings.TrimPrefix(u.Path, "/"))
	p.mu.Lock()
	ch := p.waiting[id]
	delete(p.waiting, id) // one connection per case
	p.mu.Unlock()
	if ch == nil {
		nc.Close()
		return
	}
	ch <- probe.Incoming{Conn: nc, Reader: br, Request: req}
}

// play runs cs against the client dial connects to u: the case's own
// deadline bounds the wait for the connection and the play.
func (p *player) play(ctx context.Context, cs *cases.Case, u string, dial Dial) {
	p.slots <- struct{}{}
	defer func() { <-p.slots }()
	ch := make(chan probe.Incoming, 1)
	p.mu.Lock()
	p.waiting[cs.ID] = ch
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, cs.Deadline(p.env.Scale))
	defer cancel()
	dialed := make(chan error, 1)
	go func() { dialed <- dial(ctx, u) }()
	var res cases.Result
	var dialErr error
	select {
	case in := <-ch:
		if cs.ClientRule != nil { // section 16: the client's own rules
			res = probe.PlayClientRule(ctx, cs, in.Conn, in.Reader, in.Request, p.env)
		} else {
			res = probe.Play(ctx, cs, in, p.env)
		}
		select { // the client returns once the connection is gone
		case dialErr = <-dialed:
		case <-time.After(time.Second):
		}
	case dialErr = <-dialed:
		res = notConnected(cs, dialErr)
	case <-ctx.Done():
		res = notConnected(cs, errors.New("the client did not connect before the case's deadline"))
	}
	p.mu.Lock()
	delete(p.waiting, cs.ID)
	p.results[cs.ID] = res
	if dialErr != nil {
		if p.dialErr == nil {
			p.dialErr = map[string]error{}
		}
		p.dialErr[cs.ID] = dialErr
	}
	p.mu.Unlock()
	close(p.done[cs.ID])
}

func (p *player) outcome(id string) (cases.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.results[id], p.dialErr[id]
}

func (p *player) result(id string) (cases.Result, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.results[id]
	return r, ok
}

// notConnected is the result of a case whose client never connected: a
// client that cannot open the connection is not judged on the case.
func notConnected(cs *cases.Case, err error) cases.Result {
	if err == nil {
		err = errors.New("dial returned without connecting")
	}
	return cases.NotRunResult(cs, "not run: the client did not connect ("+err.Error()+")")
}
