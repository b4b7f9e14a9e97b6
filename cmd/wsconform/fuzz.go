package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/fuzz/netfuzz"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
)

func fuzzCommand() *cobra.Command {
	var cfg netfuzz.Config
	var replay string
	var conn connection
	var every time.Duration
	var caseList string
	cmd := &cobra.Command{
		Use:   "fuzz [ws://host:port/path]",
		Short: "Fuzz a live WebSocket server: crashes, hangs, dropped connections and protocol errors, each minimized with a reproducer",
		Long: `fuzz starts from the catalogue (every case's traffic is a session), mutates whole
sessions (frames, lengths, fragmentation, UTF-8 splits, close codes, the opening
handshake, permessage-deflate streams and bombs) and keeps a mutant when the
server answers in a way not seen before. It reports crashes (after the session
the next connection is refused, or accepted with no opening handshake: the
process died or stopped serving), drops (it owed a close frame and closed or
reset that one connection without one, while still serving new ones), hangs
(it owed a close or a failed connection and did neither) and violations (its
own answer breaks RFC 6455/7692). Each finding is confirmed,
minimized and written to --out as a JSON reproducer, with fuzz-report.html and
fuzz-report.json; --replay sends one again. With no URL it fuzzes the embedded
reference server (which should find nothing).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case cfg.Execs < 0 || cfg.Duration < 0:
				return badInput("--execs and --duration must not be negative")
			case cfg.Parallel < 0 || cfg.Parallel > 1024:
				return badInput("--parallel must be between 1 and 1024 (0: %d on this machine)", netfuzz.DefaultParallel())
			case cfg.Deadline <= 0:
				return badInput("--deadline must be positive")
			case every <= 0:
				return badInput("--progress-every must be positive")
			}
			if caseList != "" {
				cfg.Cases = strings.Split(caseList, ",")
				if cs, err := cases.Select(cfg.Cases, nil); err != nil || len(cs) == 0 {
					return badInput("--cases %q selects no case of the catalogue", caseList)
				}
			}
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
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			cfg.Logf = func(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }
			cfg.Reach = conn.apply // its errors come back from Run as bad input
			if replay != "" {
				return replayFinding(ctx, cfg, replay)
			}
			status := startFuzzStatus(os.Stderr, interactive(), every)
			cfg.Progress = status.update
			rep, err := netfuzz.Run(ctx, cfg)
			status.stop()
			if err != nil {
				return usageError{err}
			}
			interrupted := ctx.Err() != nil
			printFuzzReport(os.Stdout, rep)
			if cfg.Out != "" {
				if err := reporter.WriteFuzzReports(cfg.Out, fuzzRunView(rep, interrupted)); err != nil {
					return fmt.Errorf("writing the findings report: %v", err)
				}
				fmt.Printf("report: %s and %s in %s\n", reporter.FuzzHTMLFile, reporter.FuzzJSONFile, cfg.Out)
			}
			switch {
			case interrupted:
				return errInterrupted
			case len(rep.Findings) > 0:
				return errNonConformant
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.Int64Var(&cfg.Seed, "seed", 1, "seed of every random choice (with --parallel 1 a run repeats)")
	fl.IntVar(&cfg.Execs, "execs", 0, fmt.Sprintf("sessions to run (0 and no --duration: %d)", netfuzz.DefaultExecs))
	fl.IntVar(&cfg.Execs, "iterations", 0, "old name of --execs")
	fl.MarkHidden("iterations")
	fl.DurationVar(&cfg.Duration, "duration", 0, "stop after this long")
	fl.IntVar(&cfg.Parallel, "parallel", 0, fmt.Sprintf("connections at once (0: %d, four per CPU)", netfuzz.DefaultParallel()))
	fl.DurationVar(&cfg.Deadline, "deadline", netfuzz.DefaultDeadline, "how long the server may take to answer or fail")
	fl.StringVar(&caseList, "cases", "", "catalogue cases that seed the corpus, e.g. '1.*,5.*,12.1.*' (default: all)")
	fl.IntVar(&cfg.MaxFindings, "max-findings", 0, "stop after this many distinct findings (0: no limit)")
	fl.DurationVar(&cfg.RecoverWait, "recover-wait", netfuzz.DefaultRecoverWait, "how long a crashed target gets to come back before the run stops")
	fl.StringVar(&cfg.Out, "out", "fuzz-findings", "directory for reproducers and the findings report ('' for none)")
	fl.StringVar(&replay, "replay", "", "send the session of one reproducer file again")
	fl.DurationVar(&every, "progress-every", 30*time.Second, "how often a status line is printed when stderr is not a terminal")
	fl.MarkHidden("progress-every")
	conn.bind(fl)
	return cmd
}

func printFuzzReport(w io.Writer, rep netfuzz.Report) {
	fmt.Fprintf(w, "%d sessions against %s (seed %d, %d connections) in %v, %.0f/s: corpus %d (%d seeds), %d distinct answers, %d findings (%d repeats, %d unconfirmed)\n",
		rep.Execs, rep.Target, rep.Seed, rep.Parallel, rep.Elapsed.Round(time.Millisecond), rep.ExecsPerSec,
		rep.Corpus, rep.Seeds, rep.Answers, len(rep.Findings), rep.Repeats, rep.Unconfirmed)
	if rep.Stopped != "" {
		fmt.Fprintln(w, "stopped: "+rep.Stopped)
	}
	for _, f := range rep.Findings {
		fmt.Fprintf(w, "  %-9s %-28s %s\n", f.Kind, f.Rule, f.Detail)
		fmt.Fprintf(w, "            session of %d octets/%d steps, minimized to %d/%d\n", f.Found.Octets, f.Found.Steps, f.Saved.Octets, f.Saved.Steps)
		if f.Path != "" {
			fmt.Fprintf(w, "            reproduce: %s\n", replayCommand(rep.Target, f.Path))
		}
	}
}

func replayCommand(target, path string) string {
	return fmt.Sprintf("wsconform fuzz %s --replay %s", target, path)
}

// fuzzRunView is the run as the reporter shows it.
func fuzzRunView(rep netfuzz.Report, interrupted bool) reporter.FuzzRun {
	v := reporter.FuzzRun{Target: rep.Target, Seed: rep.Seed, Parallel: rep.Parallel, Seeds: rep.Seeds, Execs: rep.Execs,
		Corpus: rep.Corpus, Answers: rep.Answers, Elapsed: rep.Elapsed, ExecsPerSec: rep.ExecsPerSec, Stopped: rep.Stopped,
		Interrupted: interrupted, Repeats: rep.Repeats, Unconfirmed: rep.Unconfirmed, MinimizeRuns: rep.MinimizeRuns}
	for _, a := range rep.AnswerShapes {
		v.AnswerShapes = append(v.AnswerShapes, reporter.FuzzAnswer{Answer: a.Answer, Sessions: a.Sessions})
	}
	for _, f := range rep.Findings {
		ff := reporter.FuzzFinding{Kind: string(f.Kind), Rule: f.Rule, Detail: f.Detail, Expect: f.Expect, Origin: f.Origin, Exec: f.Exec,
			FoundOctets: f.Found.Octets, FoundSteps: f.Found.Steps, SavedOctets: f.Saved.Octets, SavedSteps: f.Saved.Steps,
			MinimizeRuns: f.MinimizeRuns, Reproducer: f.Path}
		if f.Request != nil {
			ff.Request = string(f.Request.Bytes())
		}
		for _, s := range f.Steps {
			ff.Steps = append(ff.Steps, strings.TrimSpace(s.Frame+" "+s.Note))
		}
		if f.Path != "" {
			ff.Replay = replayCommand(rep.Target, f.Path)
		}
		v.Findings = append(v.Findings, ff)
	}
	return v
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

// fuzzStatus shows the run's counts: on a terminal, one line rewritten in
// place a few times a second; otherwise a line every so often, so that a
// log stays short however long the run.
type fuzzStatus struct {
	mu   sync.Mutex
	last netfuzz.Status
	quit chan struct{}
	done sync.WaitGroup
}

func startFuzzStatus(w io.Writer, tty bool, every time.Duration) *fuzzStatus {
	s := &fuzzStatus{quit: make(chan struct{})}
	if tty {
		every = 250 * time.Millisecond
	}
	s.done.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		prev, prevAt := 0, time.Now()
		for {
			select {
			case now := <-t.C:
				s.mu.Lock()
				st := s.last
				s.mu.Unlock()
				rate := float64(st.Execs-prev) / now.Sub(prevAt).Seconds()
				prev, prevAt = st.Execs, now
				line := fmt.Sprintf("fuzz %s: %d sessions, %.0f/s, corpus %d, %d distinct answers, %d findings",
					st.Elapsed.Round(time.Second), st.Execs, rate, st.Corpus, st.Answers, st.Findings)
				if tty {
					fmt.Fprintf(w, "\r\033[K%s", line)
				} else {
					fmt.Fprintln(w, line)
				}
			case <-s.quit:
				if tty {
					fmt.Fprint(w, "\r\033[K")
				}
				return
			}
		}
	})
	return s
}

func (s *fuzzStatus) update(st netfuzz.Status) {
	s.mu.Lock()
	s.last = st
	s.mu.Unlock()
}

func (s *fuzzStatus) stop() {
	close(s.quit)
	s.done.Wait()
}
