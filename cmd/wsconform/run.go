package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite"
	"github.com/wsconform/wsconform/suite/engine"
)

type runFlags struct {
	include, exclude []string
	labelFilter      string
	parallel         int
	scale            float64
	strict           bool
	out              string
	agent            string
	conn             connection
	verbose          bool
	gateFlags
	config   string // multi-target run (Autobahn's fuzzingclient.json or native)
	progress string // auto, bar, lines or none
	// upstream: the target is an intermediary whose upstream is this
	// address, where the run serves the origin (section 19 runs too).
	upstream string
	// progressEvery is the longest silence of plain progress lines
	// (hidden: tests shorten it).
	progressEvery time.Duration
	// which flags were given, so that a --config file does not override them
	outSet, strictSet, failOnSet bool
}

func runCommand() *cobra.Command {
	var f runFlags
	cmd := &cobra.Command{
		Use:   "run [ws://host:port/path]",
		Short: "Run the conformance catalogue against a WebSocket server (default: the embedded reference server)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			url := ""
			if len(args) == 1 {
				url = args[0]
			}
			fl := cmd.Flags()
			f.outSet, f.strictSet, f.failOnSet = fl.Changed("out"), fl.Changed("strict"), fl.Changed("fail-on")
			return runSuite(f, url)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.include, "cases", nil, "case id globs to run, e.g. 1.*,5.19 (default: all)")
	fl.StringSliceVar(&f.exclude, "exclude", nil, "case id globs to leave out, e.g. 9.*")
	fl.StringVar(&f.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'section:5 && !serial'")
	fl.IntVar(&f.parallel, "parallel", 16, "cases run concurrently (serial cases always run alone)")
	fl.Float64Var(&f.scale, "timeout-scale", 1, "multiply every timer and deadline, for slow targets")
	fl.BoolVar(&f.strict, "strict", false, "NON-STRICT verdicts (and unclean closes) fail the run")
	fl.StringVar(&f.out, "out", "reports", "directory for wsconform.json, index.html, junit.xml and autobahn/ ('' for none)")
	fl.StringVar(&f.agent, "agent", "", "the target's name in reports (default: from the URL)")
	f.conn.bind(fl)
	fl.BoolVar(&f.verbose, "verbose", false, "show Ginkgo's own spec-by-spec output")
	fl.StringSliceVar(&f.failOn, "fail-on", nil, "verdicts that fail the run, e.g. FAILED,NOT-RUN,NON-STRICT,close:WRONG-CODE (default: FAILED, NOT RUN, close FAILED/WRONG CODE; --strict adds NON-STRICT, UNCLEAN, FAILED BY CLIENT)")
	fl.StringSliceVar(&f.baseline, "baseline", nil, "results file(s) of an earlier run: exit 1 only on cases that got worse, print improved and regressed ids")
	fl.StringVar(&f.upstream, "upstream", "", "the target is a reverse proxy forwarding to ADDR (host:port): serve the reference server there as its origin and add section 19, which compares what reached the origin with what was sent")
	fl.StringVar(&f.config, "config", "", "run several targets concurrently from a config file (Autobahn's fuzzingclient.json or wsconform's own)")
	fl.StringVar(&f.progress, "progress", "auto", "progress display: auto (a live bar on a terminal, lines otherwise), bar, lines or none")
	fl.DurationVar(&f.progressEvery, "progress-every", lineEvery, "plain progress: the longest silence between two lines")
	fl.MarkHidden("progress-every")
	return cmd
}

func runSuite(f runFlags, rawURL string) error {
	if f.parallel < 1 {
		return badInput("--parallel must be at least 1")
	}
	if f.scale <= 0 {
		return badInput("--timeout-scale must be positive")
	}
	if f.labelFilter != "" {
		if _, err := types.ParseLabelFilter(f.labelFilter); err != nil {
			return badInput("bad --label-filter %q: %s", f.labelFilter, oneLine(err))
		}
	}
	g, err := reporter.ParseGate(f.failOn, f.strict)
	if err != nil {
		return usageError{err}
	}
	baselines, err := loadBaselines(f.baseline)
	if err != nil {
		return err
	}
	switch f.progress {
	case "auto", "bar", "lines", "none":
	default:
		return badInput("unknown --progress %q (auto, bar, lines or none)", f.progress)
	}
	if f.progressEvery <= 0 {
		return badInput("--progress-every must be positive")
	}
	if f.upstream != "" && f.config != "" {
		return badInput("--upstream works with one target URL, not with --config")
	}
	if f.upstream != "" && rawURL == "" {
		return badInput("--upstream needs the intermediary's URL: wsconform run ws://proxy:port/ --upstream %s", f.upstream)
	}
	if f.config != "" {
		if rawURL != "" {
			return badInput("give either a target URL or --config, not both")
		}
		return runConfigFile(f, g, baselines)
	}
	selectCases := cases.Select
	if f.upstream != "" {
		selectCases = cases.SelectBehind
	}
	selected, err := selectCases(f.include, f.exclude)
	if err != nil {
		return usageError{err}
	}
	if len(selected) == 0 && f.upstream == "" && behindOnly(f.include, f.exclude) {
		return badInput("section 19 runs only through an intermediary: wsconform run ws://proxy:port/ --upstream ADDR --cases %s", strings.Join(f.include, ","))
	}
	if len(selected) == 0 {
		return badInput("no case matches --cases %s --exclude %s", strings.Join(f.include, ","), strings.Join(f.exclude, ","))
	}
	if selected, _ = engine.FilterLabels(selected, f.labelFilter); len(selected) == 0 {
		return badInput("no case matches --label-filter %q%s", f.labelFilter, selectionText(f.include, f.exclude))
	}
	if err := checkOutDir("--out", f.out); err != nil {
		return err
	}

	target := cases.TargetInfo{URL: rawURL, Agent: f.agent}
	if rawURL == "" {
		srv, url, err := server.Start("127.0.0.1:0", server.Embedded())
		if err != nil {
			return fmt.Errorf("starting the embedded reference server: %v", err)
		}
		defer srv.Close()
		target.URL, target.Embedded = url, true
		if target.Agent == "" {
			target.Agent = "wsconform-reference"
		}
	}
	t, err := probe.ParseTarget(target.URL)
	if err != nil {
		return usageError{err}
	}
	if err := f.conn.apply(&t); err != nil {
		return err
	}
	if target.Agent == "" {
		target.Agent = agentOf(t, target.URL)
	}
	if t.HTTP2 {
		var left []*cases.Case
		if selected, left = cases.OverHTTP2(selected); len(selected) == 0 {
			return badInput("--http2: none of the selected cases runs over HTTP/2 (%s)", left[0].NotOverHTTP2())
		}
		if len(left) > 0 {
			fmt.Fprintf(os.Stderr, "--http2: left out %d cases that need the HTTP/1.1 opening handshake or test clients (e.g. %s)\n", len(left), left[0].ID)
		}
	}
	target.Options = reproduceOptions(f.conn, f.scale)
	env := probe.Env{Target: t, Timeouts: probe.DefaultTimeouts(), Scale: f.scale}
	if f.upstream != "" {
		origin, stop, err := serveOrigin(f.upstream)
		if err != nil {
			return err
		}
		defer stop()
		env.Origin = origin
		target.Options = append(target.Options, "--upstream", f.upstream)
	}
	if target.TLS, err = preflight(env, target.URL); err != nil {
		return usageError{err}
	}
	if env.Origin != nil {
		if err := preflightOrigin(env, target.URL, f.upstream); err != nil {
			return err
		}
	}

	if !target.Embedded {
		fmt.Fprintf(os.Stderr, "wsconform %s: %d cases against %s\n", version, len(selected), target.URL)
	} else {
		fmt.Fprintf(os.Stderr, "wsconform %s: %d cases against the embedded reference server (%s)\n", version, len(selected), target.URL)
	}
	run := runTargets(f, g, []suite.Target{{
		Info: target, Env: env, Cases: selected, Parallel: f.parallel,
		Selection: cases.Selection{Cases: f.include, Exclude: f.exclude, LabelFilter: f.labelFilter,
			Strict: f.strict, Parallel: f.parallel, Scale: f.scale},
	}}, f.strict)[0]
	reporter.Summary(os.Stdout, run, g)
	timeoutHint(os.Stdout, g, f.scale, run)
	if f.out != "" {
		if err := reporter.Write(f.out, g, run); err != nil {
			return fmt.Errorf("writing reports: %v", err)
		}
		fmt.Fprintf(os.Stdout, "reports written to %s/\n", f.out)
	}
	return verdictOf(judge(os.Stdout, g, baselines, run), run)
}

// agentOf is a target's default name in reports: host and path, or the
// socket and path of a ws+unix:// URL.
func agentOf(t probe.Target, raw string) string {
	if t.Unix != "" {
		return strings.TrimPrefix(strings.TrimPrefix(raw, "wss+unix://"), "ws+unix://")
	}
	return t.URL.Host + t.URL.Path
}

// runTargets runs the targets through suite.Run (all at the same time,
// each on its own engine) with a progress display per target, and marks
// the runs interrupted if SIGINT or SIGTERM arrived meanwhile.
func runTargets(f runFlags, g reporter.Gate, targets []suite.Target, strict bool) []*cases.Run {
	live := f.progress == "bar" || f.progress == "auto" && interactive() && !f.verbose
	progs := make([]*progress, len(targets))
	for i := range targets {
		t := &targets[i]
		progs[i] = newProgress(t.Info.Agent, len(t.Cases), g, live && len(targets) == 1)
		if f.progress != "none" {
			t.OnResult = progs[i].add
			progs[i].heartbeat(f.progressEvery)
		}
	}
	// Ginkgo stops the specs on SIGINT/SIGTERM; this records that it
	// happened, for the report and the exit code.
	interrupted, stopWatching := watchInterrupt()
	defer stopWatching()
	runs := suite.Run(suite.Config{
		Targets: targets, LabelFilter: f.labelFilter, Strict: strict, Gate: &g,
		Tool: "wsconform " + version, Quiet: !f.verbose,
	})
	for i, run := range runs {
		progs[i].finish()
		if interrupted() {
			run.Interrupted = true
		}
	}
	return runs
}

// verdictOf turns judge's answer into the exit: an interrupted run is
// 130 whatever its partial results say.
func verdictOf(judged error, runs ...*cases.Run) error {
	for _, run := range runs {
		if run.Interrupted {
			return errInterrupted
		}
	}
	return judged
}

// watchInterrupt reports, once the run is over, whether SIGINT or SIGTERM
// arrived during it.
func watchInterrupt() (interrupted func() bool, stop func()) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	var got atomic.Bool
	done := make(chan struct{})
	go func() {
		select {
		case <-sig:
			got.Store(true)
		case <-done:
		}
	}()
	return got.Load, func() { signal.Stop(sig); close(done) }
}

// selectionText names the id globs that narrowed a selection, for the
// line that says it is empty.
func selectionText(include, exclude []string) string {
	var s string
	if len(include) > 0 {
		s += " --cases " + strings.Join(include, ",")
	}
	if len(exclude) > 0 {
		s += " --exclude " + strings.Join(exclude, ",")
	}
	if s != "" {
		s = " among" + s
	}
	return s
}

// checkOutDir makes sure reports can be written to dir before a run
// starts: it creates dir and a scratch file in it.
func checkOutDir(flag, dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return badInput("%s %s: cannot create the report directory: %v", flag, dir, unwrapPath(err))
	}
	f, err := os.CreateTemp(dir, ".wsconform-write-check-*")
	if err != nil {
		return badInput("%s %s: cannot write reports there: %v", flag, dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// unwrapPath drops the path that *PathError repeats.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// oneLine flattens Ginkgo's multi-line, coloured error text into one line.
func oneLine(err error) string {
	var parts []string
	for _, l := range strings.Split(ansiEscape.ReplaceAllString(err.Error(), ""), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "Learn more") || strings.HasPrefix(l, "Syntax Error") {
			continue
		}
		parts = append(parts, l)
	}
	return strings.Join(parts, "; ")
}
