package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/fuzz/netfuzz"
	"github.com/wsconform/wsconform/reference/server"
)

func fuzzCommand() *cobra.Command {
	var cfg netfuzz.Config
	var replay string
	var conn connection
	cmd := &cobra.Command{
		Use:   "fuzz [ws://host:port/path]",
		Short: "Fuzz a live WebSocket server: crashes, hangs and protocol errors, each with a reproducer",
		Long: `fuzz sends seeded, generated frame sequences (one connection each) and reports
crashes (the server stops accepting handshakes), hangs (it owed a close or a
failed connection and did neither) and violations (its own frames break RFC
6455). Each finding is written to --out as a JSON reproducer; --replay sends
one again. The same --seed gives the same sequences. With no URL it fuzzes the
embedded reference server (which should find nothing).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				cfg.Target = args[0]
			} else {
				srv, url, err := server.Start("127.0.0.1:0", server.Config{})
				if err != nil {
					return fmt.Errorf("starting the embedded reference server: %v", err)
				}
				defer srv.Close()
				cfg.Target = url
			}
			if cfg.Iterations < 0 || cfg.Duration < 0 {
				return badInput("--iterations and --duration must not be negative")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
			defer stop()
			cfg.Logf = func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
			cfg.Reach = conn.apply // its errors come back from Run as bad input
			if replay != "" {
				return replayFinding(ctx, cfg, replay)
			}
			rep, err := netfuzz.Run(ctx, cfg)
			if err != nil {
				return usageError{err}
			}
			fmt.Printf("%d iterations against %s (seed %d) in %v: %d findings (%d repeats)\n",
				rep.Iterations, rep.Target, rep.Seed, rep.Elapsed.Round(time.Millisecond), len(rep.Findings), rep.Repeats)
			if rep.Stopped != "" {
				fmt.Println("stopped: " + rep.Stopped)
			}
			for _, f := range rep.Findings {
				fmt.Printf("  %-9s %-28s iteration %d: %s\n", f.Kind, f.Rule, f.Iteration, f.Detail)
				if f.Path != "" {
					fmt.Printf("            reproducer %s (wsconform fuzz %s --replay %s)\n", f.Path, rep.Target, f.Path)
				}
			}
			if len(rep.Findings) > 0 {
				return errNonConformant
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated sequences")
	fl.IntVar(&cfg.Iterations, "iterations", 0, "iterations to run (0 and no --duration: 1000)")
	fl.DurationVar(&cfg.Duration, "duration", 0, "stop after this long")
	fl.DurationVar(&cfg.Deadline, "deadline", netfuzz.DefaultDeadline, "how long the server may take to answer or fail")
	fl.StringVar(&cfg.Out, "out", "fuzz-findings", "directory for reproducers ('' for none)")
	fl.StringVar(&replay, "replay", "", "send the sequence of one reproducer file again")
	conn.bind(fl)
	return cmd
}

func replayFinding(ctx context.Context, cfg netfuzz.Config, path string) error {
	f, err := netfuzz.Load(path)
	if err != nil {
		return badInput("cannot read reproducer %s: %v", path, err)
	}
	again, err := netfuzz.Replay(ctx, cfg, f)
	if err != nil {
		return usageError{err}
	}
	if again == nil {
		fmt.Printf("%s: the %s (%s) no longer happens against %s\n", path, f.Kind, f.Rule, cfg.Target)
		return nil
	}
	fmt.Printf("%s: reproduced: %s %s: %s\n", path, again.Kind, again.Rule, again.Detail)
	return errNonConformant
}
