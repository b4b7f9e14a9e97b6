package main

import (
	"fmt"
	"io"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

// endedAtOurTimer reports whether a case ended because one of our timers
// or its deadline ran out while we waited for the target, rather than on
// something the target sent.
func endedAtOurTimer(r cases.Result) bool {
	return r.EndedAtOurTimer || r.Close != nil && r.Close.CloseTimeout
}

// timeoutHint prints a hint about --timeout-scale when most of the cases
// that fail the gate ended at our timers: a slow target looks like a
// broken one until it is given more time.
func timeoutHint(w io.Writer, g reporter.Gate, scale float64, runs ...*cases.Run) {
	for _, run := range runs {
		failing, timedOut := 0, 0
		for _, r := range run.Results {
			if !g.Fails(r) || r.Behavior == cases.NotRun {
				continue
			}
			failing++
			if endedAtOurTimer(r) {
				timedOut++
			}
		}
		if timedOut == 0 || timedOut*2 < failing {
			continue
		}
		prefix := ""
		if len(runs) > 1 {
			prefix = "[" + run.Target.Agent + "] "
		}
		fmt.Fprintf(w, "%shint: %d of the %d failing cases ended when our timer ran out, with no answer from the target in time; if it is slow rather than silent, run again with --timeout-scale %g\n",
			prefix, timedOut, failing, scale*4)
	}
}
