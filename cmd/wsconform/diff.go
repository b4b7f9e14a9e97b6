package main

import (
	"encoding/json"
	"os"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/reporter"
)

func diffCommand() *cobra.Command {
	var strict, asJSON bool
	var failOn []string
	cmd := &cobra.Command{
		Use:   "diff OLD.json NEW.json",
		Short: "Print which cases regressed, improved or changed between two results files (exit 1 on a regression)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := reporter.ParseGate(failOn, strict)
			if err != nil {
				return usageError{err}
			}
			runs, err := readRuns(args)
			if err != nil {
				return err
			}
			d := reporter.Compare(runs[0], runs[1], g)
			if asJSON {
				enc := json.NewEncoder(os.Stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(d); err != nil {
					return err
				}
			} else {
				reporter.PrintDiff(os.Stdout, d)
			}
			if len(d.Regressed) > 0 {
				return errNonConformant
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&strict, "strict", false, "NON-STRICT verdicts (and unclean closes) count as failing")
	cmd.Flags().StringSliceVar(&failOn, "fail-on", nil, "verdicts that count as failing (default: as run does)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the diff as JSON")
	return cmd
}
