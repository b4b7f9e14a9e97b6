package cases

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/handshake"
)

// oversizedHeaderBytes is the header block the robustness case sends:
// far above the 8-16 KiB most HTTP servers allow, far below anything that
// could hurt the machine running the suite.
const oversizedHeaderBytes = 64 << 10

// padHeader adds unknown fields of 1000 octets until the request head is
// at least size octets long.
func padHeader(req *handshake.Request, size int) {
	filler := strings.Repeat("a", 1000)
	for i := 1; len(req.Bytes()) < size; i++ {
		req.Add(fmt.Sprintf("X-Wsconform-Padding-%d", i), filler)
	}
}

// oversizedHeader sends a valid handshake padded to 64 KiB of header
// fields, then checks on a fresh connection that the server still works.
// §10.4: an implementation with size limits "MUST protect themselves
// against exceeding those limits"; RFC 7230 §3.2.5 has a server answer a
// header block larger than it wishes to process with a 4xx.
func oversizedHeader(ctx context.Context, env Env) (r Result) {
	req := env.Target.NewRequest()
	padHeader(req, oversizedHeaderBytes)
	sent := fmt.Sprintf("a valid request padded with unknown fields to a %d-octet header block", len(req.Bytes()))
	x := sendWhole(ctx, env, req)
	// done must see the final r: r is the named result.
	defer x.done(&r)
	if x.dialErr != nil {
		r.Behavior, r.BehaviorClose = Failed, CloseFailed
		r.Reason, r.CloseReason = "could not connect: "+x.dialErr.Error(), "no connection"
		return r
	}
	got := x.statusText()
	switch {
	case x.resp != nil && x.resp.Status == 101 && len(x.hs.Violations) > 0:
		r.Behavior = Failed
		r.Reason = fmt.Sprintf("sent %s; %s, but the response breaks §4.1: %s", sent, got, violationsText(x.hs.Violations))
	case x.resp != nil && x.resp.Status == 101:
		r.Behavior = Informational
		r.Reason = fmt.Sprintf("sent %s; %s: the server accepts header blocks this large (no RFC sets a limit; recorded only)", sent, got)
	case x.resp == nil && isTimeout(x.noResponse):
		r.Behavior = Informational
		r.Reason = fmt.Sprintf("sent %s; %s: the server neither answered nor closed (recorded only)", sent, got)
	default:
		r.Behavior = OK
		r.Reason = fmt.Sprintf("sent %s; %s: refused or closed, as RFC 7230 §3.2.5 lets a server do with a header block larger than it wishes to process", sent, got)
	}
	x.conn.Abort()

	// Not crashed: a valid handshake on a new connection still succeeds.
	after := sendWhole(ctx, env, env.Target.NewRequest())
	if after.conn != nil {
		after.conn.Abort()
	}
	r.Observed = append(r.Observed, "then, on a new connection, a valid request: "+after.observed())
	x.log.Note("second connection, a valid request: " + after.observed())
	if after.dialErr != nil {
		r.markUnreachable(after.dialErr)
	}
	if after.resp == nil || after.resp.Status != 101 || len(after.hs.Violations) > 0 {
		r.Behavior = Failed
		r.Reason += fmt.Sprintf("; afterwards a valid handshake on a new connection got: %s (%s) — the oversized request broke the server (§10.4: implementations MUST protect themselves against their limits)",
			after.observed(), violationsText(after.hs.Violations))
	} else {
		r.Reason += "; a valid handshake on a new connection afterwards still succeeded"
	}
	handshakeOnly(&r)
	return r
}

// isTimeout reports whether no response came because our deadline (the
// handshake timeout, the stall cap or the case's ctx) expired.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// stallCap bounds how long the stalled-request case waits for the server
// to give up, so that a server without a handshake timeout costs the suite
// this much and no more.
const stallCap = 10 * time.Second

// stalledRequest sends the first part of a valid request, stopping in the
// middle of a header line, and measures how long the server keeps the
// connection before closing it (or answering, e.g. 408). Holding it forever
// lets one client exhaust a server's connections (RFC 6455 §10.4, RFC 7230
// §6.5 "Failures and Timeouts"); the RFCs set no number, so it is recorded.
func stalledRequest(ctx context.Context, env Env) (r Result) {
	req := env.Target.NewRequest()
	wire := req.Bytes()
	cut := bytes.Index(wire, []byte("Sec-WebSocket-Key")) + len("Sec-WebSocket")
	limit := env.scaled(stallCap)
	x := roundTripWait(ctx, env, req, wire[:cut], 0, limit)
	// done must see the final r: r is the named result.
	defer x.done(&r)
	if x.dialErr != nil {
		r.Behavior, r.BehaviorClose = Failed, CloseFailed
		r.Reason, r.CloseReason = "could not connect: "+x.dialErr.Error(), "no connection"
		return r
	}
	held := x.hs.Duration.Round(10 * time.Millisecond)
	sent := fmt.Sprintf("the first %d of %d octets of a valid request, stopping inside a field name, then nothing", cut, len(wire))
	r.Behavior = Informational
	switch {
	case x.resp != nil:
		r.Reason = fmt.Sprintf("sent %s; after %v %s", sent, held, x.statusText())
	case isTimeout(x.noResponse) || ctx.Err() != nil:
		r.Reason = fmt.Sprintf("sent %s; the server still held the connection when we gave up after %v: it has no handshake timeout, or a longer one", sent, held)
	default:
		r.Reason = fmt.Sprintf("sent %s; %s after %v", sent, x.statusText(), held)
	}
	r.Reason += " (recorded only: no RFC sets a number, but a server that waits forever can be exhausted by idle connections)"
	r.Observed = append(r.Observed, fmt.Sprintf("connection held for %v", held))
	handshakeOnly(&r)
	return r
}
