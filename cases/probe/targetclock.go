package probe

import "time"

// targetClock charges a deadline with the time the target had the turn
// only: from our last octet of a message leaving until its echo was read.
// Our own work in between (making and compressing the next message,
// comparing the echo) and any wait for a CPU it costs us are not the
// target's, so a verdict does not depend on how busy the machine running
// the suite is.
type targetClock struct {
	left  time.Duration
	t     *time.Timer
	since time.Time
}

func newTargetClock(budget time.Duration) *targetClock {
	t := time.NewTimer(budget)
	t.Stop()
	return &targetClock{left: budget, t: t}
}

// run starts charging; the channel fires when the budget is spent.
func (c *targetClock) run() <-chan time.Time {
	c.since = time.Now()
	c.t.Reset(max(c.left, 0))
	return c.t.C
}

// pause stops charging.
func (c *targetClock) pause() {
	c.t.Stop()
	c.left -= time.Since(c.since)
}
