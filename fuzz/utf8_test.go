package fuzz

import (
	"os"
	"path/filepath"
	"testing"
)

// utf8Seeds reads the go-fuzz seed corpus of UTF8.
func utf8Seeds(t testing.TB) map[string][]byte {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "utf8", "*"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no seeds in testdata/utf8: %v", err)
	}
	out := make(map[string][]byte, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(p)] = b
	}
	return out
}

// TestUTF8Seeds replays the go-fuzz seed corpus through the entry point.
func TestUTF8Seeds(t *testing.T) {
	for name, data := range utf8Seeds(t) {
		t.Run(name, func(t *testing.T) { UTF8(data) })
	}
}

// FuzzUTF8 runs the same property under the native fuzzer:
// go test ./fuzz -run '^$' -fuzz FuzzUTF8.
func FuzzUTF8(f *testing.F) {
	for _, data := range utf8Seeds(f) {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) { UTF8(data) })
}
