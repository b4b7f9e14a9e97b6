package browser

import (
	"context"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
)

// TestChromiumAPI certifies headless Chromium's WebSocket API: every
// browser API case runs through the harness page against the scenario
// server. Chromium is conformant on all of them but 16.15.5 (see below),
// so any other verdict than the ones listed is a finding to check by hand.
func TestChromiumAPI(t *testing.T) {
	bin := chromium(t)
	srv, err := Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	b, err := Launch(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Open(context.Background(), srv.PageURL())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.Log())
	}
	var api []*cases.Case
	for _, c := range cases.All() {
		if c.API != nil {
			api = append(api, c)
		}
	}
	if len(api) < 20 {
		t.Fatalf("only %d browser API cases in the catalogue", len(api))
	}
	for _, r := range RunAPI(context.Background(), p, srv, api, nil) {
		t.Logf("%s %s: %s", r.ID, r.Behavior, r.Reason)
		if r.Behavior != cases.OK {
			t.Errorf("%s %s: %s\nexpected %v", r.ID, r.Behavior, r.Reason, r.Expected)
		}
	}
	if t.Failed() {
		t.Log(b.Log())
	}
}

// TestBrokenServerFailsAPIChecks runs checks against a scenario server
// that answers differently from what the cases say: the page then sees
// something else, and the verdict must be FAILED, naming what it saw.
func TestBrokenServerFailsAPIChecks(t *testing.T) {
	bin := chromium(t)
	srv, err := Serve("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	broken := map[string]cases.APIServer{
		"16.10.2": {Answer: cases.APIAnswerWrongAccept, Then: cases.ThenEcho}, // never opens
		"16.11.1": {Then: cases.ThenClose, Code: 3001, Reason: "other"},       // another code
		"16.15.1": {Protocol: "wsc.a", Then: cases.ThenEcho},                  // another subprotocol
		"16.10.6": {Then: cases.ThenClose, Code: 1000},                        // a clean close instead of a drop
	}
	srv.lookup = func(id string) (*cases.Case, bool) {
		c, ok := cases.Lookup(id)
		if sv, bad := broken[id]; ok && bad {
			twin, check := *c, *c.API
			check.Server, twin.API = sv, &check
			return &twin, true
		}
		return c, ok
	}
	b, err := Launch(context.Background(), bin)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	p, err := b.Open(context.Background(), srv.PageURL())
	if err != nil {
		t.Fatal(err)
	}
	var cs []*cases.Case
	for id := range broken {
		c, _ := cases.Lookup(id)
		cs = append(cs, c)
	}
	for _, r := range RunAPI(context.Background(), p, srv, cs, nil) {
		if r.Behavior != cases.Failed || !strings.Contains(r.Reason, "it should have seen") {
			t.Errorf("%s against a broken server: %s: %s", r.ID, r.Behavior, r.Reason)
		}
	}
}
