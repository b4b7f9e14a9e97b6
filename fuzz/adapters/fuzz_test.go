package adapters

import (
	"testing"

	"github.com/wsconform/wsconform/fuzz/serverfuzz"
)

// Native fuzz targets: cd fuzz/adapters && go test -run '^$' -fuzz '^FuzzGorilla$'

func FuzzGorilla(f *testing.F) {
	serverfuzz.AddSeeds(f, catalogueDir)
	f.Fuzz(func(t *testing.T, data []byte) { gorillaTarget.Fuzz(data) })
}

func FuzzCoder(f *testing.F) {
	serverfuzz.AddSeeds(f, catalogueDir)
	f.Fuzz(func(t *testing.T, data []byte) { coderTarget.Fuzz(data) })
}

func FuzzGobwas(f *testing.F) {
	serverfuzz.AddSeeds(f, catalogueDir)
	f.Fuzz(func(t *testing.T, data []byte) { gobwasTarget.Fuzz(data) })
}

// catalogueDir is serverfuzz's catalogue seeds seen from this directory.
const catalogueDir = "../serverfuzz/" + serverfuzz.CatalogueDir
