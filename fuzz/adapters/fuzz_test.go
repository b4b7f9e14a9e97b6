package adapters

import (
	"testing"

	"github.com/wsconform/wsconform/fuzz/serverfuzz"
)

// Native fuzz targets: cd fuzz/adapters && go test -run '^$' -fuzz '^FuzzGorilla$'

func FuzzGorilla(f *testing.F) {
	for _, s := range serverfuzz.Seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { gorillaTarget.Fuzz(data) })
}

func FuzzCoder(f *testing.F) {
	for _, s := range serverfuzz.Seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { coderTarget.Fuzz(data) })
}

func FuzzGobwas(f *testing.F) {
	for _, s := range serverfuzz.Seeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) { gobwasTarget.Fuzz(data) })
}
