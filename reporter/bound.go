package reporter

import (
	"fmt"
	"slices"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
)

// Every report file stays small whatever the target did: a target that
// floods every case fills every result's wire log and event list to the
// probe's caps, and 574 of those would make a report of tens of megabytes.
// Before writing, the wire logs of all results together are cut to about
// MaxWireBytes and their event lists to MaxObservedBytes (as written,
// estimated), the longest first: every list is cut to the same number of
// lines, the largest that fits, so a list shorter than that, and every list
// of a run against a conforming target, is written whole. Long texts are
// cut to MaxText. Every cut leaves a line saying what was left out.
const (
	MaxWireBytes     = 3 << 20
	MaxObservedBytes = 1 << 20
	MaxText          = 2000
)

// bounded returns runs whose results fit the report budget; runs that fit
// already are returned as they are, the others are copied.
func bounded(runs []*cases.Run) []*cases.Run {
	var wire, observed [][]int
	for _, run := range runs {
		for _, r := range run.Results {
			wire = append(wire, weights(r.WireLog, entryWeight))
			observed = append(observed, weights(r.Observed, lineWeight))
		}
	}
	wireCap, observedCap := share(wire, MaxWireBytes), share(observed, MaxObservedBytes)
	out := make([]*cases.Run, len(runs))
	for i, run := range runs {
		if fits(run, wireCap, observedCap) && !holdsCredentials(run) {
			out[i] = run
			continue
		}
		cp := *run
		cp.Results = slices.Clone(run.Results)
		for j := range cp.Results {
			redact(&cp.Results[j])
			boundResult(&cp.Results[j], wireCap, observedCap)
		}
		out[i] = &cp
	}
	return out
}

// Every report is written from bounded runs, so this is where credentials
// leave them: the value of an Authorization, Proxy-Authorization or Cookie
// field of the opening handshake (sent with --header, or by a client under
// test) reads observed.Redacted in the recorded handshake and wire log.
func redact(r *cases.Result) (changed bool) {
	hs, log := r.Handshake.Redacted(), observed.RedactWireLog(r.WireLog)
	changed = hs != r.Handshake || len(log) > 0 && &log[0] != &r.WireLog[0]
	r.Handshake, r.WireLog = hs, log
	return changed
}

func holdsCredentials(run *cases.Run) bool {
	for _, r := range run.Results {
		if redact(&r) {
			return true
		}
	}
	return false
}

// The weight of a line is an estimate of the octets it takes in the JSON
// results file (keys, indentation, escapes), the largest of the reports.
func entryWeight(e observed.Entry) int {
	return 100 + len(e.Hex) + (len(e.Frame)+len(e.Text))*5/4
}

func lineWeight(s string) int { return 10 + len(s)*5/4 }

// weights is the running total of the weights of a list's lines: w[i] is
// the weight of its first i lines.
func weights[T any](list []T, weight func(T) int) []int {
	w := make([]int, len(list)+1)
	for i, x := range list {
		w[i+1] = w[i] + weight(x)
	}
	return w
}

// noteWeight is the weight of the line that stands for the lines cut.
const noteWeight = 150

// cutWeight is the weight of a list (running totals w) cut to k lines.
func cutWeight(w []int, k int) int {
	n := len(w) - 1
	if n <= k {
		return w[n]
	}
	head, tail := edges(k)
	return w[head] + w[n] - w[n-tail] + noteWeight
}

// share is the largest number of lines k such that the lists, each cut to
// k lines, weigh at most budget in all (k is at least the longest list when
// nothing needs cutting).
func share(lists [][]int, budget int) int {
	longest := 0
	for _, w := range lists {
		longest = max(longest, len(w)-1)
	}
	total := func(k int) int {
		sum := 0
		for _, w := range lists {
			sum += cutWeight(w, k)
		}
		return sum
	}
	if total(longest) <= budget {
		return longest
	}
	lo, hi := 2, longest // total(hi) > budget; the answer is in [lo, hi)
	for lo+1 < hi {
		mid := (lo + hi) / 2
		if total(mid) <= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
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
		log := make([]observed.Entry, 0, wireCap)
		log = append(log, r.WireLog[:head]...)
		log = append(log, observed.Entry{At: r.WireLog[head].At, Dir: observed.Note, Omitted: n - head - tail,
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
