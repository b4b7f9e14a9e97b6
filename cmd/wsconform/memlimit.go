package main

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// defaultMemoryLimit is the soft memory limit of a run: well above what
// the suite keeps (tens of MB at --parallel 16) and below the 300 MB a
// hostile target may not push us past. Soft: near it the garbage
// collector runs more often (a flood makes much short-lived garbage); it
// never fails the run.
const defaultMemoryLimit = 256 << 20

// memoryLimitFlag adds --memory-limit to root and applies it before any
// command runs. Without the flag, GOMEMLIMIT (read by the Go runtime) is
// respected as it is; without either, defaultMemoryLimit applies.
func memoryLimitFlag(root *cobra.Command) {
	var limit string
	root.PersistentFlags().StringVar(&limit, "memory-limit", "",
		"soft memory limit of the process (e.g. 256MiB, 1GiB, off; default: $GOMEMLIMIT, else 256MiB)")
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		if !cmd.Flags().Changed("memory-limit") {
			if os.Getenv("GOMEMLIMIT") == "" {
				debug.SetMemoryLimit(defaultMemoryLimit)
			}
			return nil
		}
		n, err := parseMemoryLimit(limit)
		if err != nil {
			return badInput("bad --memory-limit %q: %v", limit, err)
		}
		debug.SetMemoryLimit(n)
		return nil
	}
}

// parseMemoryLimit reads a size as GOMEMLIMIT writes it (a number of
// octets with an optional B, KiB, MiB, GiB or TiB suffix), also accepting
// KB, MB, GB (powers of 1000) and "off".
func parseMemoryLimit(s string) (int64, error) {
	if s == "off" {
		return math.MaxInt64, nil
	}
	units := []struct {
		suffix string
		size   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1}}
	num, unit := s, int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			num, unit = strings.TrimSuffix(s, u.suffix), u.size
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	switch {
	case err != nil || n <= 0:
		return 0, fmt.Errorf("want a positive size such as 256MiB or 1GiB, or off")
	case n > math.MaxInt64/unit:
		return 0, fmt.Errorf("too large")
	case n*unit < 16<<20:
		return 0, fmt.Errorf("below 16MiB, the collector would run all the time")
	}
	return n * unit, nil
}
