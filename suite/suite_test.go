package suite_test

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/suite"
)

var (
	targetURL = flag.String("target", "", "WebSocket server to certify (default: the embedded reference server)")
	only      = flag.String("cases", "", "case id globs, comma-separated (default: every case that is not serial)")
	strict    = flag.Bool("strict", false, "NON-STRICT fails")
)

// TestSuite drives the same Ginkgo registration as `wsconform run`:
//
//	go test ./suite -args -target=ws://127.0.0.1:9001/ -cases='1.*,2.*'
//
// With no target it certifies the embedded reference server, which must
// pass every case. Serial (performance) and compression cases are left to the CLI unless
// selected with -cases, to keep `make test` short.
func TestSuite(t *testing.T) {
	url := *targetURL
	if url == "" {
		srv, u, err := server.Start("127.0.0.1:0", server.Config{})
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		url = u
	}
	target, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	var include []string
	if *only != "" {
		include = strings.Split(*only, ",")
	}
	var exclude []string
	if include == nil {
		// Compression (12, 13) is thousands of messages per case; the
		// cases package runs those sections against the reference server.
		exclude = []string{"12.*", "13.*"}
	}
	sel, err := cases.Select(include, exclude)
	if err != nil {
		t.Fatal(err)
	}
	if include == nil {
		sel = nonSerial(sel)
	}
	run := suite.Run(suite.Config{
		Targets: []suite.Target{{
			Info:  cases.TargetInfo{URL: url, Agent: "go-test"},
			Env:   probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1},
			Cases: sel, Parallel: 16,
		}},
		Strict: *strict, T: t,
	})[0]
	if len(run.Results) != len(sel) {
		t.Errorf("got %d results for %d selected cases", len(run.Results), len(sel))
	}
	for _, r := range run.Results {
		if !r.Passes(*strict) {
			t.Errorf("%s: %s / close %s: %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason)
		}
	}
}

func nonSerial(cs []*cases.Case) []*cases.Case {
	var out []*cases.Case
	for _, c := range cs {
		// Sections 12 and 13 (label compression) take minutes; cases tests
		// TestCompressionSectionsReference and TestCompressionSmokeReference
		// cover them.
		if !c.Serial && !slices.Contains(c.Labels, "compression") {
			out = append(out, c)
		}
	}
	return out
}
