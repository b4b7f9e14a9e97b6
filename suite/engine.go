package suite

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// Engine runs cases concurrently underneath Ginkgo, which runs specs one at
// a time in a process: Prefetch feeds the selected cases to a worker pool in
// run order, and each spec Awaits its own case. A spec whose case nobody has
// started claims it and runs it inline, so no spec waits behind the queue.
// Serial cases run alone: they hold the write side of a lock that every
// pooled case holds for reading.
type Engine struct {
	env     cases.Env
	workers int
	// OnResult, if set, is called once per finished case (progress display).
	OnResult func(cases.Result)

	mu    sync.Mutex
	slots map[string]*slot
	order []string

	exclusive sync.RWMutex
	down      atomic.Pointer[cases.TargetDown]
	running   sync.Map // case id -> struct{}: in flight
	crash     crashRecord
	stop      context.CancelFunc
	ctx       context.Context
}

type slot struct {
	c     *cases.Case
	state atomic.Int32 // queued, running, done
	done  chan struct{}
	res   cases.Result
}

const (
	queued int32 = iota
	running
	finished
)

// NewEngine returns an engine for env with the given number of workers.
func NewEngine(env cases.Env, workers int) *Engine {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{env: env, workers: workers, slots: map[string]*slot{}, ctx: ctx, stop: cancel}
}

func (e *Engine) slot(c *cases.Case) *slot {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.slots[c.ID]
	if !ok {
		s = &slot{c: c, done: make(chan struct{})}
		e.slots[c.ID] = s
		e.order = append(e.order, c.ID)
	}
	return s
}

// Prefetch starts running the cases (in this order) on the worker pool.
// Serial cases are not prefetched; their specs run them inline, alone.
func (e *Engine) Prefetch(cs []*cases.Case) {
	queue := make(chan *slot)
	for range e.workers {
		go func() {
			for s := range queue {
				e.claimAndRun(e.ctx, s)
			}
		}()
	}
	go e.runIsolated(cs)
	go func() {
		defer close(queue)
		for _, c := range cs {
			if c.Serial || mustReject(c) {
				continue
			}
			s := e.slot(c)
			if s.state.Load() != queued {
				continue
			}
			select {
			case queue <- s:
			case <-e.ctx.Done():
				return
			}
		}
	}()
}

// Await returns c's result: finished, awaited while another goroutine runs
// it, or run inline under ctx if nobody has started it.
func (e *Engine) Await(ctx context.Context, c *cases.Case) cases.Result {
	s := e.slot(c)
	if e.claimAndRun(ctx, s) {
		return s.res
	}
	select {
	case <-s.done:
		return s.res
	case <-ctx.Done():
		return cases.NotRunResult(c, "interrupted while waiting for the case to finish")
	}
}

// claimAndRun runs the slot's case if it is still queued; it reports
// whether this call ran it.
func (e *Engine) claimAndRun(ctx context.Context, s *slot) bool {
	if !s.state.CompareAndSwap(queued, running) {
		return false
	}
	defer close(s.done)
	defer s.state.Store(finished)
	if s.c.Serial {
		e.exclusive.Lock()
		defer e.exclusive.Unlock()
	} else {
		e.exclusive.RLock()
		defer e.exclusive.RUnlock()
	}
	if d := e.down.Load(); d != nil {
		s.res = cases.NotRunResult(s.c, "not run: the target stopped accepting connections at "+d.At.Format(time.TimeOnly)+" ("+d.Error+")")
		e.report(s.res)
		return true
	}
	if ctx.Err() != nil {
		s.res = cases.NotRunResult(s.c, "not run: interrupted")
		e.report(s.res)
		return true
	}
	e.running.Store(s.c.ID, struct{}{})
	release := e.isolate(s.c)
	s.res = cases.Execute(ctx, s.c, e.env)
	e.afterCase(s) // while still listed as running: a crash names it in flight
	release()
	e.running.Delete(s.c.ID)
	e.report(s.res)
	return true
}

func (e *Engine) report(r cases.Result) {
	if e.OnResult != nil {
		e.OnResult(r)
	}
}

// Close stops feeding the pool; running cases finish under their deadlines.
func (e *Engine) Close() { e.stop() }

// Results returns every finished result, in id order.
func (e *Engine) Results() []cases.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []cases.Result
	for _, id := range e.order {
		s := e.slots[id]
		if s.state.Load() == finished {
			out = append(out, s.res)
		}
	}
	sort.Slice(out, func(i, j int) bool { return cases.LessID(out[i].ID, out[j].ID) })
	return out
}
