package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/suite/clients"
)

// runConfig is a multi-target run from --config FILE. It reads Autobahn's
// fuzzingclient.json unchanged (servers with agent and url, cases,
// exclude-cases, exclude-agent-cases, outdir, options) and wsconform's
// native form, which says "targets" and adds per-target limits. A key
// that is neither is bad input, so that a misspelling is not a silent
// no-op:
//
//	{"outdir": "reports", "cases": ["*"], "exclude-cases": ["12.*", "13.*"],
//	 "parallel": 16, "timeoutScale": 1, "strict": false, "fail-on": ["FAILED"],
//	 "targets": [{"agent": "mine", "url": "ws://127.0.0.1:9001", "parallel": 4,
//	              "exclude-cases": ["9.*"], "insecure": false}]}
type runConfig struct {
	OutDir            string              `json:"outdir"`
	Cases             []string            `json:"cases"`
	ExcludeCases      []string            `json:"exclude-cases"`
	ExcludeAgentCases map[string][]string `json:"exclude-agent-cases"`
	Servers           []configTarget      `json:"servers"` // Autobahn's name
	Targets           []configTarget      `json:"targets"` // wsconform's name
	Parallel          int                 `json:"parallel"`
	TimeoutScale      float64             `json:"timeoutScale"`
	Strict            *bool               `json:"strict"`
	FailOn            []string            `json:"fail-on"`
	Options           *autobahnOptions    `json:"options"` // Autobahn's protocol options

	// autobahnForm is set when the file lists "servers": reports then go
	// where Autobahn puts them (index.json in outdir itself).
	autobahnForm bool
}

// autobahnOptions are the protocol options of Autobahn's fuzzingclient.json
// that wsconform knows.
type autobahnOptions struct {
	// FailByDrop true makes Autobahn drop TCP without a close frame when it
	// fails a connection. wsconform always sends the close frame first
	// (RFC 6455 §7.1.7), which is false; true is refused.
	FailByDrop *bool `json:"failByDrop"`
}

// serverOptions are Autobahn's per-server options.
type serverOptions struct {
	// Version is Autobahn's protocol version: 13-18 (RFC 6455's drafts and
	// the RFC itself) all send Sec-WebSocket-Version 13, what wsconform
	// tests. Others (Hixie-76, hybi-10) are refused.
	Version *int `json:"version"`
}

type configTarget struct {
	Agent        string         `json:"agent"`
	URL          string         `json:"url"`
	Parallel     int            `json:"parallel"` // this target's concurrency cap
	Cases        []string       `json:"cases"`
	ExcludeCases []string       `json:"exclude-cases"`
	Insecure     bool           `json:"insecure"`
	Hostname     string         `json:"hostname"`  // TLS server name (SNI), as in Autobahn's config
	Origin       string         `json:"origin"`    // as in Autobahn's config
	Protocols    []string       `json:"protocols"` // subprotocols offered, as in Autobahn's config
	Options      *serverOptions `json:"options"`   // Autobahn's per-server options
}

// loadConfig reads and checks a config file; every problem is bad input.
func loadConfig(file string) (*runConfig, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, badInput("--config: %v", err)
	}
	var cfg runConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, badInput("--config %s: %s", file, configError(err))
	}
	if o := cfg.Options; o != nil && o.FailByDrop != nil && *o.FailByDrop {
		return nil, badInput("--config %s: options.failByDrop true is not supported: wsconform fails a connection with a close frame before dropping it (RFC 6455 §7.1.7), as Autobahn's own test cases do; remove it or set it to false", file)
	}
	cfg.autobahnForm = len(cfg.Servers) > 0
	cfg.Targets = append(cfg.Servers, cfg.Targets...)
	cfg.Servers = nil
	if len(cfg.Targets) == 0 {
		return nil, badInput("--config %s: no servers (Autobahn) or targets (wsconform) listed", file)
	}
	agents := map[string]bool{}
	for i, t := range cfg.Targets {
		if t.URL == "" {
			return nil, badInput("--config %s: target %d (%q) has no url", file, i+1, t.Agent)
		}
		if t.Agent == "" {
			return nil, badInput("--config %s: target %d (%s) has no agent", file, i+1, t.URL)
		}
		if agents[t.Agent] {
			return nil, badInput("--config %s: agent %q is listed twice", file, t.Agent)
		}
		agents[t.Agent] = true
		if t.Parallel < 0 {
			return nil, badInput("--config %s: target %q: parallel must be at least 1", file, t.Agent)
		}
		if o := t.Options; o != nil && o.Version != nil && (*o.Version < 13 || *o.Version > 18) {
			return nil, badInput("--config %s: target %q: options.version %d is not supported: wsconform tests RFC 6455 (Autobahn's versions 13-18)", file, t.Agent, *o.Version)
		}
	}
	return &cfg, nil
}

// selection is the case list of one target: the config's cases minus its
// exclude-cases, narrowed by the target's own lists and by every
// exclude-agent-cases entry whose agent pattern matches.
func (cfg *runConfig) selection(t configTarget) (include, exclude []string, cs []*cases.Case, err error) {
	include = cfg.Cases
	if len(t.Cases) > 0 {
		include = t.Cases
	}
	if len(include) == 1 && include[0] == "*" {
		include = nil
	}
	exclude = append(append([]string{}, cfg.ExcludeCases...), t.ExcludeCases...)
	for pattern, ids := range cfg.ExcludeAgentCases {
		if clients.AgentMatch(pattern, t.Agent) {
			exclude = append(exclude, ids...)
		}
	}
	cs, err = cases.Select(include, exclude)
	if err == nil && len(cs) == 0 {
		err = fmt.Errorf("target %q: no case selected", t.Agent)
	}
	return include, exclude, cs, err
}

// knownConfigKeys are every key a config file may hold, for suggestions.
var knownConfigKeys = []string{"outdir", "cases", "exclude-cases", "exclude-agent-cases", "servers", "targets",
	"parallel", "timeoutScale", "strict", "fail-on", "options", "agent", "url", "insecure", "hostname",
	"origin", "protocols", "failByDrop", "version"}

// configError turns the decoder's error into one line; an unknown key
// gets a suggestion when it is a known key spelled differently.
func configError(err error) string {
	msg := err.Error()
	name, ok := strings.CutPrefix(msg, "json: unknown field ")
	if !ok {
		return strings.TrimPrefix(msg, "json: ")
	}
	name = strings.Trim(name, `"`)
	squash := func(s string) string {
		return strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.ToLower(s))
	}
	for _, k := range knownConfigKeys {
		if squash(k) == squash(name) {
			return fmt.Sprintf("unknown key %q (did you mean %q?)", name, k)
		}
	}
	return fmt.Sprintf("unknown key %q", name)
}
