package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/suite/engine"
)

func listCommand() *cobra.Command {
	var format string
	var include, exclude []string
	var labelFilter string
	var forClients bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the catalogue: ids, titles, RFC clauses, labels",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			sel, err := cases.SelectBehind(include, exclude) // section 19 too: run --upstream plays it
			if forClients {
				// What `wsconform clients` plays, then the API checks only
				// --browser runs.
				sel, err = cases.SelectClients(include, exclude)
				sel = append(sel, cases.SelectAPI(include, exclude)...)
			}
			if err != nil {
				return usageError{err}
			}
			if sel, err = engine.FilterLabels(sel, labelFilter); err != nil {
				return badInput("bad --label-filter %q: %s", labelFilter, oneLine(err))
			}
			if len(sel) == 0 {
				what := selectionText(include, exclude)
				if labelFilter != "" {
					what = " --label-filter " + strconv.Quote(labelFilter) + what
				}
				return badInput("no case matches%s", strings.TrimPrefix(what, " among"))
			}
			switch format {
			case "json":
				return writeCatalogueJSON(os.Stdout, sel)
			case "text":
				tw := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
				fmt.Fprintln(tw, "ID\tLEVEL\tTITLE\tCLAUSES\tLABELS")
				for _, c := range sel {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Level, c.Title, strings.Join(c.Clauses, ", "), strings.Join(engine.Labels(c), " "))
				}
				return tw.Flush()
			}
			return badInput("unknown --format %q (text or json)", format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	cmd.Flags().StringSliceVar(&include, "cases", nil, "case id globs to list (e.g. 5.*,6.4.1)")
	cmd.Flags().StringSliceVar(&exclude, "exclude", nil, "case id globs to leave out")
	cmd.Flags().StringVar(&labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'section:5 && !serial'")
	cmd.Flags().BoolVar(&forClients, "clients", false, "list the cases that test clients (wsconform clients; 16.10-16.16 with --browser) instead of those that test servers")
	return cmd
}

func writeCatalogueJSON(w *os.File, sel []*cases.Case) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(cases.Describe(sel))
}
