//go:build race

package probe_test

// raceEnabled: the race detector slows compression tenfold and more.
const raceEnabled = true
