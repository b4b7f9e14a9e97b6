package netfuzz

import (
	"context"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
)

// canaryPing is how often the canary pings, so that a server closing idle
// connections keeps it.
const canaryPing = 5 * time.Second

// canary is an idle WebSocket connection to the target, kept open while
// sessions run (reopened at the next ping or check when it is gone). A process that dies takes every connection with it, the
// canary too, even when a supervisor has it back before the liveness check
// (which then succeeds): a session that lost its connection while the
// canary was lost as well is a crash, not a drop. The canary is reopened
// after it is lost.
type canary struct {
	ctx      context.Context
	t        probe.Target
	deadline time.Duration

	mu     sync.Mutex
	c      *probe.Conn
	noted  chan struct{} // closed once watch has looked at c's end
	lostAt time.Time     // when a canary last ended without a close frame
	stop   chan struct{}
}

// openCanary opens the canary; nil if the target refuses a second
// connection (the run then does without).
func openCanary(ctx context.Context, t probe.Target, deadline time.Duration) *canary {
	k := &canary{ctx: ctx, t: t, deadline: deadline, stop: make(chan struct{})}
	if !k.reopen() {
		return nil
	}
	go k.ping()
	return k
}

// reopen opens a new connection for the canary (k.mu held or not yet shared).
func (k *canary) reopen() bool {
	to := probe.Timeouts{Dial: k.deadline, Handshake: k.deadline, CloseWait: k.deadline, DropWait: k.deadline}
	log := probe.NewWireLog(time.Now())
	log.SetEnabled(false)
	c, _, err := probe.Open(k.ctx, k.t, to, log, nil)
	if err != nil {
		k.c = nil
		return false
	}
	k.c, k.noted = c, make(chan struct{})
	go k.watch(c, k.noted)
	return true
}

// watch notes when c ends without a close frame.
func (k *canary) watch(c *probe.Conn, noted chan struct{}) {
	<-c.Done()
	k.mu.Lock()
	defer k.mu.Unlock()
	defer close(noted)
	if !c.State().ReceivedClose && k.ctx.Err() == nil {
		k.lostAt = time.Now()
	}
	if k.c == c {
		k.c = nil
	}
}

// canarySettle is how long lostSince gives the canary's reader to see its
// connection end, when the process went down with the session's.
const canarySettle = 20 * time.Millisecond

func (k *canary) ping() {
	tick := time.NewTicker(canaryPing)
	defer tick.Stop()
	for {
		select {
		case <-k.stop:
			return
		case <-k.ctx.Done():
			return
		case <-tick.C:
			k.mu.Lock()
			if c := k.c; c != nil {
				c.SendFrame(frame.New(frame.OpPing, nil), probe.Piece{})
			} else {
				k.reopen() // closed by the server with a close frame, say
			}
			k.mu.Unlock()
		}
	}
}

// lostSince reports whether a canary connection ended without a close frame
// at or after start (reopening it if it is gone now).
func (k *canary) lostSince(start time.Time) bool {
	if k == nil {
		return false
	}
	k.mu.Lock()
	noted := k.noted
	k.mu.Unlock()
	if noted != nil {
		select {
		case <-noted:
		case <-time.After(canarySettle):
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	lost := !k.lostAt.IsZero() && !k.lostAt.Before(start)
	if k.c == nil {
		k.reopen()
	}
	return lost
}

func (k *canary) close() {
	if k == nil {
		return
	}
	close(k.stop)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.c != nil {
		k.c.Abort()
		<-k.c.Done()
	}
}
