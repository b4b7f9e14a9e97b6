package engine

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// A target that crashes mid-run is reported by one rule: the run says when
// it stopped accepting connections; the case that made it crash is FAILED
// with that reason; the cases that could not run (or were cut off by the
// crash) are NOT RUN. Once the target is dead nothing can be re-run, so the
// killer is found as the run goes:
//   - the cases that send something the target must reject (the likely
//     killers) run one at a time beside the pool (the scheduler's risky
//     weight, schedule.go);
//   - after every case that did not end with a close frame from the
//     target (a crash sends none), an opening handshake checks that the
//     target still accepts connections.
// The killer is then the case that must be rejected among those the crash
// cut off; if none of them was such a case (a crash on valid traffic),
// every case cut off is FAILED and the run names them all, since any of
// them may have sent what crashed it.

// crashRecord holds the cases the target dropped as it went down.
type crashRecord struct {
	mu     sync.Mutex
	cutOff []string // in flight and dropped without a close frame
}

// mustReject reports whether c sends something the target must reject by
// failing the connection (a crash is the usual wrong answer to those).
func mustReject(c *cases.Case) bool {
	return len(c.Close.Codes) > 0 && !slices.Contains(c.Close.Codes, 1000)
}

// afterCase checks, after s ran, whether the target is still up, and
// turns s's result into what the crash rule says if it is not.
func (e *Engine) afterCase(s *slot) {
	if !endedWithoutTargetClose(s.res) {
		return
	}
	d := e.down.Load()
	if d == nil {
		if d = e.checkAlive(s); d == nil {
			return
		}
	}
	switch {
	case s.res.Unreachable:
		s.res = cases.NotRunResult(s.c, "not run: the target stopped accepting connections at "+d.At.Format(time.TimeOnly)+" ("+d.Error+")")
	case slices.Contains(d.InFlight, s.c.ID):
		e.crash.mu.Lock()
		e.crash.cutOff = append(e.crash.cutOff, s.c.ID)
		e.crash.mu.Unlock()
		crashed(&s.res, d, nil)
	}
}

// endedWithoutTargetClose reports whether r's connection ended (or never
// opened) without a close frame from the target: what a crash looks like.
func endedWithoutTargetClose(r cases.Result) bool {
	return r.Unreachable || r.Close == nil || !r.Close.ReceivedClose
}

// checkAlive opens a WebSocket connection to the target, twice, 100 ms
// apart (a listener backlog overflow or a dying connection is not a
// crash). The target is down when neither attempt gets any answer:
// refused, reset or closed before a response. A timeout is not a crash
// (a busy or hung target; its cases judge it), nor is any HTTP answer.
// When it is down, the cases running now are the ones in flight.
func (e *Engine) checkAlive(s *slot) *cases.TargetDown {
	if e.opens() == nil {
		return nil
	}
	time.Sleep(100 * time.Millisecond)
	err := e.opens()
	if err == nil {
		return nil
	}
	var inflight []string
	e.running.Range(func(k, _ any) bool { inflight = append(inflight, k.(string)); return true })
	if !slices.Contains(inflight, s.c.ID) {
		inflight = append(inflight, s.c.ID)
	}
	sortIDs(inflight)
	d := &cases.TargetDown{At: time.Now(), Error: err.Error(), InFlight: inflight}
	if !e.down.CompareAndSwap(nil, d) {
		return e.down.Load()
	}
	return d
}

// Down reports whether the target went down during the run, and which
// cases it dropped as it did.
func (e *Engine) Down() *cases.TargetDown {
	d := e.down.Load()
	if d == nil {
		return nil
	}
	out := *d
	e.crash.mu.Lock()
	out.CutOff = slices.Clone(e.crash.cutOff)
	e.crash.mu.Unlock()
	sortIDs(out.CutOff)
	return &out
}

func sortIDs(ids []string) {
	slices.SortFunc(ids, func(a, b string) int {
		if cases.LessID(a, b) {
			return -1
		}
		return 1
	})
}

// attributeCrash decides, once every case is in, which of the cases the
// crash cut off killed the target: those that must be rejected if any
// (isolation makes it one), else all of them. The killers are FAILED, the
// rest of the cut-off cases NOT RUN.
func attributeCrash(d *cases.TargetDown, selected []*cases.Case, results []cases.Result) {
	if d == nil || len(d.CutOff) == 0 {
		return
	}
	byID := map[string]*cases.Case{}
	for _, c := range selected {
		byID[c.ID] = c
	}
	d.KilledBy = nil
	for _, id := range d.CutOff {
		if c := byID[id]; c != nil && mustReject(c) {
			d.KilledBy = append(d.KilledBy, id)
		}
	}
	if len(d.KilledBy) == 0 {
		d.KilledBy = slices.Clone(d.CutOff)
	}
	for i, r := range results {
		switch {
		case slices.Contains(d.KilledBy, r.ID):
			crashed(&results[i], d, d.KilledBy)
		case slices.Contains(d.CutOff, r.ID) && byID[r.ID] != nil:
			results[i] = cases.NotRunResult(byID[r.ID], fmt.Sprintf("not run to the end: the target went down while it ran (crashed by %s at %s)",
				strings.Join(d.KilledBy, " or "), d.At.Format(time.TimeOnly)))
		}
	}
}

// crashed makes r FAILED because the target went down while it ran;
// killers are every case that was cut off with it (nil: not known yet).
func crashed(r *cases.Result, d *cases.TargetDown, killers []string) {
	others := slices.DeleteFunc(slices.Clone(killers), func(id string) bool { return id == r.ID })
	r.Behavior, r.BehaviorClose = cases.Failed, cases.CloseFailed
	rule := "RFC 6455 §7.1.7 requires a server to answer a frame that breaks a rule by failing that connection with a close frame, and to keep serving"
	r.Reason = fmt.Sprintf("We sent this case's frames (%s); the target dropped the connection without a close frame and stopped accepting connections "+
		"(at %s: %s): it crashed. %s", strings.ToLower(r.Title), d.At.Format(time.TimeOnly), d.Error, rule)
	if len(others) > 0 {
		r.Reason = fmt.Sprintf("The target dropped this case's connection without a close frame and stopped accepting connections "+
			"(at %s: %s) while %s also ran: one of them crashed it (run them with --parallel 1 to tell which). %s",
			d.At.Format(time.TimeOnly), d.Error, strings.Join(others, ", "), rule)
	}
	r.CloseReason = "the target crashed: the connection ended without a close frame and no new one was accepted"
}

// opens opens and closes one WebSocket connection; the error is nil when
// the target answered (even with a refusal) or did not answer in time.
func (e *Engine) opens() error {
	to := e.env.Timeouts.Scale(max(1, e.env.Scale))
	ctx, cancel := context.WithTimeout(e.ctx, to.Dial+to.Handshake)
	defer cancel()
	conn, hs, err := probe.Open(ctx, e.env.Target, to, probe.NewWireLog(time.Now()), nil)
	var ne net.Error
	switch {
	case err == nil:
		conn.SendClose(1000, "")
		select {
		case <-conn.Done():
		case <-ctx.Done():
			conn.Abort()
		}
		return nil
	case hs != nil && hs.Status != 0, ctx.Err() != nil, errors.As(err, &ne) && ne.Timeout():
		return nil
	}
	return err
}
