// Command wsconform certifies WebSocket servers against RFC 6455: run the
// catalogue against a target, list it, or serve the reference echo server.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// Exit codes: 0 conformant, 1 not conformant, 2 bad input to the tool,
// 130 interrupted (128 + SIGINT, as shells report it) with the partial
// report written.
const (
	exitPass        = 0
	exitNonConform  = 1
	exitBadInput    = 2
	exitInterrupted = 130
)

// usageError is bad input to the tool (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

func badInput(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// nonConformant is a finished run that found problems (exit 1).
var errNonConformant = errors.New("target is not conformant")

// errInterrupted is a run stopped by SIGINT or SIGTERM whose partial
// report has been written (exit 130).
var errInterrupted = errors.New("interrupted")

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the catalogue digest and the Go toolchain",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintf(cmd.OutOrStdout(), "wsconform %s (catalogue %s, %d cases; %s %s/%s)\n",
				version, cases.CatalogueDigest(), len(cases.All()), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

func main() {
	// `wsconform run | head`: once the reader is gone, writes to stdout
	// fail with EPIPE instead of killing the process, so the run still
	// finishes and writes its reports.
	signal.Ignore(syscall.SIGPIPE)
	root := &cobra.Command{
		Use:           "wsconform",
		Short:         "WebSocket (RFC 6455) conformance and fuzzing suite",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	memoryLimitFlag(root)
	root.AddCommand(runCommand(), clientsCommand(), listCommand(), serveCommand(), fuzzCommand(), reportCommand(), diffCommand(), versionCommand())
	err := root.Execute()
	switch {
	case err == nil:
		os.Exit(exitPass)
	case errors.Is(err, errNonConformant):
		os.Exit(exitNonConform)
	case errors.Is(err, errInterrupted):
		fmt.Fprintln(os.Stderr, "wsconform: interrupted")
		os.Exit(exitInterrupted)
	default:
		fmt.Fprintln(os.Stderr, "wsconform: "+err.Error())
		os.Exit(exitBadInput)
	}
}
