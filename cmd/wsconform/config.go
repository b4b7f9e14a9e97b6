package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// runConfig is a multi-target run from --config FILE. It reads Autobahn's
// fuzzingclient.json unchanged (servers with agent and url, cases,
// exclude-cases, exclude-agent-cases, outdir; other keys such as options
// are ignored) and wsconform's native form, which says "targets" and adds
// per-target limits:
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
}

type configTarget struct {
	Agent        string   `json:"agent"`
	URL          string   `json:"url"`
	Parallel     int      `json:"parallel"` // this target's concurrency cap
	Cases        []string `json:"cases"`
	ExcludeCases []string `json:"exclude-cases"`
	Insecure     bool     `json:"insecure"`
	Hostname     string   `json:"hostname"`  // TLS server name (SNI), as in Autobahn's config
	Origin       string   `json:"origin"`    // as in Autobahn's config
	Protocols    []string `json:"protocols"` // subprotocols offered, as in Autobahn's config
}

// loadConfig reads and checks a config file; every problem is bad input.
func loadConfig(file string) (*runConfig, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, badInput("--config: %v", err)
	}
	var cfg runConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&cfg); err != nil {
		return nil, badInput("--config %s: %v", file, err)
	}
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
		if agentMatch(pattern, t.Agent) {
			exclude = append(exclude, ids...)
		}
	}
	cs, err = cases.Select(include, exclude)
	if err == nil && len(cs) == 0 {
		err = fmt.Errorf("target %q: no case selected", t.Agent)
	}
	return include, exclude, cs, err
}

// agentMatch is Autobahn's (fnmatch) agent pattern: '*' is any run of
// characters, '/' included, '?' one character; the rest is literal.
func agentMatch(pattern, agent string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(agent)
}
