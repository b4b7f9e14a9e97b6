package probe_test

import (
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// protocolSections are the cases that run concurrently by default: Autobahn's
// protocol sections and section 14.
var protocolSections = []string{"1", "2", "3", "4", "5", "6", "7", "10", "14"}

// The strict reference server passes every case: OK, or INFORMATIONAL
// where the catalogue only records behaviour.
func TestReferenceServerPassesProtocolSections(t *testing.T) {
	url := startReference(t, server.Config{})
	sel := selectCases(t, protocolSections, nil)
	start := time.Now()
	results := runCases(t, url, sel)
	t.Logf("%d cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		r := results[c.ID]
		want := cases.OK
		if c.Close.Informational {
			want = cases.Informational
		}
		if r.Behavior != want || !r.Passes(true) {
			t.Errorf("want %s: %s", want, describeResult(r))
		}
	}
	// 6.4.x: the reference server validates each read, so its close must
	// arrive once the piece holding the first invalid octet is written,
	// before the third part: 6.4.1 has 17 octets of first frame, then a
	// 6-octet header and f4 90 80 80; 6.4.3 a 6-octet header, 11 octets of
	// 'κόσμε' and the same 4 octets.
	for id, closedAt := range map[string]int64{"6.4.1": 27, "6.4.2": 25, "6.4.3": 21, "6.4.4": 19} {
		r := results[id]
		if r.FailFastOffset != closedAt || !strings.Contains(r.Reason, "the first invalid octet was octet") {
			t.Errorf("%s: the close arrived after octet %d, want %d; reason %q", id, r.FailFastOffset, closedAt, r.Reason)
		}
	}
}

// Section 9 runs one case at a time (about 2 s against the reference
// server on a 2-core machine, so it stays in the default run).
func TestReferenceServerPassesSection9(t *testing.T) {
	url := startReference(t, server.Config{})
	sel := selectCases(t, []string{"9"}, nil)
	start := time.Now()
	results := runCases(t, url, sel)
	t.Logf("%d cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		r := results[c.ID]
		if r.Behavior != cases.OK || !r.Passes(true) {
			t.Errorf("%s", describeResult(r))
			continue
		}
		if r.Perf == nil || r.Perf.Messages != c.Echoes.Count || r.Perf.OctetsEchoed != int64(c.Echoes.Count)*int64(c.Echoes.Length) {
			t.Errorf("%s: perf stats %+v do not account for %d echoes of %d octets", c.ID, r.Perf, c.Echoes.Count, c.Echoes.Length)
		}
		if c.Echoes.Length > 0 && r.Perf != nil && r.Perf.ThroughputMBps <= 0 {
			t.Errorf("%s: no throughput reported", c.ID)
		}
	}
}
