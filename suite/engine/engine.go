// Package engine runs a selection of cases against one target: concurrently
// within a worker cap, serial cases alone, a crashed target named with the
// case that killed it, and the results gathered into a cases.Run. It knows
// nothing of Ginkgo or of terminals: suite (the Ginkgo front end of the CLI
// and `go test ./suite`) and conformtest (for a library's own `go test`)
// both drive it.
package engine

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// Engine runs cases concurrently underneath a front end that awaits them one
// at a time (Ginkgo's specs, or subtests): Prefetch queues the selected cases in run order, the
// scheduler (schedule.go) starts them by cost within the worker limit, and
// each spec or subtest Awaits its own case, which moves it to the front of the queue.
// Serial cases run alone, one after another, once the pool has drained.
type Engine struct {
	env     probe.Env
	workers int
	// OnResult, if set, is called once per finished case (progress display).
	OnResult func(cases.Result)

	mu        sync.Mutex
	slots     map[string]*slot
	order     []string
	sched     *scheduler              // guarded by mu
	abandoned map[string]cases.Result // guarded by mu: see Abandon

	down    atomic.Pointer[cases.TargetDown]
	running sync.Map // case id -> struct{}: in flight
	crash   crashRecord
	// Execute runs one case on a real connection: probe.Run unless
	// replaced (by tests) before the first Prefetch or Await.
	Execute func(context.Context, *cases.Case, probe.Env) cases.Result
	stop    context.CancelFunc
	ctx     context.Context
}

type slot struct {
	c      *cases.Case
	weight weight
	state  atomic.Int32 // queued, running, done
	done   chan struct{}
	res    cases.Result
}

const (
	queued int32 = iota
	running
	finished
)

// New returns an engine for env with the given number of workers.
func New(env probe.Env, workers int) *Engine {
	if workers < 1 {
		workers = 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{env: env, workers: workers, slots: map[string]*slot{}, sched: newScheduler(workers), Execute: probe.Run, ctx: ctx, stop: cancel}
}

// slot returns c's slot, queueing the case the first time. The caller
// holds mu.
func (e *Engine) slot(c *cases.Case) *slot {
	s, ok := e.slots[c.ID]
	if !ok {
		s = &slot{c: c, weight: weightOf(c), done: make(chan struct{})}
		e.slots[c.ID] = s
		e.order = append(e.order, c.ID)
		e.sched.enqueue(s)
	}
	return s
}

// Prefetch queues the cases (in this order, those that wait on the target
// first) and starts as many as the scheduler admits.
func (e *Engine) Prefetch(cs []*cases.Case) {
	e.mu.Lock()
	defer e.mu.Unlock()
	// Cases that wait on the target (slow clients, up to 30 s each) go
	// first, so that their waits overlap the run instead of ending it.
	for _, c := range cs {
		if c.WaitsOnTarget() {
			e.slot(c)
		}
	}
	for _, c := range cs {
		e.slot(c)
	}
	e.dispatchLocked()
}

// Await returns c's result: finished, or awaited while it runs; a case
// not started yet goes to the front of the queue. ctx bounds the wait only
// (an interrupted spec), never the case.
func (e *Engine) Await(ctx context.Context, c *cases.Case) cases.Result {
	e.mu.Lock()
	s := e.slot(c)
	e.sched.promote(s)
	e.dispatchLocked()
	e.mu.Unlock()
	select {
	case <-s.done:
		return s.res
	case <-ctx.Done():
		return cases.NotRunResult(c, "interrupted while waiting for the case to finish")
	case <-e.ctx.Done():
		if s.state.Load() == queued {
			return cases.NotRunResult(c, "not run: interrupted")
		}
	}
	select {
	case <-s.done:
		return s.res
	case <-ctx.Done():
		return cases.NotRunResult(c, "interrupted while waiting for the case to finish")
	}
}

// dispatchLocked starts every case the scheduler admits now (none once
// the engine is closed). The caller holds mu.
func (e *Engine) dispatchLocked() {
	if e.ctx.Err() != nil {
		return
	}
	for s := e.sched.next(); s != nil; s = e.sched.next() {
		go func() {
			e.claimAndRun(e.ctx, s)
			e.mu.Lock()
			e.sched.release(s)
			e.dispatchLocked()
			e.mu.Unlock()
		}()
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
	s.res = e.Execute(ctx, s.c, e.env)
	e.afterCase(s) // while still listed as running: a crash names it in flight
	e.running.Delete(s.c.ID)
	e.report(s.res)
	return true
}

func (e *Engine) report(r cases.Result) {
	if e.OnResult != nil {
		e.OnResult(r)
	}
}

// Close stops starting cases and tells running ones to stop; what never
// started has no result (NOT RUN in the run).
func (e *Engine) Close() {
	e.stop()
	e.mu.Lock()
	e.sched.drain()
	e.mu.Unlock()
}

// Abandon records why a front end stopped waiting for c (a spec or
// subtest that reached its time limit): until c finishes, if it ever does,
// its result is NOT RUN with that reason, so the run is not taken for an
// interrupted one.
func (e *Engine) Abandon(c *cases.Case, why string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.abandoned == nil {
		e.abandoned = map[string]cases.Result{}
	}
	e.abandoned[c.ID] = cases.NotRunResult(c, why)
}

// Results returns every finished result, and the abandoned cases' NOT RUN
// results, in id order.
func (e *Engine) Results() []cases.Result {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []cases.Result
	for _, id := range e.order {
		s := e.slots[id]
		if s.state.Load() == finished {
			out = append(out, s.res)
		} else if r, ok := e.abandoned[id]; ok {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return cases.LessID(out[i].ID, out[j].ID) })
	return out
}
