//go:build gofuzz

package serverfuzz

// go-fuzz entry points (github.com/dvyukov/go-fuzz), behind the gofuzz tag
// that go-fuzz-build sets. Each is the same body as the native target of
// the name without "Raw" (fuzz_test.go); the names differ because OSS-Fuzz's
// native builder compiles the fuzz test file with this tag set, so equal
// names would collide. Run one with
// `make gofuzz GOFUZZ_TARGET=FuzzRawPlantedClose`.

func FuzzRawReference(data []byte) int    { return referenceTarget.Fuzz(data) }
func FuzzRawPlantedClose(data []byte) int { return plantedTarget.Fuzz(data) }
func FuzzRawPlantedClean(data []byte) int { return cleanTarget.Fuzz(data) }
