package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Preflight opens one WebSocket connection and closes it, so that a target
// that cannot be judged at all is one clear line (err), not a wall of
// FAILED cases. Only what is not a verdict stops a run: no connection
// (unreachable, TLS), no HTTP answer, a plain HTTP answer, or a demand for
// credentials. A 101 that breaks RFC 6455 §4.1 is the target speaking
// WebSocket badly: the run goes on, every case judges it, and warning
// says why they will fail.
func Preflight(env probe.Env) (warning string, err error) {
	r, err := Reach(env)
	return r.Warning, err
}

// Reached is what the pre-flight connection learnt of a target that can
// be judged.
type Reached struct {
	Warning string         // why every case will fail, or ""
	TLS     *cases.TLSInfo // the negotiated session, for wss:// targets
}

// Reach is Preflight, also returning the TLS session negotiated.
func Reach(env probe.Env) (Reached, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second*time.Duration(max(1, env.Scale)))
	defer cancel()
	log := probe.NewWireLog(time.Now())
	conn, hs, err := probe.Open(ctx, env.Target, env.Timeouts.Scale(env.Scale), log, nil)
	if err != nil {
		if why := notJudgeable(hs, err); why != "" {
			return Reached{}, errors.New(why)
		}
		return Reached{Warning: fmt.Sprintf("it answers the opening handshake with a 101 a client must reject (%s); every case will be judged on it",
			brokenRules(hs.Violations))}, nil
	}
	r := Reached{TLS: conn.TLS()}
	conn.SendClose(1000, "")
	select {
	case <-conn.Done():
	case <-ctx.Done():
		conn.Abort()
	}
	return r, nil
}

// notJudgeable says why a failed opening handshake leaves nothing to judge,
// or "" when the target answered 101 and broke the handshake's rules.
func notJudgeable(hs *observed.Handshake, err error) string {
	switch {
	case hs == nil || hs.Status == 0:
		if why := probe.DescribeTLSFailure(err); why != "" {
			return why
		}
		return fmt.Sprintf("cannot open a WebSocket connection: %v", err)
	case hs.Status == 401 || hs.Status == 403 || hs.Status == 407:
		return fmt.Sprintf("authentication required: the opening handshake got HTTP %d (give credentials with --header)", hs.Status)
	case hs.Status != 101:
		return fmt.Sprintf("not a WebSocket server: the opening handshake got HTTP %d (%v)", hs.Status, err)
	case len(hs.Violations) == 0:
		// Unreachable: the preflight offers no extension, so a 101 is
		// refused only for breaking a rule.
		return fmt.Sprintf("cannot open a WebSocket connection: %v", err)
	}
	return ""
}

// brokenRules names each rule a response breaks, e.g.
// "response-accept-mismatch (RFC 6455 §4.1)".
func brokenRules(vs []handshake.Violation) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = fmt.Sprintf("%s (%s)", v.Rule, v.Section)
	}
	return strings.Join(parts, ", ")
}
