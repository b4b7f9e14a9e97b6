package serverfuzz

import "testing"

// Native fuzz targets over the same bodies as gofuzz.go. This file uses
// nothing but the package's non-test code, so OSS-Fuzz's
// compile_native_go_fuzzer can build it (it copies this one file out of
// the test build). Run: go test ./fuzz/serverfuzz -run '^$' -fuzz '^FuzzPlantedClose$'

func FuzzReference(f *testing.F) {
	AddSeeds(f, CatalogueDir)
	f.Fuzz(func(t *testing.T, data []byte) { referenceTarget.Fuzz(data) })
}

func FuzzPlantedClose(f *testing.F) {
	// Seeds() only: the catalogue holds a close frame with a one-octet
	// body, the planted bug's trigger; this target shows the engine find it.
	for _, s := range Seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { plantedTarget.Fuzz(data) })
}

func FuzzPlantedClean(f *testing.F) {
	AddSeeds(f, CatalogueDir)
	f.Fuzz(func(t *testing.T, data []byte) { cleanTarget.Fuzz(data) })
}
