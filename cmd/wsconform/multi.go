package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite"
	"github.com/wsconform/wsconform/suite/engine"
)

// A multi-target run is wiring: the config file becomes one suite.Target
// per target (its own selection, connection settings and worker cap) and
// suite.Run certifies them all at the same time, each on its own engine,
// with the same specs, label filter, focus, timeouts and gate as a
// single-target run.

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

	var plan []suite.Target
	for _, t := range cfg.Targets {
		include, exclude, selected, err := cfg.selection(t)
		if err != nil {
			return usageError{err}
		}
		if selected, _ = engine.FilterLabels(selected, f.labelFilter); len(selected) == 0 { // the filter was checked by runSuite
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
		targetCases := selected
		if pt.HTTP2 {
			if targetCases, _ = cases.OverHTTP2(selected); len(targetCases) == 0 {
				return badInput("--http2: none of the selected cases runs over HTTP/2")
			}
		}
		parallel := firstPositive(t.Parallel, cfg.Parallel, f.parallel)
		env := probe.Env{Target: pt, Timeouts: probe.DefaultTimeouts(), Scale: scale}
		tlsInfo, err := preflight(env, fmt.Sprintf("target %q (%s)", t.Agent, t.URL))
		if err != nil {
			return usageError{err}
		}
		plan = append(plan, suite.Target{
			Info: cases.TargetInfo{URL: t.URL, Agent: t.Agent, Options: reproduceOptions(conn, scale), TLS: tlsInfo}, Env: env, Parallel: parallel, Cases: targetCases,
			Selection: cases.Selection{Cases: include, Exclude: exclude, LabelFilter: f.labelFilter, Strict: *cfg.Strict,
				Parallel: parallel, Scale: scale},
		})
		fmt.Fprintf(os.Stderr, "wsconform %s: %d cases against %s (%s), %d at a time\n", version, len(targetCases), t.Agent, t.URL, parallel)
	}

	runs := runTargets(f, g, plan, *cfg.Strict)
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

func firstPositive(ns ...int) int {
	for _, n := range ns {
		if n > 0 {
			return n
		}
	}
	return 1
}
