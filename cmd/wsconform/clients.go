package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
	"github.com/wsconform/wsconform/suite/clients"
)

type clientsFlags struct {
	addr             string
	include, exclude []string
	config           string
	out              string
	scale            float64
	strict           bool
	browser          string
	serverTLS
	gateFlags
	addrSet, outSet bool
}

func clientsCommand() *cobra.Command {
	var f clientsFlags
	cmd := &cobra.Command{
		Use:   "clients",
		Short: "Certify WebSocket clients: serve the catalogue over Autobahn's fuzzingserver control protocol",
		Long: "Serves Autobahn|Testsuite's fuzzingserver control protocol (/getCaseCount, /getCaseInfo, /runCase,\n" +
			"/getCaseStatus, /updateReports, /stopServer), so client harnesses written for Autobahn run unchanged,\n" +
			"and plays sections 1-7, 9, 10, 12 and 13 from the server side against every agent that asks.\n" +
			"Reports (one column per agent) are written at each /updateReports and when the server stops\n" +
			"(/stopServer, /updateReports?shutdownOnComplete=true, or SIGINT).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fl := cmd.Flags()
			f.addrSet, f.outSet = fl.Changed("addr"), fl.Changed("out")
			return serveClients(f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:9001", "host:port to serve on")
	fl.StringSliceVar(&f.include, "cases", nil, "case id globs to serve, e.g. 1.*,5.19 (default: every case that tests clients)")
	fl.StringSliceVar(&f.exclude, "exclude", nil, "case id globs to leave out, e.g. 9.*,12.*,13.*")
	fl.StringVar(&f.config, "config", "", "Autobahn's fuzzingserver.json (url, outdir, cases, exclude-cases, exclude-agent-cases, options, webport)")
	fl.StringVar(&f.out, "out", "reports/clients", "directory for wsconform.json, index.html, junit.xml and Autobahn's index.json ('' for none)")
	fl.Float64Var(&f.scale, "timeout-scale", 1, "multiply every timer and deadline, for slow clients")
	fl.BoolVar(&f.strict, "strict", false, "NON-STRICT verdicts (and unclean closes) fail the run")
	fl.StringSliceVar(&f.failOn, "fail-on", nil, "verdicts that fail the run, as for run")
	fl.StringSliceVar(&f.baseline, "baseline", nil, "results file(s) of an earlier run: exit 1 only on cases that got worse (matched by agent)")
	f.serverTLS.register(fl)
	fl.StringVar(&f.browser, "browser", "", "a Chromium-family browser (e.g. chromium) to certify headless: every selected case through a page's WebSocket object, then the WebSocket API checks (16.10-16.16); the server stops when it is done")
	return cmd
}

// fuzzingServerConfig is Autobahn's fuzzingserver.json, read unchanged.
type fuzzingServerConfig struct {
	URL               string              `json:"url"`
	OutDir            string              `json:"outdir"`
	Cases             []string            `json:"cases"`
	ExcludeCases      []string            `json:"exclude-cases"`
	ExcludeAgentCases map[string][]string `json:"exclude-agent-cases"`
	Options           *autobahnOptions    `json:"options"`
	// WebPort is where Autobahn serves its browser page; its code ignores
	// the key, and so does wsconform.
	WebPort   *int     `json:"webport"`
	Protocols []string `json:"protocols"`
}

func loadFuzzingServerConfig(file string) (*fuzzingServerConfig, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, badInput("--config: %v", err)
	}
	var cfg fuzzingServerConfig
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, badInput("--config %s: %s", file, configError(err))
	}
	if o := cfg.Options; o != nil && o.FailByDrop != nil && *o.FailByDrop {
		return nil, badInput("--config %s: options.failByDrop true is not supported: wsconform fails a connection with a close frame before dropping it (RFC 6455 §7.1.7); remove it or set it to false", file)
	}
	for pattern, ids := range cfg.ExcludeAgentCases {
		if _, err := cases.Select(ids, nil); err != nil {
			return nil, badInput("--config %s: exclude-agent-cases %q: %v", file, pattern, err)
		}
	}
	return &cfg, nil
}

// listenAddr turns the config's url (ws://host:port, or wss://host:port
// when tlsOn) into host:port.
func listenAddr(raw string, tlsOn bool) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("url %q is not ws://host:port", raw)
	}
	switch {
	case u.Scheme == "wss" && !tlsOn:
		return "", fmt.Errorf("url %q: serving wss:// needs --tls-cert/--tls-key or --self-signed", raw)
	case u.Scheme != "ws" && u.Scheme != "wss":
		return "", fmt.Errorf("url %q is not ws://host:port or wss://host:port", raw)
	}
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "wss" {
			port = "443"
		}
		return net.JoinHostPort(u.Hostname(), port), nil
	}
	return u.Host, nil
}

func serveClients(f clientsFlags) error {
	if f.scale <= 0 {
		return badInput("--timeout-scale must be positive")
	}
	g, err := reporter.ParseGate(f.failOn, f.strict)
	if err != nil {
		return usageError{err}
	}
	baselines, err := loadBaselines(f.baseline)
	if err != nil {
		return err
	}
	include, exclude, out, addr := f.include, f.exclude, f.out, f.addr
	var excludeAgent map[string][]string
	var protocols []string
	autobahnForm := false
	if f.config != "" {
		cfg, err := loadFuzzingServerConfig(f.config)
		if err != nil {
			return err
		}
		autobahnForm = true
		if len(include) == 0 {
			include = cfg.Cases
		}
		exclude = append(exclude, cfg.ExcludeCases...)
		excludeAgent, protocols = cfg.ExcludeAgentCases, cfg.Protocols
		if !f.outSet && cfg.OutDir != "" {
			out = cfg.OutDir
		}
		if !f.addrSet && cfg.URL != "" {
			if addr, err = listenAddr(cfg.URL, f.serverTLS.on()); err != nil {
				return badInput("--config %s: %v", f.config, err)
			}
		}
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return badInput("--addr %q: want host:port (%v)", addr, err)
	}
	if f.browser != "" && f.serverTLS.on() {
		return badInput("--browser serves its page over plain HTTP: leave out --tls-cert/--tls-key/--self-signed")
	}
	tlsCfg, tlsNote, cleanup, err := f.serverTLS.tlsConfig(host, "the clients under test (e.g. SSL_CERT_FILE={cert}, or NODE_EXTRA_CA_CERTS={cert})")
	if err != nil {
		return err
	}
	defer cleanup()
	selected, err := cases.SelectClients(include, exclude)
	if err != nil {
		return usageError{err}
	}
	var api []*cases.Case
	if f.browser != "" {
		if f.browser, err = browserPath(f.browser); err != nil {
			return err
		}
		api = cases.SelectAPI(include, exclude)
	}
	if len(selected) == 0 && len(api) == 0 {
		return badInput("no case that tests clients matches%s", selectionText(include, exclude))
	}
	all, _ := cases.SelectClients(nil, nil)
	if err := checkOutDir("--out", out); err != nil {
		return err
	}
	autobahnDir := filepath.Join(out, "autobahn")
	if autobahnForm {
		autobahnDir = out // where Autobahn's fuzzingserver writes index.json, for scripts written against it
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return badInput("--addr %s: %v", addr, unwrapOp(err))
	}
	scheme := "ws"
	if tlsCfg != nil {
		// The TLS handshake happens on a connection's first read, under
		// the deadlines the control protocol and the cases set.
		ln, scheme = tls.NewListener(ln, tlsCfg), "wss"
	}

	writeReports := func(runs []*cases.Run) error {
		if out == "" || len(runs) == 0 {
			return nil
		}
		return reporter.WriteWithAutobahnDir(out, autobahnDir, g, runs...)
	}
	// /updateReports cannot tell the client that writing failed: say it here.
	updateReports := func(runs []*cases.Run) error {
		err := writeReports(runs)
		if err != nil {
			fmt.Fprintf(os.Stderr, "wsconform clients: writing reports: %v\n", err)
		}
		return err
	}
	srv := clients.New(clients.Config{
		Cases: selected, Extra: all, ExcludeAgentCases: excludeAgent,
		Env:       probe.Env{Timeouts: probe.DefaultTimeouts(), Scale: f.scale},
		Tool:      "wsconform " + version,
		Selection: cases.Selection{Cases: include, Exclude: exclude, Strict: f.strict, Parallel: 1, Scale: f.scale},
		Protocols: protocols, WriteReports: updateReports, Options: f.reproduceOptions(),
		OnResult: func(agent string, r cases.Result) {
			fmt.Fprintf(os.Stdout, "[%s] %s: %s / %s\n", agent, r.ID, r.Behavior, r.BehaviorClose)
		},
	})
	fmt.Fprintf(os.Stderr, "wsconform %s: serving %d cases to clients on %s://%s (Autobahn fuzzingserver protocol)\n", version, len(selected), scheme, ln.Addr())
	if tlsNote != "" {
		fmt.Fprintln(os.Stderr, strings.ReplaceAll(tlsNote, "{url}", scheme+"://"+ln.Addr().String()))
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	serveCtx, inBrowser := ctx, (*browserRun)(nil)
	if f.browser != "" {
		serveCtx, inBrowser = startBrowser(ctx, f.browser, ln.Addr().String(), selected, api, f.scale)
	}
	serveErr := srv.Serve(serveCtx, ln)
	interrupted := ctx.Err() != nil
	runs := srv.Runs()
	if inBrowser != nil {
		if serveErr == context.Canceled && !interrupted {
			serveErr = nil // the browser is done: that stops the server
		}
		var err error
		if runs, err = inBrowser.finish(runs, "wsconform "+version, cases.Selection{Cases: include, Exclude: exclude, Strict: f.strict, Parallel: 1, Scale: f.scale}); err != nil {
			return err
		}
	}
	for _, run := range runs {
		run.Interrupted = interrupted
		reporter.Summary(os.Stdout, run, g)
		fmt.Fprintln(os.Stdout)
	}
	if err := writeReports(runs); err != nil {
		return fmt.Errorf("writing reports: %v", err)
	}
	if out != "" && len(runs) > 0 {
		fmt.Fprintf(os.Stdout, "reports written to %s/ (open %s/%s)\n", out, out, reporter.HTMLFile)
	}
	if serveErr != nil && !interrupted {
		return fmt.Errorf("serving: %v", serveErr)
	}
	if interrupted {
		return errInterrupted
	}
	if len(runs) == 0 {
		fmt.Fprintln(os.Stdout, "no client ran a case: nothing was certified")
		return errNonConformant
	}
	return judge(os.Stdout, g, baselines, runs...)
}

// unwrapOp drops the operation and address that *net.OpError repeats.
func unwrapOp(err error) error {
	if oe, ok := err.(*net.OpError); ok {
		return oe.Err
	}
	return err
}

// reproduceOptions are the options of this run that a reproduce command
// needs to serve a case the same way: TLS and the timeout scale.
func (f clientsFlags) reproduceOptions() []string {
	var out []string
	switch {
	case f.selfSigned:
		out = append(out, "--self-signed")
	case f.tlsCert != "":
		out = append(out, "--tls-cert", f.tlsCert, "--tls-key", f.tlsKey)
	}
	if f.scale != 1 {
		out = append(out, "--timeout-scale", strconv.FormatFloat(f.scale, 'g', -1, 64))
	}
	return out
}
