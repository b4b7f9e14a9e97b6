package cases

import (
	"strings"
	"time"
)

// Caps on what a page may report for one API case.
const (
	MaxAPISeen    = 64  // observations kept
	maxAPISeenLen = 512 // characters of one observation
)

// JudgeAPI is the verdict of a browser API case from what the page
// observed (seen, in order) and, when the page could not finish the check,
// its error. The first expected outcome equal to seen wins; anything else
// FAILS. There is no closing handshake of ours to judge: the close verdict
// is OK, and the close event is part of seen.
func JudgeAPI(c *Case, seen []string, pageErr string, started time.Time, took time.Duration) Result {
	r := NewResult(c)
	r.Started, r.Duration, r.FailFastOffset = started, took, -1
	r.Observed = capSeen(seen)
	for _, o := range c.API.Expect {
		r.Expected = append(r.Expected, ExpectedOutcome{Verdict: o.Verdict, Events: o.Seen})
	}
	// The close event is part of what the page saw and the main verdict
	// judges; a second verdict would only repeat it.
	r.BehaviorClose = CloseOK
	r.CloseReason = "The page's close event is judged in the main verdict, with the rest of what it saw."
	ran := "The page ran " + lowerFirst(c.Title)
	if pageErr != "" {
		r.Behavior = Failed
		r.Reason = ran + "; it could not finish: " + pageErr + "; " + c.API.Requires + " (" + clausesText(c.Clauses) + ")."
		return r
	}
	for _, o := range c.API.Expect {
		if equalStrings(o.Seen, seen) {
			r.Behavior = o.Verdict
			r.Reason = ran + "; it saw " + seenText(seen) + ", as required by " + clausesText(c.Clauses) + "."
			if o.Verdict == Unimplemented {
				r.Reason = ran + "; it saw " + seenText(seen) + ": the feature is not offered."
			}
			return r
		}
	}
	r.Behavior = Failed
	r.Reason = ran + "; it saw " + seenText(seen) + "; " + c.API.Requires + " (" + clausesText(c.Clauses) + "): it should have seen " + seenText(c.API.Expect[0].Seen) + "."
	return r
}

func capSeen(seen []string) []string {
	out := []string{}
	for i, s := range seen {
		if i == MaxAPISeen {
			out = append(out, "… "+itoa(len(seen)-MaxAPISeen)+" more not kept")
			break
		}
		if len(s) > maxAPISeenLen {
			s = s[:maxAPISeenLen] + "…"
		}
		out = append(out, s)
	}
	return out
}

func seenText(seen []string) string {
	if len(seen) == 0 {
		return "nothing"
	}
	return "[" + strings.Join(capSeen(seen), "; ") + "]"
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
