package cases_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
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
