package serverfuzz

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestCorpusCoverage runs every input in the directories listed in
// WSCONFORM_CORPUS_DIRS (colon-separated; raw inputs or native corpus
// files) through the reference server, for a coverage profile of what a
// corpus reaches:
//
//	WSCONFORM_CORPUS_DIRS=testdata/catalogue go test ./fuzz/serverfuzz -run TestCorpusCoverage \
//	    -coverpkg ./reference/... -coverprofile /tmp/c.out
//
// Skipped without the variable.
func TestCorpusCoverage(t *testing.T) {
	dirs := os.Getenv("WSCONFORM_CORPUS_DIRS")
	if dirs == "" {
		t.Skip("WSCONFORM_CORPUS_DIRS not set")
	}
	inputs := Seeds()
	for _, dir := range strings.Split(dirs, ":") {
		names, _ := filepath.Glob(filepath.Join(dir, "*"))
		for _, name := range names {
			b, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			inputs = append(inputs, nativeInput(b))
		}
	}
	h := referenceTarget
	findings := 0
	for _, in := range inputs {
		if f := h.Check(in); f != nil {
			findings++
		}
	}
	t.Logf("%d inputs, %d findings", len(inputs), findings)
}

// nativeInput is the []byte of a native corpus file ("go test fuzz v1"),
// or b itself when it is a raw input.
func nativeInput(b []byte) []byte {
	text := string(b)
	if !strings.HasPrefix(text, "go test fuzz v1\n") {
		return b
	}
	for _, line := range strings.Split(text, "\n")[1:] {
		if v, ok := strings.CutPrefix(line, "[]byte("); ok {
			if s, err := strconv.Unquote(strings.TrimSuffix(v, ")")); err == nil {
				return []byte(s)
			}
		}
	}
	return nil
}
