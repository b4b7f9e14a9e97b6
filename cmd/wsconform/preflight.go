package main

import (
	"fmt"
	"os"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/suite/engine"
)

// preflight is engine.Reach with the target named: a target that
// cannot be judged is one line and exit 2; a broken 101 is a warning on
// stderr and the run goes on. It returns the TLS session negotiated.
func preflight(env probe.Env, name string) (*cases.TLSInfo, error) {
	r, err := engine.Reach(env)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if r.Warning != "" {
		fmt.Fprintf(os.Stderr, "warning: %s %s\n", name, r.Warning)
	}
	if t := r.TLS; t != nil {
		fmt.Fprintf(os.Stderr, "%s: %s\n", name, tlsLine(t))
	}
	if p := env.Target.Proxy; p != nil {
		fmt.Fprintf(os.Stderr, "%s: through the proxy %s\n", name, p.Redacted())
	}
	return r.TLS, nil
}

// tlsLine is a TLS session in one line.
func tlsLine(t *cases.TLSInfo) string {
	s := t.Version + ", " + t.CipherSuite
	if t.ALPN != "" {
		s += ", ALPN " + t.ALPN
	}
	if len(t.Chain) > 0 {
		s += ", certificate " + t.Chain[0].Subject + " issued by " + t.Chain[0].Issuer +
			" valid until " + t.Chain[0].NotAfter.Format("2006-01-02")
	}
	if !t.Verified {
		s += " (not verified: --insecure)"
	}
	return s
}
