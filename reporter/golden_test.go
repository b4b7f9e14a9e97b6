package reporter_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/wsconform/wsconform/reporter"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./reporter -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; diff with:\n  go test ./reporter -run %s -update && git diff %s\ngot:\n%s", path, t.Name(), path, got)
	}
}

func TestGoldenFiles(t *testing.T) {
	dir := t.TempDir()
	run := fixtureRun("Fixture Server/1.0")
	if err := reporter.Write(dir, reporter.DefaultGate(false), run); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{
		"wsconform.json",
		"junit.xml",
		"autobahn/index.json",
		"autobahn/fixture_server_1_0_case_1_1_1.json",
		"autobahn/fixture_server_1_0_case_7_3_2.json",
	} {
		t.Run(name, func(t *testing.T) {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("golden", name), got)
		})
	}
}

func TestStrictJUnitGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := reporter.WriteJUnit(&buf, reporter.DefaultGate(true), fixtureRun("a"), fixtureRun("b")); err != nil {
		t.Fatal(err)
	}
	golden(t, "golden/junit-strict-two-targets.xml", buf.Bytes())
}
