// Command wsconform certifies WebSocket servers against RFC 6455: run the
// catalogue against a target, list it, or serve the reference echo server.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes: 0 conformant, 1 not conformant, 2 bad input to the tool.
const (
	exitPass       = 0
	exitNonConform = 1
	exitBadInput   = 2
)

// usageError is bad input to the tool (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func badInput(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// nonConformant is a finished run that found problems (exit 1).
var errNonConformant = errors.New("target is not conformant")

func main() {
	root := &cobra.Command{
		Use:           "wsconform",
		Short:         "WebSocket (RFC 6455) conformance and fuzzing suite",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCommand(), listCommand(), serveCommand(), fuzzCommand(), reportCommand(), diffCommand())
	err := root.Execute()
	switch {
	case err == nil:
		os.Exit(exitPass)
	case errors.Is(err, errNonConformant):
		os.Exit(exitNonConform)
	default:
		fmt.Fprintln(os.Stderr, "wsconform: "+err.Error())
		os.Exit(exitBadInput)
	}
}
