//go:build gofuzz

package adapters

// go-fuzz entry points over the same bodies as the native targets in
// fuzz_test.go (names differ: see fuzz/serverfuzz/gofuzz.go). From the
// repository root: make gofuzz GOFUZZ_TARGET=FuzzRawGorilla

func FuzzRawGorilla(data []byte) int { return gorillaTarget.Fuzz(data) }
func FuzzRawCoder(data []byte) int   { return coderTarget.Fuzz(data) }
func FuzzRawGobwas(data []byte) int  { return gobwasTarget.Fuzz(data) }
