package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/spf13/cobra"
)

// TestMemoryLimitApplied: the flag sets the soft limit, GOMEMLIMIT is left
// to the runtime when the flag is absent, and the default applies when
// neither is given.
func TestMemoryLimitApplied(t *testing.T) {
	const untouched = 123 << 20
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	tests := []struct {
		name, env string
		args      []string
		want      int64
	}{
		{"default", "", nil, defaultMemoryLimit},
		{"GOMEMLIMIT respected", "500MiB", nil, untouched},
		{"flag in MiB", "", []string{"--memory-limit", "64MiB"}, 64 << 20},
		{"flag over GOMEMLIMIT", "500MiB", []string{"--memory-limit", "1GiB"}, 1 << 30},
		{"flag in MB", "", []string{"--memory-limit", "300MB"}, 300e6},
		{"flag in octets", "", []string{"--memory-limit=20000000"}, 20e6},
		{"off", "", []string{"--memory-limit", "off"}, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tt.env)
			debug.SetMemoryLimit(untouched)
			root := &cobra.Command{Use: "wsconform", SilenceErrors: true, SilenceUsage: true}
			memoryLimitFlag(root)
			root.AddCommand(&cobra.Command{Use: "noop", RunE: func(*cobra.Command, []string) error { return nil }})
			root.SetArgs(append([]string{"noop"}, tt.args...))
			if err := root.Execute(); err != nil {
				t.Fatal(err)
			}
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("limit %d, want %d", got, tt.want)
			}
		})
	}
}

func TestParseMemoryLimitRefuses(t *testing.T) {
	for _, s := range []string{"", "lots", "-1MiB", "0", "1KiB", "15MiB", "12XB", "1.5GiB", "9999999TiB"} {
		if n, err := parseMemoryLimit(s); err == nil {
			t.Errorf("%q: accepted as %d", s, n)
		}
	}
}
