package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

func TestFuzzFindsAndReplays(t *testing.T) {
	strict := startServer(t, server.Config{})
	r := wsconform(t, "fuzz", strict, "--iterations", "200", "--out", "")
	if r.code != 0 {
		t.Fatalf("fuzzing the strict reference server: exit %d, want 0 (no findings)\n%s\n%s", r.code, r.stdout, r.stderr)
	}

	// A server that echoes text without validating UTF-8 sends invalid
	// text back: a finding the fuzzer must make and be able to replay.
	sloppy := startServer(t, server.Config{Faults: server.Faults{SkipUTF8Validation: true}})
	out := t.TempDir()
	r = wsconform(t, "fuzz", sloppy, "--iterations", "300", "--seed", "7", "--out", out)
	if r.code != 1 || !strings.Contains(r.stdout, frame.RuleTextInvalidUTF8) {
		t.Fatalf("fuzzing a server without UTF-8 validation: exit %d, want 1 naming %s\n%s\n%s", r.code, frame.RuleTextInvalidUTF8, r.stdout, r.stderr)
	}
	files, _ := filepath.Glob(filepath.Join(out, "*.json"))
	if len(files) == 0 {
		t.Fatal("no reproducer written")
	}
	if r := wsconform(t, "fuzz", sloppy, "--replay", files[0]); r.code != 1 {
		t.Errorf("replay against the sloppy server: exit %d, want 1 (reproduced)\n%s", r.code, r.stdout)
	}
	if r := wsconform(t, "fuzz", strict, "--replay", files[0]); r.code != 0 {
		t.Errorf("replay against the strict server: exit %d, want 0 (gone)\n%s", r.code, r.stdout)
	}
	if r := wsconform(t, "fuzz", strict, "--replay", filepath.Join(out, "missing.json")); r.code != 2 {
		t.Errorf("replay of a missing file: exit %d, want 2", r.code)
	}
	os.RemoveAll(out)
}
