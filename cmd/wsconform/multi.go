package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite"
)

// A multi-target run drives each target's suite.Engine directly instead of
// going through suite.Run: Ginkgo's RunSpecs may run once per process, and
// the engine is where concurrency lives anyway. Each target gets its own
// engine, so its own worker cap and its own serial lock, and all targets
// run at the same time. The label filter is applied here the way Ginkgo
// would, on suite.Labels. Re-executing the binary per target would also
// work but costs a process per target and a second results round-trip.

// plannedTarget is one target ready to run.
type plannedTarget struct {
	info     cases.TargetInfo
	env      probe.Env
	parallel int
	cases    []*cases.Case
	sel      cases.Selection
}

func runConfigFile(f runFlags, g reporter.Gate, baselines []*cases.Run) error {
	cfg, err := loadConfig(f.config)
	if err != nil {
		return err
	}
	if f.strictSet || cfg.Strict == nil {
		cfg.Strict = &f.strict
	}
	if !f.failOnSet && (len(cfg.FailOn) > 0 || *cfg.Strict != f.strict) {
		if g, err = reporter.ParseGate(cfg.FailOn, *cfg.Strict); err != nil {
			return usageError{fmt.Errorf("--config %s: %v", f.config, err)}
		}
	}
	out := f.out
	if !f.outSet && cfg.OutDir != "" {
		out = cfg.OutDir
	}
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	scale := f.scale
	if cfg.TimeoutScale > 0 {
		scale = cfg.TimeoutScale
	}

	var plan []plannedTarget
	for _, t := range cfg.Targets {
		include, exclude, selected, err := cfg.selection(t)
		if err != nil {
			return usageError{err}
		}
		if selected, _ = suite.FilterLabels(selected, f.labelFilter); len(selected) == 0 { // the filter was checked by runSuite
			return badInput("target %q: no case matches --label-filter %q%s", t.Agent, f.labelFilter, selectionText(include, exclude))
		}
		pt, err := probe.ParseTarget(t.URL)
		if err != nil {
			return usageError{fmt.Errorf("target %q: %v", t.Agent, err)}
		}
		conn := f.conn
		conn.insecure = conn.insecure || t.Insecure
		if t.Hostname != "" {
			conn.sni = t.Hostname
		}
		if t.Origin != "" {
			conn.origin = t.Origin
		}
		if len(t.Protocols) > 0 {
			conn.protocols = t.Protocols
		}
		if err := conn.apply(&pt); err != nil {
			return err
		}
		parallel := firstPositive(t.Parallel, cfg.Parallel, f.parallel)
		env := probe.Env{Target: pt, Timeouts: probe.DefaultTimeouts(), Scale: scale}
		if err := preflight(env, fmt.Sprintf("target %q (%s)", t.Agent, t.URL)); err != nil {
			return usageError{err}
		}
		plan = append(plan, plannedTarget{
			info: cases.TargetInfo{URL: t.URL, Agent: t.Agent}, env: env, parallel: parallel, cases: selected,
			sel: cases.Selection{Cases: include, Exclude: exclude, LabelFilter: f.labelFilter, Strict: *cfg.Strict,
				Parallel: parallel, Scale: scale},
		})
		fmt.Fprintf(os.Stderr, "wsconform %s: %d cases against %s (%s), %d at a time\n", version, len(selected), t.Agent, t.URL, parallel)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	live := f.progress == "bar" || f.progress == "auto" && interactive()
	runs := make([]*cases.Run, len(plan))
	var wg sync.WaitGroup
	for i, p := range plan {
		wg.Add(1)
		go func() {
			defer wg.Done()
			prog := newProgress(p.info.Agent, len(p.cases), g, live && len(plan) == 1)
			onResult := prog.add
			if f.progress == "none" {
				onResult = nil
			} else {
				prog.heartbeat(f.progressEvery)
			}
			runs[i] = runTarget(ctx, p, onResult)
			prog.finish()
		}()
	}
	wg.Wait()

	for _, run := range runs {
		reporter.Summary(os.Stdout, run, g)
		fmt.Fprintln(os.Stdout)
	}
	timeoutHint(os.Stdout, g, scale, runs...)
	if out != "" {
		autobahnDir := filepath.Join(out, "autobahn")
		if cfg.autobahnForm {
			autobahnDir = out // where Autobahn writes index.json, for scripts written against it
		}
		if err := reporter.WriteWithAutobahnDir(out, autobahnDir, g, runs...); err != nil {
			return fmt.Errorf("writing reports: %v", err)
		}
		fmt.Fprintf(os.Stdout, "reports written to %s/ (open %s/%s)\n", out, out, reporter.HTMLFile)
	}
	return verdictOf(judge(os.Stdout, g, baselines, runs...), runs...)
}

// runTarget runs one target's cases on its own engine; a serial case runs
// inline (alone on this target), the rest on the engine's pool.
func runTarget(ctx context.Context, p plannedTarget, onResult func(cases.Result)) *cases.Run {
	eng := suite.NewEngine(p.env, p.parallel)
	eng.OnResult = onResult
	defer eng.Close()
	start := time.Now()
	eng.Prefetch(p.cases)
	for _, c := range p.cases {
		if ctx.Err() != nil {
			eng.Close()
			break
		}
		eng.Await(ctx, c)
	}
	cfg := suite.Config{Target: p.info, Tool: "wsconform " + version, Selection: p.sel}
	run := suite.Collect(cfg, eng, p.cases, start)
	if ctx.Err() != nil {
		run.Interrupted = true
	}
	return run
}

func firstPositive(ns ...int) int {
	for _, n := range ns {
		if n > 0 {
			return n
		}
	}
	return 1
}
