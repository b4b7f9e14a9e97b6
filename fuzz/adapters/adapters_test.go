package adapters

import (
	"testing"

	"github.com/wsconform/wsconform/fuzz/serverfuzz"
)

func TestDebugAdapters(t *testing.T) {
	for name, h := range map[string]*serverfuzz.Harness{"gorilla": gorillaTarget, "coder": coderTarget, "gobwas": gobwasTarget} {
		for i, s := range serverfuzz.Generate(3000) {
			if f := h.Check(s); f != nil {
				t.Logf("%s seed %d: %s", name, i, f.Error())
			}
		}
	}
}
