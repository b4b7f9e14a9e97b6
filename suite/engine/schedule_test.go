package engine

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
)

func TestWeightOf(t *testing.T) {
	for _, tc := range []struct {
		c    cases.Case
		want weight
	}{
		{cases.Case{ID: "1.1.1"}, light},
		{cases.Case{ID: "12.1.1", Compression: &cases.CompressionPlan{}}, heavy},
		{cases.Case{ID: "x", Labels: []string{"performance"}}, heavy},
		{cases.Case{ID: "9.1.1", Serial: true, Labels: []string{"performance"}}, alone},
		{cases.Case{ID: "5.1", Close: cases.CloseExpect{Codes: []frame.CloseCode{1002}}}, risky},
		{cases.Case{ID: "7.1.1", Close: cases.CloseExpect{Codes: []frame.CloseCode{1000}}}, light},
	} {
		if got := weightOf(&tc.c); got != tc.want {
			t.Errorf("%s: weight %d, want %d", tc.c.ID, got, tc.want)
		}
	}
}

// TestSchedulerNext: which queued case starts, given what is in flight and
// what is awaited.
func TestSchedulerNext(t *testing.T) {
	mk := func(id string, w weight) *slot { return &slot{c: &cases.Case{ID: id}, weight: w} }
	for _, tc := range []struct {
		name     string
		queue    []weight
		promote  []int // indexes into queue
		inFlight []weight
		want     []int // indexes started, in order, until next() is nil
	}{
		{"fills the pool in run order", []weight{light, light, light, light, light}, nil, nil, []int{0, 1, 2, 3}},
		{"heavy capped at the heavy slots", []weight{heavy, heavy, heavy, light}, nil, nil, []int{0, 1, 3}},
		{"light passes heavy with no slot", []weight{heavy, light}, nil, []weight{heavy, heavy}, []int{1}},
		{"awaited goes first", []weight{light, light, light}, []int{2}, []weight{light, light}, []int{2, 0}},
		{"awaited heavy is not overtaken by a queued heavy", []weight{heavy, heavy}, []int{1}, []weight{heavy}, []int{1}},
		{"one risky case at a time", []weight{risky, risky, light}, nil, nil, []int{0, 2}},
		{"serial not started unawaited while others are queued", []weight{alone, light}, nil, nil, []int{1}},
		{"serial unawaited when nothing else is queued, alone", []weight{alone, alone}, nil, nil, []int{0}},
		{"awaited serial drains the pool first", []weight{light, alone}, []int{1}, []weight{light}, nil},
		{"awaited serial starts on an empty pool, alone", []weight{light, alone}, []int{1}, nil, []int{1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scheduler{maxAll: 4, maxHeavy: 2}
			var q []*slot
			for i, w := range tc.queue {
				q = append(q, mk(fmt.Sprint(i), w))
				s.enqueue(q[i])
			}
			for _, i := range tc.promote {
				s.promote(q[i])
			}
			for i, w := range tc.inFlight {
				s.take(mk(fmt.Sprint("f", i), w))
			}
			var got []int
			for sl := s.next(); sl != nil; sl = s.next() {
				for i := range q {
					if q[i] == sl {
						got = append(got, i)
					}
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("started %v, want %v", got, tc.want)
			}
		})
	}
}

// TestSchedulerSerialPhase: once a serial case has run, the next serial
// case goes before pooled ones, so section 9 drains the pool once.
func TestSchedulerSerialPhase(t *testing.T) {
	s := &scheduler{maxAll: 4, maxHeavy: 2}
	a, b, l := &slot{weight: alone}, &slot{weight: alone}, &slot{weight: light}
	s.enqueue(a)
	s.enqueue(b)
	s.enqueue(l)
	s.promote(a)
	if got := s.next(); got != a {
		t.Fatal("the awaited serial case did not start on an empty pool")
	}
	if got := s.next(); got != nil {
		t.Fatal("a case started beside a serial one")
	}
	s.release(a)
	if got := s.next(); got != b {
		t.Fatal("the next serial case did not follow the first")
	}
	s.release(b)
	if got := s.next(); got != l {
		t.Fatal("pooled cases did not resume after the serial ones")
	}
}

// TestEngineRunsByCost runs a mix of light, heavy, risky and serial cases
// on the engine, awaited in a shuffled order as Ginkgo's randomised
// sections await them: the pool never exceeds the workers, heavy cases
// never exceed the heavy slots, risky cases run one at a time, a serial
// case has nothing beside it, and every case gets its own result (none
// NOT RUN).
func TestEngineRunsByCost(t *testing.T) {
	const workers = 6
	var mu sync.Mutex
	inFlight := map[weight]int{}
	var peakAll, peakHeavy int
	var violations []string
	took := map[string]time.Duration{}
	run := func(ctx context.Context, c *cases.Case, env probe.Env) cases.Result {
		w, d := weightOf(c), took[c.ID]
		mu.Lock()
		inFlight[w]++
		all := inFlight[light] + inFlight[heavy] + inFlight[risky] + inFlight[alone]
		peakAll, peakHeavy = max(peakAll, all), max(peakHeavy, inFlight[heavy])
		if inFlight[alone] > 0 && all > 1 {
			violations = append(violations, fmt.Sprintf("a serial case ran beside %d others", all-1))
		}
		if inFlight[risky] > 1 {
			violations = append(violations, fmt.Sprintf("%d cases that must be rejected ran at once", inFlight[risky]))
		}
		mu.Unlock()
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
		mu.Lock()
		inFlight[w]--
		mu.Unlock()
		// The target closed: no liveness check after the case (crash.go).
		return cases.Result{ID: c.ID, Behavior: cases.OK, BehaviorClose: cases.CloseOK, Close: &observed.CloseState{ReceivedClose: true}}
	}
	var cs []*cases.Case
	add := func(c *cases.Case, d time.Duration) { cs, took[c.ID] = append(cs, c), d }
	for i := range 30 {
		add(&cases.Case{ID: fmt.Sprintf("1.%d", i+1)}, 5*time.Millisecond)
	}
	for i := range 8 {
		add(&cases.Case{ID: fmt.Sprintf("12.%d", i+1), Labels: []string{"performance"}}, 30*time.Millisecond)
	}
	for i := range 3 {
		add(&cases.Case{ID: fmt.Sprintf("9.%d", i+1), Serial: true}, 20*time.Millisecond)
	}
	for i := range 5 {
		add(&cases.Case{ID: fmt.Sprintf("5.%d", i+1), Close: cases.CloseExpect{Codes: []frame.CloseCode{1002}}}, 5*time.Millisecond)
	}
	eng := New(probe.Env{}, workers)
	eng.Execute = run
	defer eng.Close()
	eng.Prefetch(cs)
	order := append([]*cases.Case{}, cs...)
	rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	for _, c := range order {
		if r := eng.Await(t.Context(), c); r.Behavior != cases.OK || r.ID != c.ID {
			t.Errorf("%s: got %s %s (%s)", c.ID, r.ID, r.Behavior, r.Reason)
		}
	}
	if peakAll > workers {
		t.Errorf("%d cases at once, want at most %d", peakAll, workers)
	}
	if peakHeavy > heavySlots(workers) {
		t.Errorf("%d heavy cases at once, want at most %d", peakHeavy, heavySlots(workers))
	}
	for _, v := range violations {
		t.Error(v)
	}
	if got := len(eng.Results()); got != len(cs) {
		t.Errorf("%d results, want %d", got, len(cs))
	}
}

// TestEngineCloseLeavesQueuedCasesUnrun: after Close nothing starts, and
// awaiting a queued case returns NOT RUN at once instead of hanging.
func TestEngineCloseLeavesQueuedCasesUnrun(t *testing.T) {
	started := make(chan struct{}, 10)
	block := func(ctx context.Context, c *cases.Case, env probe.Env) cases.Result {
		started <- struct{}{}
		<-ctx.Done()
		return cases.Result{ID: c.ID, Behavior: cases.Failed, Close: &observed.CloseState{ReceivedClose: true}}
	}
	var cs []*cases.Case
	for i := range 3 {
		cs = append(cs, &cases.Case{ID: fmt.Sprintf("1.%d", i+1)})
	}
	eng := New(probe.Env{}, 1)
	eng.Execute = block
	eng.Prefetch(cs)
	<-started
	eng.Close()
	for _, c := range cs[1:] {
		if r := eng.Await(t.Context(), c); r.Behavior != cases.NotRun {
			t.Errorf("%s after Close: %s, want NOT RUN", c.ID, r.Behavior)
		}
	}
	if len(started) != 0 {
		t.Errorf("%d cases started after Close", len(started))
	}
}

// An abandoned case is NOT RUN with the reason given until it finishes;
// a result that arrives later replaces it.
func TestAbandon(t *testing.T) {
	release := make(chan struct{})
	eng := New(probe.Env{}, 1)
	eng.Execute = func(ctx context.Context, c *cases.Case, env probe.Env) cases.Result {
		<-release
		return cases.Result{ID: c.ID, Behavior: cases.OK, BehaviorClose: cases.CloseOK, Close: &observed.CloseState{ReceivedClose: true}}
	}
	defer eng.Close()
	c := &cases.Case{ID: "1.1"}
	eng.Prefetch([]*cases.Case{c})
	eng.Abandon(c, "we stopped waiting")
	if rs := eng.Results(); len(rs) != 1 || rs[0].Behavior != cases.NotRun || rs[0].Reason != "we stopped waiting" {
		t.Fatalf("abandoned: %+v", rs)
	}
	close(release)
	if r := eng.Await(t.Context(), c); r.Behavior != cases.OK {
		t.Fatalf("await: %s", r.Behavior)
	}
	if rs := eng.Results(); len(rs) != 1 || rs[0].Behavior != cases.OK {
		t.Errorf("finished after it was abandoned: %+v", rs)
	}
}
