package probe

import (
	"testing"
	"time"
)

// TestTargetClockChargesOnlyTheTargetsTurns: time between pause and run
// (our own work) is not charged, so a budget smaller than the wall time
// still holds; charging past the budget fires.
func TestTargetClockChargesOnlyTheTargetsTurns(t *testing.T) {
	const budget = 500 * time.Millisecond
	c := newTargetClock(budget)
	for range 2 {
		c.run()
		c.pause()
		time.Sleep(budget * 4 / 5) // our work: not the target's
	}
	if c.left < budget/2 {
		t.Fatalf("%v charged for two short turns", budget-c.left)
	}
	select {
	case <-c.run():
	case <-time.After(10 * budget):
		t.Fatal("did not fire once the target had used up its budget")
	}
	if c.pause(); c.left > 0 {
		t.Errorf("%v left after firing", c.left)
	}
}
