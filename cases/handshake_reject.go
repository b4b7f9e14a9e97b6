package cases

import (
	"context"
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/handshake"
)

// A judge turns the answer to one request into the main verdict and why.
type judgeFunc func(x *exchange, sent string) (Verdict, string)

// requestCase is a handshake-only case: one request (a valid one changed by
// edit), one response, judged by j.
func requestCase(sent string, edit func(*handshake.Request), j judgeFunc) func(context.Context, Env) Result {
	return func(ctx context.Context, env Env) (r Result) {
		req := env.Target.NewRequest()
		edit(req)
		x := sendWhole(ctx, env, req)
		defer x.done(&r) // r is the named result: done sees its final value
		if x.dialErr != nil {
			r.Behavior, r.BehaviorClose = Failed, CloseFailed
			r.Reason, r.CloseReason = "could not connect: "+x.dialErr.Error(), "no connection"
			return r
		}
		r.Behavior, r.Reason = j(x, sent)
		handshakeOnly(&r)
		return r
	}
}

// §4.2.1: "If the server, while reading the handshake, finds that the
// client did not send a handshake that matches the description below ...,
// the server MUST stop processing the client's handshake and return an HTTP
// response with an appropriate error code (such as 400 Bad Request)."
const mustRefuse = "§4.2.1: a server MUST stop processing such a handshake and return an HTTP error (such as 400 Bad Request)"

// mustBeRefused: 101 FAILS; a 4xx is OK; anything else (no response, a
// 2xx/3xx/5xx) did not open a WebSocket but is not the error response
// §4.2.1 asks for, so NON-STRICT.
func mustBeRefused(x *exchange, sent string) (Verdict, string) {
	got := x.statusText()
	switch {
	case x.resp != nil && x.resp.Status == 101:
		return Failed, fmt.Sprintf("sent %s; %s: the server accepted it. %s, never 101", sent, got, mustRefuse)
	case x.resp != nil && x.resp.Status/100 == 4:
		return OK, fmt.Sprintf("sent %s; %s. %s", sent, got, mustRefuse)
	}
	return NonStrict, fmt.Sprintf("sent %s; %s: no WebSocket was opened, but %s", sent, got, mustRefuse)
}

// §4.4: "If this version does not match a version understood by the
// server, the server MUST abort the WebSocket handshake described in this
// section and instead send an appropriate HTTP error code (such as 426
// Upgrade Required) and a |Sec-WebSocket-Version| header field indicating
// the version(s) the server is capable of understanding."
const versionRule = "§4.4: a server MUST abort the handshake on a version it does not understand, answering an error such as 426 Upgrade Required with a Sec-WebSocket-Version field listing the versions it speaks (13)"

// versionRefused: 101 FAILS; 426 with Sec-WebSocket-Version listing 13 is
// OK; any other refusal misses the negotiation details: NON-STRICT.
func versionRefused(x *exchange, sent string) (Verdict, string) {
	got := x.statusText()
	if x.resp == nil || x.resp.Status == 101 {
		v, why := mustBeRefused(x, sent)
		return v, why + "; " + versionRule
	}
	var missing []string
	if x.resp.Status != 426 {
		missing = append(missing, fmt.Sprintf("status %d instead of 426 Upgrade Required", x.resp.Status))
	}
	if !listsVersion13(x.resp) {
		missing = append(missing, fmt.Sprintf("Sec-WebSocket-Version is %q, want it to list 13", x.resp.Values("Sec-WebSocket-Version")))
	}
	if len(missing) == 0 {
		return OK, fmt.Sprintf("sent %s; %s with Sec-WebSocket-Version %q. %s", sent, got, x.resp.Values("Sec-WebSocket-Version"), versionRule)
	}
	return NonStrict, fmt.Sprintf("sent %s; %s: refused, but %s. %s", sent, got, strings.Join(missing, " and "), versionRule)
}

// draftVersionRefused is versionRefused for version 8, a draft some
// servers still speak on purpose: a valid 101 is NON-STRICT, not FAILED,
// because §4.4 lets a server accept any version it understands.
func draftVersionRefused(x *exchange, sent string) (Verdict, string) {
	if x.resp == nil || x.resp.Status != 101 || len(x.hs.Violations) > 0 {
		return versionRefused(x, sent)
	}
	return NonStrict, fmt.Sprintf("sent %s; %s: the server also speaks draft-ietf-hybi-08. §4.4 allows a server to accept a version it understands, but RFC 6455 defines only 13; an RFC 6455 server answers 426 with Sec-WebSocket-Version: 13", sent, x.statusText())
}

// pipelineRefused judges a server that will not take a request with a
// frame behind it: the client broke §4.1 ("the client MUST wait for a
// response from the server before sending any further data"), so the
// server may refuse; it is recorded.
func pipelineRefused(x *exchange) (Verdict, string) {
	return Informational, fmt.Sprintf("sent the minimal valid request with a text frame in the same TCP write; %s. §4.1: a client MUST wait for the response before sending more data, so refusing such a client is allowed (recorded only)", x.statusText())
}

func listsVersion13(resp *handshake.Response) bool {
	for _, v := range resp.Values("Sec-WebSocket-Version") {
		for _, t := range handshake.Tokens(v) {
			if t == "13" {
				return true
			}
		}
	}
	return false
}

// legacyRefused: a server that answers a pre-RFC (hixie) handshake with 101
// has switched to a framing without masking (RFC 6455 §10.3 explains why
// client-to-server masking exists): FAILED. Any refusal is fine.
func legacyRefused(x *exchange, sent string) (Verdict, string) {
	got := x.statusText()
	if x.resp != nil && x.resp.Status == 101 {
		return Failed, fmt.Sprintf("sent %s; %s: the server accepted a legacy handshake. It has no Sec-WebSocket-Key/Version, so %s; "+
			"legacy framing has no client masking, which RFC 6455 §10.3 requires against proxy cache poisoning", sent, got, mustRefuse)
	}
	return OK, fmt.Sprintf("sent %s; %s: not accepted as a WebSocket, as RFC 6455 §4.2.1 requires", sent, got)
}

// plainHTTP records how the server answers an ordinary GET on the
// WebSocket path. Only a 101 is wrong: nothing asked for an upgrade.
func plainHTTP(x *exchange, sent string) (Verdict, string) {
	got := x.statusText()
	if x.resp != nil && x.resp.Status == 101 {
		return Failed, fmt.Sprintf("sent %s; %s: the server switched protocols although the request asked for no upgrade. %s", sent, got, mustRefuse)
	}
	return Informational, fmt.Sprintf("sent %s; %s. RFC 6455 leaves non-WebSocket requests on the same path to the server (recorded only)", sent, got)
}

// originRecorded records whether a cross-site Origin is refused. §4.2.2
// lets a server refuse with 403 when it does not want the origin; §10.2
// expects browsers' servers to check. An accepted one must still be valid.
func originRecorded(x *exchange, sent string) (Verdict, string) {
	got := x.statusText()
	switch {
	case x.resp != nil && x.resp.Status == 101 && len(x.hs.Violations) > 0:
		return Failed, fmt.Sprintf("sent %s; %s, but the response breaks §4.1: %s", sent, got, violationsText(x.hs.Violations))
	case x.resp != nil && x.resp.Status == 101:
		return Informational, fmt.Sprintf("sent %s; %s: a page of any site can connect (§10.2: servers reached by browsers should check Origin; recorded only)", sent, got)
	}
	return Informational, fmt.Sprintf("sent %s; %s: cross-site connections are refused (§4.2.2 allows 403 Forbidden; recorded only)", sent, got)
}
