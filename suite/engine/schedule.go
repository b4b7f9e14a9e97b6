package engine

import (
	"runtime"
	"slices"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// Scheduling by cost, not by count. Sixteen compression cases on two cores
// each get an eighth of a CPU, and the small cases beside them miss their
// timers: the verdicts would then measure our load, not the target. So a
// case has a weight, and the engine admits at most `workers` cases at once,
// of which at most two per CPU may be heavy and one may be risky (a likely
// killer of a fragile target), while a case that must run alone waits for
// the pool to drain with nothing new admitted.

// weight is what a case costs the machine running the suite.
type weight int

const (
	light weight = iota // mostly waits on the network and its timers
	heavy               // keeps a CPU busy on our side (compression, bulk data)
	risky               // sends what the target must reject: one at a time, so a crash names its killer (crash.go)
	alone               // timing-sensitive: runs with nothing else in flight
)

func weightOf(c *cases.Case) weight {
	switch {
	case c.Serial:
		return alone
	case mustReject(c):
		return risky
	case c.Compression != nil || slices.Contains(c.Labels, "performance"):
		return heavy
	}
	return light
}

// heavySlots is how many heavy cases may run at once: two per CPU we may
// use, never more than the pool. A compression case is a ping-pong (we
// compress, the target inflates and compresses its echo, we inflate it),
// so each case keeps at most one CPU busy and leaves it idle at every
// turn across loopback: one case per CPU used 140% of two CPUs. The
// deadlines charge only the target's turns (cases/targetclock.go), so a
// second case per CPU costs no verdict its fairness.
func heavySlots(workers int) int {
	return max(1, min(workers, 2*runtime.GOMAXPROCS(0)))
}

// scheduler decides which queued case starts next. It is guarded by the
// engine's mutex.
type scheduler struct {
	maxAll, maxHeavy int
	queue            []*slot // not started, in run order
	promoted         []*slot // awaited by someone: they go first
	inFlight, heavy  int
	risky            int  // 0 or 1
	aloneRunning     bool // a case that must run alone is in flight
	alonePhase       bool // cases that must run alone go one after another
}

func newScheduler(workers int) *scheduler {
	return &scheduler{maxAll: workers, maxHeavy: heavySlots(workers)}
}

func (s *scheduler) enqueue(sl *slot) { s.queue = append(s.queue, sl) }

// promote moves an awaited case ahead of the queue.
func (s *scheduler) promote(sl *slot) {
	if slices.Contains(s.queue, sl) && !slices.Contains(s.promoted, sl) {
		s.promoted = append(s.promoted, sl)
	}
}

func (s *scheduler) admissible(sl *slot) bool {
	switch {
	case s.aloneRunning:
		return false
	case sl.weight == alone:
		return s.inFlight == 0
	case sl.weight == heavy:
		return s.inFlight < s.maxAll && s.heavy < s.maxHeavy
	case sl.weight == risky:
		return s.inFlight < s.maxAll && s.risky == 0
	}
	return s.inFlight < s.maxAll
}

// next removes and returns the case to start now, or nil. Awaited cases
// go first. A case that must run alone, once awaited, holds back every
// other until the pool has drained (so its wait is bounded by the
// deadlines of the cases in flight), and then the cases that must run
// alone run one after another, awaited first, until none is left: section
// 9 drains the pool once, not once per case. Unawaited cases start in run
// order, light ones passing heavy ones that have no free slot; a case that
// must run alone starts unawaited only when nothing else is queued.
func (s *scheduler) next() *slot {
	if s.alonePhase {
		if s.inFlight > 0 {
			return nil
		}
		for _, q := range [][]*slot{s.promoted, s.queue} {
			for _, sl := range q {
				if sl.weight == alone {
					return s.take(sl)
				}
			}
		}
		s.alonePhase = false
	}
	for _, sl := range s.promoted {
		if s.admissible(sl) {
			return s.take(sl)
		}
		if sl.weight == alone {
			return nil
		}
	}
	others := false
	for _, sl := range s.queue {
		if sl.weight == alone {
			continue
		}
		others = true
		if s.admissible(sl) {
			return s.take(sl)
		}
	}
	if !others {
		for _, sl := range s.queue {
			if s.admissible(sl) {
				return s.take(sl)
			}
		}
	}
	return nil
}

// take removes sl from the queues and counts it in flight.
func (s *scheduler) take(sl *slot) *slot {
	s.queue = slices.DeleteFunc(s.queue, func(x *slot) bool { return x == sl })
	s.promoted = slices.DeleteFunc(s.promoted, func(x *slot) bool { return x == sl })
	s.inFlight++
	switch sl.weight {
	case heavy:
		s.heavy++
	case risky:
		s.risky++
	case alone:
		s.aloneRunning, s.alonePhase = true, true
	}
	return sl
}

// release counts sl out.
func (s *scheduler) release(sl *slot) {
	s.inFlight--
	switch sl.weight {
	case heavy:
		s.heavy--
	case risky:
		s.risky--
	case alone:
		s.aloneRunning = false
	}
}

// drain removes every queued case (the engine is closing).
func (s *scheduler) drain() []*slot {
	out := s.queue
	s.queue, s.promoted = nil, nil
	return out
}

// LongestWait bounds how long an awaited case waits before it starts: it
// goes first, so at worst until the cases in flight reach their deadlines.
func LongestWait(cs []*cases.Case, scale float64) time.Duration {
	var d time.Duration
	for _, c := range cs {
		d = max(d, c.Deadline(scale))
	}
	return d
}
