package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/server"
)

// serveOrigin listens on addr (run --upstream) and serves the origin there:
// the reference server, and the section 19 cases' own connections.
func serveOrigin(addr string) (*probe.Origin, func(), error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return nil, nil, badInput("bad --upstream %q: want host:port, the address the intermediary forwards to", addr)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, badInput("--upstream %s: cannot listen there: %s", addr, oneLine(errors.Unwrap(err)))
	}
	srv := server.New(server.Embedded())
	origin := probe.NewOrigin(l, srv.ServeConn, probe.DefaultTimeouts())
	return origin, func() {
		// The reference server's connections first: the origin's
		// goroutines wait for the ones they handed over.
		srv.Close()
		origin.Close()
	}, nil
}

// preflightOrigin checks that a connection through the target reaches the
// origin: the intermediary's upstream must be --upstream.
func preflightOrigin(env probe.Env, name, upstream string) error {
	err := probe.CheckOrigin(context.Background(), env)
	switch {
	case errors.Is(err, probe.ErrOriginMissed):
		return badInput("%s: a connection through it never reached --upstream %s: point the intermediary's upstream (nginx proxy_pass, haproxy server) at that address", name, upstream)
	case err != nil:
		return badInput("%s: a connection through it to --upstream %s failed: %s", name, upstream, oneLine(err))
	}
	fmt.Fprintf(os.Stderr, "%s: forwards to the origin server (the reference server) on --upstream %s\n", name, upstream)
	return nil
}

// behindOnly reports whether the include patterns select section 19 cases
// only (run without --upstream selects none of them).
func behindOnly(include, exclude []string) bool {
	behind, err := cases.SelectBehind(include, exclude)
	return err == nil && len(behind) > 0
}
