package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/fuzz/netfuzz"
	"github.com/wsconform/wsconform/reference/server"
)

func fuzzCommand() *cobra.Command {
	var cfg netfuzz.Config
	var replay string
	var conn connection
	var every time.Duration
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
			if every <= 0 {
				return badInput("--progress-every must be positive")
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg.Logf = func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
			cfg.Reach = conn.apply // its errors come back from Run as bad input
			if replay != "" {
				return replayFinding(ctx, cfg, replay)
			}
			prog := startFuzzProgress(os.Stderr, cfg, every)
			cfg.OnIteration = prog.update
			rep, err := netfuzz.Run(ctx, cfg)
			prog.stop()
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
			if ctx.Err() != nil {
				return errInterrupted
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
	fl.DurationVar(&every, "progress-every", 2*time.Second, "how often a progress line is printed")
	fl.MarkHidden("progress-every")
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

// fuzzProgress prints a line every so often while the fuzzer runs:
// iterations done (of how many), findings, elapsed time.
type fuzzProgress struct {
	mu                   sync.Mutex
	iterations, findings int
	quit                 chan struct{}
	done                 sync.WaitGroup
}

func startFuzzProgress(w io.Writer, cfg netfuzz.Config, every time.Duration) *fuzzProgress {
	p := &fuzzProgress{quit: make(chan struct{})}
	of := ""
	switch {
	case cfg.Iterations > 0:
		of = fmt.Sprintf(" of %d", cfg.Iterations)
	case cfg.Duration == 0:
		of = fmt.Sprintf(" of %d", netfuzz.DefaultIterations)
	}
	start := time.Now()
	p.done.Add(1)
	go func() {
		defer p.done.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				p.mu.Lock()
				fmt.Fprintf(w, "fuzz: %d iterations%s, %d findings, %.0fs\n", p.iterations, of, p.findings, time.Since(start).Seconds())
				p.mu.Unlock()
			case <-p.quit:
				return
			}
		}
	}()
	return p
}

func (p *fuzzProgress) update(iterations, findings int) {
	p.mu.Lock()
	p.iterations, p.findings = iterations, findings
	p.mu.Unlock()
}

func (p *fuzzProgress) stop() {
	close(p.quit)
	p.done.Wait()
}
