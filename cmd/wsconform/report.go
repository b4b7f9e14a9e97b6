package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

func reportCommand() *cobra.Command {
	var out string
	var strict bool
	var failOn []string
	cmd := &cobra.Command{
		Use:   "report RESULTS.json [RESULTS.json...]",
		Short: "Re-render index.html, junit.xml and autobahn/ from results files; several targets become one matrix",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := reporter.ParseGate(failOn, strict)
			if err != nil {
				return usageError{err}
			}
			runs, err := readRuns(args)
			if err != nil {
				return err
			}
			if err := reporter.WriteReports(out, g, runs...); err != nil {
				return fmt.Errorf("writing reports: %v", err)
			}
			if err := reporter.WriteAutobahn(filepath.Join(out, "autobahn"), runs...); err != nil {
				return fmt.Errorf("writing reports: %v", err)
			}
			for _, run := range runs {
				ids, _ := g.Failing(run)
				fmt.Fprintf(os.Stdout, "%s: %d cases, %d fail the gate\n", run.Target.Agent, len(run.Results), len(ids))
			}
			fmt.Fprintf(os.Stdout, "reports written to %s/\n", out)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "reports", "directory for index.html, junit.xml and autobahn/")
	cmd.Flags().BoolVar(&strict, "strict", false, "NON-STRICT verdicts (and unclean closes) count as failing")
	cmd.Flags().StringSliceVar(&failOn, "fail-on", nil, "verdicts that count as failing, e.g. FAILED,NOT-RUN,close:WRONG-CODE (default: as run does)")
	return cmd
}

// readRuns reads results files; targets with the same agent get the
// file's name appended, so that every column of the matrix is distinct.
func readRuns(paths []string) ([]*cases.Run, error) {
	var runs []*cases.Run
	seen := map[string]bool{}
	for _, p := range paths {
		run, err := reporter.ReadJSON(p)
		if err != nil {
			return nil, usageError{err}
		}
		if seen[run.Target.Agent] {
			run.Target.Agent += " (" + p + ")"
		}
		seen[run.Target.Agent] = true
		runs = append(runs, run)
	}
	return runs, nil
}
