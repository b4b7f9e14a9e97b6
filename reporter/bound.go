package reporter

import (
	"fmt"
	"slices"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// Every report file stays small whatever the target did: a target that
// floods every case fills every result's wire log and event list to the
// probe's caps, and 574 of those would make a report of tens of megabytes.
// Before writing, the wire logs of all results together are cut to
// MaxWireEntries and their event lists to MaxObserved, the longest first
// (a result shorter than the common share is kept whole, so a run against a
// conforming target is written as it is), and long texts to MaxText. Every
// cut leaves a line saying what was left out.
const (
	MaxWireEntries = 16000
	MaxObserved    = 6000
	MaxText        = 2000
)

// bounded returns runs whose results fit the report budget; runs that fit
// already are returned as they are, the others are copied.
func bounded(runs []*cases.Run) []*cases.Run {
	var wire, observed []int
	for _, run := range runs {
		for _, r := range run.Results {
			wire = append(wire, len(r.WireLog))
			observed = append(observed, len(r.Observed))
		}
	}
	wireCap, observedCap := share(wire, MaxWireEntries), share(observed, MaxObserved)
	out := make([]*cases.Run, len(runs))
	for i, run := range runs {
		if fits(run, wireCap, observedCap) {
			out[i] = run
			continue
		}
		cp := *run
		cp.Results = slices.Clone(run.Results)
		for j := range cp.Results {
			boundResult(&cp.Results[j], wireCap, observedCap)
		}
		out[i] = &cp
	}
	return out
}

// share is the largest per-result cap k such that the lengths, each cut to
// k, add up to at most budget (budget itself if they fit whole).
func share(lengths []int, budget int) int {
	total := 0
	for _, n := range lengths {
		total += n
	}
	if total <= budget {
		return budget
	}
	sorted := slices.Clone(lengths)
	slices.Sort(sorted)
	below := 0 // sum of the lengths shorter than the cap being tried
	for i, n := range sorted {
		rest := len(sorted) - i
		// Every remaining result gets the same k ≤ n.
		if k := (budget - below) / rest; k < n {
			return max(k, 2)
		}
		below += n
	}
	return budget
}

func fits(run *cases.Run, wireCap, observedCap int) bool {
	for _, r := range run.Results {
		if len(r.WireLog) > wireCap || len(r.Observed) > observedCap ||
			len(r.Reason) > MaxText || len(r.CloseReason) > MaxText || len(r.Error) > MaxText {
			return false
		}
	}
	return true
}

func boundResult(r *cases.Result, wireCap, observedCap int) {
	if n := len(r.WireLog); n > wireCap {
		head, tail := edges(wireCap)
		log := make([]probe.Entry, 0, wireCap)
		log = append(log, r.WireLog[:head]...)
		log = append(log, probe.Entry{At: r.WireLog[head].At, Dir: probe.Note, Omitted: n - head - tail,
			Text: fmt.Sprintf("wire log truncated for the report: %d entries omitted here", n-head-tail)})
		r.WireLog = append(log, r.WireLog[n-tail:]...)
	}
	if n := len(r.Observed); n > observedCap {
		head, tail := edges(observedCap)
		obs := make([]string, 0, observedCap)
		obs = append(obs, r.Observed[:head]...)
		obs = append(obs, fmt.Sprintf("… truncated for the report: %d more events not listed …", n-head-tail))
		r.Observed = append(obs, r.Observed[n-tail:]...)
	}
	r.Reason, r.CloseReason, r.Error = cut(r.Reason), cut(r.CloseReason), cut(r.Error)
}

// edges splits a cap of k lines (the marker line included) into the first
// and the last lines kept.
func edges(k int) (head, tail int) {
	k = max(k-1, 1)
	tail = k / 4
	return k - tail, tail
}

func cut(s string) string {
	if len(s) <= MaxText {
		return s
	}
	i := MaxText
	for i > 0 && s[i]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		i--
	}
	return fmt.Sprintf("%s… (truncated: %d more octets)", s[:i], len(s)-i)
}
