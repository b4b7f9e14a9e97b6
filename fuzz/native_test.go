//go:build !gofuzz

package fuzz

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

// target ties one fuzz body to its committed inputs: seeds in
// testdata/<seeds>/ and go-fuzz findings in testdata/gofuzz/<name>/.
type target struct {
	name  string // the go-fuzz entry point and the native fuzz test
	seeds string
	body  func([]byte) int
}

var targets = []target{
	{"FuzzFrame", "frame", Frame},
	{"FuzzUTF8", "utf8", UTF8},
	{"FuzzClosePayload", "close_payload", ClosePayload},
	{"FuzzHandshakeRequest", "handshake_request", HandshakeRequest},
	{"FuzzHandshakeResponse", "handshake_response", HandshakeResponse},
	{"FuzzExtensions", "extensions", Extensions},
}

// Native targets: go test ./fuzz -run '^$' -fuzz '^FuzzFrame$' (or make fuzz).
// The same names as the go-fuzz entry points in gofuzz.go, which only exist
// under the gofuzz tag this file excludes.

func FuzzFrame(f *testing.F)             { nativeFuzz(f, "FuzzFrame") }
func FuzzUTF8(f *testing.F)              { nativeFuzz(f, "FuzzUTF8") }
func FuzzClosePayload(f *testing.F)      { nativeFuzz(f, "FuzzClosePayload") }
func FuzzHandshakeRequest(f *testing.F)  { nativeFuzz(f, "FuzzHandshakeRequest") }
func FuzzHandshakeResponse(f *testing.F) { nativeFuzz(f, "FuzzHandshakeResponse") }
func FuzzExtensions(f *testing.F)        { nativeFuzz(f, "FuzzExtensions") }

func nativeFuzz(f *testing.F, name string) {
	t := lookup(f, name)
	for _, in := range seedFiles(f, t) {
		f.Add(in.data)
	}
	f.Fuzz(func(_ *testing.T, data []byte) { t.body(data) })
}

// TestReplayCorpus runs every committed input through its body: the seeds,
// and the corpus and crashers a go-fuzz run left in testdata/gofuzz/<target>/
// (make gofuzz writes there), so both engines' findings stay fixed. Native
// failures in testdata/fuzz/ are replayed by go test itself.
func TestReplayCorpus(t *testing.T) {
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			inputs := append(seedFiles(t, tg), goFuzzFiles(t, tg)...)
			for _, in := range inputs {
				if msg := runBody(tg.body, in.data); msg != "" {
					t.Errorf("%s: %s", in.path, msg)
				}
			}
			t.Logf("%d inputs replayed", len(inputs))
		})
	}
}

// TestGoFuzzCorpusCommitted keeps the replay honest: at least one target
// carries a real go-fuzz corpus.
func TestGoFuzzCorpusCommitted(t *testing.T) {
	n := 0
	for _, tg := range targets {
		n += len(goFuzzFiles(t, tg))
	}
	if n == 0 {
		t.Fatal("no go-fuzz corpus under testdata/gofuzz/: the replay covers seeds only")
	}
}

// TestReplayCatchesPanics shows that a panicking body is reported, not lost.
func TestReplayCatchesPanics(t *testing.T) {
	if msg := runBody(func([]byte) int { panic("boom") }, nil); !strings.Contains(msg, "boom") {
		t.Fatalf("runBody swallowed a panic: %q", msg)
	}
	if msg := runBody(func([]byte) int { return 0 }, nil); msg != "" {
		t.Fatalf("runBody reported %q for a body that returned", msg)
	}
}

type input struct {
	path string
	data []byte
}

func lookup(t testing.TB, name string) target {
	for _, tg := range targets {
		if tg.name == name {
			return tg
		}
	}
	t.Fatalf("no fuzz target %s", name)
	return target{}
}

// seedFiles reads testdata/<seeds>/*; an empty seed directory is an error.
func seedFiles(t testing.TB, tg target) []input {
	t.Helper()
	in := readDir(t, filepath.Join("testdata", tg.seeds))
	if len(in) == 0 {
		t.Fatalf("%s: no seeds in testdata/%s", tg.name, tg.seeds)
	}
	return in
}

// goFuzzFiles reads a go-fuzz workdir's corpus and crashers; each crasher
// comes with .quoted and .output companions, which are not inputs.
func goFuzzFiles(t testing.TB, tg target) []input {
	t.Helper()
	dir := filepath.Join("testdata", "gofuzz", tg.name)
	var out []input
	for _, sub := range []string{"corpus", "crashers"} {
		for _, in := range readDir(t, filepath.Join(dir, sub)) {
			if !strings.HasSuffix(in.path, ".quoted") && !strings.HasSuffix(in.path, ".output") {
				out = append(out, in)
			}
		}
	}
	return out
}

// readDir reads every regular file in dir; a missing dir has none.
func readDir(t testing.TB, dir string) []input {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []input
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, e.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, input{p, b})
	}
	return out
}

// runBody calls body and turns a panic (a finding) into a message.
func runBody(body func([]byte) int, data []byte) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprintf("panic: %v\n%s", r, debug.Stack())
		}
	}()
	body(data)
	return ""
}
