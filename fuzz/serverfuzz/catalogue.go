package serverfuzz

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// CatalogueDir holds the catalogue's traffic as inputs in the decoder's
// format, one file per case that sends something to a server (named by the
// case id), relative to this package's directory. TestCatalogueSeeds
// writes it with -update; `make gofuzz` lends it to go-fuzz's corpus, and
// the native targets add it when fuzzing.
const CatalogueDir = "testdata/catalogue"

// maxCatalogueSeed bounds one seed file read back (they are a few hundred
// octets; a catalogue session is bounded by the decoder's 64 steps).
const maxCatalogueSeed = 64 << 10

// CatalogueSeeds reads the inputs in dir (CatalogueDir, or its path from
// another package's directory), in file name order; none when it cannot be
// read (a fuzzer built elsewhere, as OSS-Fuzz builds, brings its own seed
// corpus).
func CatalogueSeeds(dir string) [][]byte {
	names, _ := filepath.Glob(filepath.Join(dir, "*"))
	slices.Sort(names)
	var out [][]byte
	for _, name := range names {
		b, err := os.ReadFile(name)
		if err == nil && len(b) <= maxCatalogueSeed {
			out = append(out, b)
		}
	}
	return out
}

// AddSeeds adds the seed corpus of a native target: Seeds(), and when the
// test binary is fuzzing (-test.fuzz set), the catalogue's inputs from
// catalogueDir too (a plain `go test` runs every added seed as a test, and
// 600 sessions per target are the fuzzer's to run, not the test suite's).
func AddSeeds(f *testing.F, catalogueDir string) {
	for _, s := range Seeds() {
		f.Add(s)
	}
	if fl := flag.Lookup("test.fuzz"); fl != nil && fl.Value.String() != "" {
		for _, s := range CatalogueSeeds(catalogueDir) {
			f.Add(s)
		}
	}
}
