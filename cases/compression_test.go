package cases_test

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// TestCompressionSectionsReference runs all of sections 12 and 13 against
// the reference server (minutes: set WSCONFORM_COMPRESSION=1, or run the
// subset in TestCompressionSmokeReference). The server declines offers
// with server_max_window_bits=9 (compress/flate keeps a 32 KiB window), so
// 13.3.x and 13.5.x are UNIMPLEMENTED; everything else is OK.
func TestCompressionSectionsReference(t *testing.T) {
	if os.Getenv("WSCONFORM_COMPRESSION") == "" {
		t.Skip("set WSCONFORM_COMPRESSION=1 to run the 216 compression cases (minutes)")
	}
	checkCompressionReference(t, selectCases(t, []string{"12", "13"}, nil))
}

func checkCompressionReference(t *testing.T, sel []*cases.Case) {
	url := startReference(t, server.Config{})
	start := time.Now()
	results := runCases(t, url, sel)
	t.Logf("%d compression cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		r := results[c.ID]
		want := cases.OK
		if strings.HasPrefix(c.ID, "13.3.") || strings.HasPrefix(c.ID, "13.5.") {
			want = cases.Unimplemented
		}
		if r.Behavior != want || !r.Passes(true) {
			t.Errorf("want %s: %s", want, describeResult(r))
			continue
		}
		if want == cases.OK && (r.Perf == nil || r.Perf.Messages != 1000 || r.Perf.CompressionRatio <= 0 || r.Perf.SentCompressionRatio <= 0) {
			t.Errorf("%s: perf stats %+v", c.ID, r.Perf)
		}
	}
}
