package main

import (
	"fmt"
	"os"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/suite/engine"
)

// preflight is engine.Preflight with the target named: a target that
// cannot be judged is one line and exit 2; a broken 101 is a warning on
// stderr and the run goes on.
func preflight(env probe.Env, name string) error {
	warning, err := engine.Preflight(env)
	if err != nil {
		return fmt.Errorf("%s: %v", name, err)
	}
	if warning != "" {
		fmt.Fprintf(os.Stderr, "warning: %s %s\n", name, warning)
	}
	return nil
}
