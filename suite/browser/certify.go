package browser

import (
	"context"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// Certification is one browser run: the browser's own name for the
// report, the API checks' results and what the browser logged.
type Certification struct {
	Product, Agent string
	API            []cases.Result
	Log            string
	// Protocol is set when the page's run of the protocol cases failed
	// or ran out of time (those results are the clients server's).
	Protocol error
}

// Certify starts the browser at path headless, opens the harness page,
// runs the browser API checks among api, then, if control is set (the
// clients server's ws://host:port), every case that server selected
// through the page's WebSocket object as Agent, within protocolTimeout.
// The browser is always killed before Certify returns. onStart, if set,
// hears the agent name before any case runs.
func Certify(ctx context.Context, path, control string, api []*cases.Case, protocolTimeout time.Duration, onStart func(agent string), onResult func(cases.Result)) (*Certification, error) {
	srv, err := Serve("127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	b, err := Launch(ctx, path)
	if err != nil {
		return nil, err
	}
	defer b.Close()
	cert := &Certification{Product: b.Product, Agent: b.Agent}
	if onStart != nil {
		onStart(b.Agent)
	}
	p, err := b.Open(ctx, srv.PageURL())
	if err != nil {
		cert.Log = b.Log()
		return cert, err
	}
	cert.API = RunAPI(ctx, p, srv, api, onResult)
	if control != "" {
		pctx, cancel := context.WithTimeout(ctx, protocolTimeout)
		var count int
		err := p.Evaluate(pctx, "wsconform.runClients("+jsString(control)+", "+jsString(b.Agent)+")", &count)
		cancel()
		if err != nil {
			cert.Protocol = fmt.Errorf("the page's run of the protocol cases did not finish: %w", err)
		}
	}
	cert.Log = b.Log()
	return cert, nil
}
