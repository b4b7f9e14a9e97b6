package cases

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// helloText is the message every accepting handshake case echoes.
const helloText = "Hello, handshake"

// acceptPlan is a handshake the server must accept, written to the wire in
// a particular way, then a short WebSocket session to prove the connection
// works: one echoed text message (unless compression may be on) and a
// normal close.
type acceptPlan struct {
	sent      string // the request in words, for the Reason
	edit      func(*handshake.Request)
	chop      int  // octets per TCP write of the request (0: one write)
	pipelined bool // the first message goes out in the same write as the request
	noEcho    bool // only close: a negotiated extension may compress the echo
	// check adds rules the generic §4.1 response check does not know.
	check func(req *handshake.Request, resp *handshake.Response) []handshake.Violation
	// refused judges a non-101 answer; nil means the request is valid and a
	// refusal FAILS (§4.2.2).
	refused func(x *exchange) (Verdict, string)
}

func (p acceptPlan) run(ctx context.Context, env Env) (r Result) {
	req := env.Target.NewRequest()
	if p.edit != nil {
		p.edit(req)
	}
	wire := req.Bytes()
	if p.pipelined {
		wire = frame.New(frame.OpText, []byte(helloText)).Masked(probe.NewMaskKey()).Append(wire)
	}
	x := roundTrip(ctx, env, req, wire, p.chop)
	// done must see the final r: r is the named result.
	defer x.done(&r)

	if x.resp == nil || x.resp.Status != 101 {
		if p.refused != nil && x.dialErr == nil {
			r.Behavior, r.Reason = p.refused(x)
			handshakeOnly(&r)
			return r
		}
		r.Behavior, r.BehaviorClose = Failed, CloseFailed
		r.Reason = fmt.Sprintf("sent %s; %s. §4.2.2: a server that accepts this valid request answers 101 Switching Protocols", p.sent, x.statusText())
		r.CloseReason = "the opening handshake did not complete"
		return r
	}
	vs := x.hs.Violations
	if p.check != nil {
		vs = append(vs, p.check(req, x.resp)...)
		x.hs.Violations = vs
	}
	if len(vs) > 0 {
		r.Behavior, r.BehaviorClose = Failed, CloseFailed
		r.Reason = fmt.Sprintf("sent %s; the 101 response breaks §4.1 / §4.2.2 (a client MUST fail the connection): %s", p.sent, violationsText(vs))
		r.CloseReason = "the opening handshake did not complete"
		return r
	}
	x.log.Note(fmt.Sprintf("opening handshake done in %v", x.hs.Duration.Round(time.Microsecond)))
	p.session(ctx, env, x, &r)
	return r
}

// session runs the WebSocket part of an accepting case: echo, then a
// normal close, judged by the same rules as the scripted cases.
func (p acceptPlan) session(ctx context.Context, env Env, x *exchange, r *Result) {
	conn := x.conn
	conn.SetDeadline(time.Time{})
	ext := frame.Extensions{}
	if offeredDeflateAccepted(x.resp) {
		ext = frame.PerMessageDeflate
	}
	conn.Start(ext)
	want := Case{Expect: only(textEcho(helloText)), Close: normalClose}
	if p.noEcho {
		want.Expect = nothingBack
	} else if !p.pipelined {
		conn.SendFrame(*textFrame(helloText), probe.Piece{})
	}
	if !p.noEcho {
		// As the scripted cases' killAfter(time.Second): an echo of a few
		// octets that has not come back by then is not coming.
		echoCtx, cancel := context.WithTimeout(ctx, env.scaled(time.Second))
		awaitMessages(echoCtx, conn, 1)
		cancel()
	}
	closeNormally(ctx, conn, r)
	st := conn.State()
	r.Close = &st
	events := conn.Events()
	r.Observed = eventStrings(events)
	judge(r, &want, events, st)
	r.Reason = fmt.Sprintf("sent %s; the server accepted with a valid 101 response, and %s", p.sent, r.Reason)
}

// offeredDeflateAccepted reports whether the response selected
// permessage-deflate (RSV1 then means "compressed").
func offeredDeflateAccepted(resp *handshake.Response) bool {
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v)
		for _, e := range exts {
			if strings.EqualFold(e.Name, deflate.ExtensionName) {
				return true
			}
		}
	}
	return false
}

// checkDeflateResponse applies RFC 7692 to an accepted permessage-deflate:
// the response's parameters must be valid and answer one of the valid
// offers (§7.1); an offer the server had to decline (§5) answers nothing.
func checkDeflateResponse(req *handshake.Request, resp *handshake.Response) []handshake.Violation {
	var offered []handshake.Extension
	for _, v := range req.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v)
		offered = append(offered, exts...)
	}
	offers, offerErrs := deflate.Offers(offered)
	var vs []handshake.Violation
	accepted := 0
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v) // malformed: ValidateResponse reports it
		for _, e := range exts {
			if !strings.EqualFold(e.Name, deflate.ExtensionName) {
				continue
			}
			accepted++
			p, err := deflate.ParseParams(e)
			switch {
			case err != nil:
			case len(offers) == 0:
				// RFC 7692 §5: "A server MUST decline an extension negotiation
				// offer for this extension if ... The negotiation offer contains
				// an extension parameter not defined for use in an offer [or]
				// with an invalid value."
				vs = append(vs, handshake.Violation{Rule: "pmd-invalid-offer-accepted", Section: "RFC 7692 §5", Level: handshake.LevelMust,
					Detail: fmt.Sprintf("the server accepted permessage-deflate (%q) although every offer had to be declined: %v", e.String(), errors.Join(offerErrs...))})
				continue
			default:
				err = deflate.ValidateResponse(offers, p)
			}
			if err != nil {
				vs = append(vs, deflateViolation(err, e))
			}
		}
	}
	// Two accepted permessage-deflate elements would both claim RSV1;
	// RFC 7692 §5 forbids accepting extensions that conflict on that bit.
	if accepted > 1 {
		vs = append(vs, handshake.Violation{Rule: "pmd-accepted-twice", Section: "RFC 7692 §5", Level: handshake.LevelMust,
			Detail: fmt.Sprintf("the response selects permessage-deflate %d times", accepted)})
	}
	return vs
}

func deflateViolation(err error, e handshake.Extension) handshake.Violation {
	v := handshake.Violation{Rule: "pmd-response-invalid", Section: "RFC 7692 §7.1", Level: handshake.LevelMust,
		Detail: fmt.Sprintf("response element %q: %v", e.String(), err)}
	if de, ok := err.(*deflate.Error); ok {
		v.Rule, v.Section, v.Detail = de.Rule, de.Section, fmt.Sprintf("response element %q: %s", e.String(), de.Detail)
	}
	return v
}
