package cases_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
)

var update = flag.Bool("update", false, "rewrite testdata/catalogue.golden.json from the catalogue")

// The catalogue is a reviewed artifact: any change to an id, a clause, a
// description or an expectation shows up as a diff of this golden file.
// After a deliberate change: go test ./cases -run TestCatalogueGolden -update
func TestCatalogueGolden(t *testing.T) {
	got, err := json.MarshalIndent(cases.Describe(cases.All()), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "catalogue.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (create it with: go test ./cases -run TestCatalogueGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		var gotE, wantE []cases.Entry
		json.Unmarshal(got, &gotE)
		json.Unmarshal(want, &wantE)
		t.Errorf("the catalogue differs from %s; review the change and refresh it with -update:\n%s", golden, entryDiff(wantE, gotE))
	}
}

// entryDiff names the ids added, removed or changed.
func entryDiff(want, got []cases.Entry) string {
	index := func(es []cases.Entry) map[string]string {
		m := map[string]string{}
		for _, e := range es {
			b, _ := json.Marshal(e)
			m[e.ID] = string(b)
		}
		return m
	}
	w, g := index(want), index(got)
	var out bytes.Buffer
	for _, e := range got {
		switch old, ok := w[e.ID]; {
		case !ok:
			out.WriteString("  added   " + e.ID + "\n")
		case old != g[e.ID]:
			out.WriteString("  changed " + e.ID + "\n")
		}
	}
	for _, e := range want {
		if _, ok := g[e.ID]; !ok {
			out.WriteString("  removed " + e.ID + "\n")
		}
	}
	return out.String()
}

// TestClientForms: Autobahn's sections test clients too, section 14 and
// 15 do not, and 7.7.8 follows the RFC against a client.
func TestClientForms(t *testing.T) {
	for _, c := range cases.All() {
		want := map[string]bool{"1": true, "2": true, "3": true, "4": true, "5": true, "6": true, "7": true, "9": true, "10": true, "12": true, "13": true, "16": c.ClientRule != nil}[c.Section()]
		if got := c.ForClients() != nil; got != want {
			t.Errorf("%s: tests clients %t, want %t", c.ID, got, want)
		}
	}
	c, _ := cases.Lookup("7.7.8")
	cc := c.ForClients()
	if cc == c || len(cc.Close.Codes) != 3 || !strings.Contains(cc.Description, "Autobahn issue 123") || strings.Contains(c.Description, "issue 123") {
		t.Errorf("7.7.8 against a client: codes %v, description %q", cc.Close.Codes, cc.Description)
	}
	servers, _ := cases.Select(nil, nil)
	clients, _ := cases.SelectClients(nil, nil)
	for _, c := range servers {
		if c.ClientRule != nil || c.API != nil {
			t.Errorf("%s (client only) selected for servers", c.ID)
		}
	}
	if len(clients) == 0 || len(clients) >= len(cases.All()) {
		t.Errorf("%d client cases of %d", len(clients), len(cases.All()))
	}
}
