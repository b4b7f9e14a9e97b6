package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/suite/browser"
)

// browserPath checks --browser before the run: a name on PATH or a path
// to an executable.
func browserPath(path string) (string, error) {
	p, err := exec.LookPath(path)
	if err != nil {
		return "", badInput("--browser %q: %v", path, unwrapExec(err))
	}
	return p, nil
}

func unwrapExec(err error) error {
	if e, ok := err.(*exec.Error); ok {
		return e.Err
	}
	return err
}

// browserMargin is added to the sum of the protocol cases' deadlines for
// the page's whole run (control connections, the browser's own pace).
const browserMargin = 30 * time.Second

// browserRun is `wsconform clients --browser` in flight.
type browserRun struct {
	done chan struct{}
	cert *browser.Certification
	err  error
}

// startBrowser launches the browser at path against the clients server on
// addr: the API checks among api, then every protocol case of selected
// through the page. serveCtx ends when the browser is done, which stops
// the server; wait returns what the browser run produced.
func startBrowser(ctx context.Context, path, addr string, selected, api []*cases.Case, scale float64) (serveCtx context.Context, b *browserRun) {
	serveCtx, stopServing := context.WithCancel(ctx)
	b = &browserRun{done: make(chan struct{})}
	control := ""
	timeout := browserMargin
	if len(selected) > 0 {
		control = "ws://" + addr
		for _, c := range selected {
			timeout += c.Deadline(scale)
		}
	}
	go func() {
		defer close(b.done)
		defer stopServing()
		b.cert, b.err = browser.Certify(ctx, path, control, api, timeout,
			func(agent string) {
				fmt.Fprintf(os.Stderr, "wsconform: running %d cases and %d WebSocket API checks in %s (headless)\n", len(selected), len(api), agent)
			},
			func(r cases.Result) {
				fmt.Fprintf(os.Stdout, "[browser] %s: %s / %s\n", r.ID, r.Behavior, r.BehaviorClose)
			})
	}()
	return serveCtx, b
}

// finish waits for the browser run and adds its API checks to the
// browser agent's run (made if the page ran no protocol case).
func (b *browserRun) finish(runs []*cases.Run, tool string, sel cases.Selection) ([]*cases.Run, error) {
	<-b.done
	if b.err != nil {
		return runs, fmt.Errorf("--browser: %v", b.err)
	}
	if b.cert.Protocol != nil {
		fmt.Fprintf(os.Stderr, "wsconform: %s: %v\n", b.cert.Agent, b.cert.Protocol)
	}
	var run *cases.Run
	for _, r := range runs {
		if r.Target.Agent == b.cert.Agent {
			run = r
		}
	}
	if run == nil && len(b.cert.API) > 0 {
		run = &cases.Run{Schema: cases.SchemaVersion, Tool: tool, Catalogue: cases.CatalogueDigest(),
			Target: cases.TargetInfo{URL: "client", Agent: b.cert.Agent}, Selection: sel, Started: b.cert.API[0].Started}
		runs = append(runs, run)
	}
	for _, r := range b.cert.API {
		run.Results = append(run.Results, r)
		if end := r.Started.Add(r.Duration).Sub(run.Started); end > run.Duration {
			run.Duration = end
		}
	}
	return runs, nil
}
