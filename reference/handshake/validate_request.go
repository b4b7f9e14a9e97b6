package handshake

import (
	"encoding/base64"
	"net/url"
	"strings"
)

// Sections cited by request violations.
const (
	secServerRequirements = "RFC 6455 §4.2.1"
	secVersionMismatch    = "RFC 6455 §4.4"
	secFieldSyntax        = "RFC 7230 §3.2.4"
	secHost               = "RFC 7230 §5.4"
	secExtensionsGrammar  = "RFC 6455 §9.1"
	secProtocolGrammar    = "RFC 6455 §4.1"
)

// ValidateRequest judges a client's opening handshake against RFC 6455
// §4.2.1 and decides what the server answers.
//
// On success status is 101 and respHeader holds Upgrade, Connection and
// Sec-WebSocket-Accept; no extension or subprotocol is selected, the caller
// may append those. Otherwise vs lists every rule broken, and status is that
// of the first failing check in §4.2.1 order. §4.2.1 only asks for "an
// appropriate HTTP error code"; this package answers:
//
//   - 405 Method Not Allowed (with Allow: GET) for a method other than GET;
//   - 426 Upgrade Required (with Sec-WebSocket-Version: 13) for a missing or
//     unsupported Sec-WebSocket-Version, as §4.4 suggests;
//   - 400 Bad Request for everything else, including a duplicated
//     Sec-WebSocket-Key or Sec-WebSocket-Version field.
func ValidateRequest(r *Request) (status int, respHeader []Field, vs []Violation) {
	fail := func(s int, v Violation) {
		if status == 0 {
			status = s
		}
		vs = append(vs, v)
	}
	checkRequestLine(r, fail)
	checkFieldNames(r, fail)
	checkHost(r, fail)
	checkUpgradeConnection(r, fail)
	checkKey(r, fail)
	checkVersion(r, fail)
	checkOptionalLists(r, fail)

	switch status {
	case 0:
		key, _ := r.Get("Sec-WebSocket-Key")
		return 101, []Field{
			{"Upgrade", "websocket"},
			{"Connection", "Upgrade"},
			{"Sec-WebSocket-Accept", AcceptKey(key)},
		}, nil
	case 405:
		return status, []Field{{"Allow", "GET"}}, vs
	case 426:
		return status, []Field{{"Sec-WebSocket-Version", "13"}}, vs
	}
	return status, nil, vs
}

type failFunc func(status int, v Violation)

func checkRequestLine(r *Request, fail failFunc) {
	// §4.2.1 item 1: "An HTTP/1.1 or higher GET request, including a
	// "Request-URI" [RFC2616] that should be interpreted as a /resource
	// name/ defined in Section 3 (or an absolute HTTP/HTTPS URI containing
	// the /resource name/)."
	if r.Method != "GET" {
		fail(405, must(secServerRequirements, "request-method-not-get",
			"method is %q, want GET", r.Method))
	}
	if !protoAtLeast11(r.Proto) {
		fail(400, must(secServerRequirements, "request-http-version",
			"HTTP version is %q, want HTTP/1.1 or higher", r.Proto))
	}
	if !validTarget(r.Target) {
		fail(400, must(secServerRequirements, "request-target-invalid",
			"request target %q is neither a /resource name/ nor an absolute http(s)/ws(s) URI", r.Target))
	}
}

// validTarget accepts origin-form ("/path?query") and absolute-form
// targets. §3: fragment identifiers MUST NOT be used in WebSocket URIs.
func validTarget(t string) bool {
	if t == "" || strings.ContainsRune(t, '#') {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] <= ' ' || t[i] >= 0x7f {
			return false
		}
	}
	if t[0] == '/' {
		return true
	}
	u, err := url.Parse(t)
	if err != nil || u.Host == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ws", "wss":
		return true
	}
	return false
}

func checkFieldNames(r *Request, fail failFunc) {
	// RFC 7230 §3.2.4: "A server MUST reject any received request message
	// that contains whitespace between a header field-name and colon with a
	// response status code of 400 (Bad Request)." Any other non-token
	// character makes the field unparseable just as well.
	for _, f := range r.Header {
		if !isToken(f.Name) {
			fail(400, must(secFieldSyntax, "request-field-name-invalid",
				"field name %q is not an RFC 7230 token", f.Name))
		}
	}
}

func checkHost(r *Request, fail failFunc) {
	// §4.2.1 item 2: "A |Host| header field containing the server's authority."
	// RFC 7230 §5.4: "A server MUST respond with a 400 (Bad Request) status
	// code to any HTTP/1.1 request message that lacks a Host header field and
	// to any request message that contains more than one Host header field".
	switch hosts := r.Values("Host"); len(hosts) {
	case 0:
		fail(400, must(secServerRequirements, "request-host-missing", "no Host field"))
	case 1:
	default:
		fail(400, must(secHost, "request-host-duplicated", "%d Host fields: %q", len(hosts), hosts))
	}
}

func checkUpgradeConnection(r *Request, fail failFunc) {
	// §4.2.1 item 3: "An |Upgrade| header field containing the value
	// "websocket", treated as an ASCII case-insensitive value."
	if !hasToken(r.Header, "Upgrade", "websocket") {
		fail(400, must(secServerRequirements, "request-upgrade-missing-websocket",
			"Upgrade fields %q do not contain \"websocket\"", r.Values("Upgrade")))
	}
	// §4.2.1 item 4: "A |Connection| header field that includes the token
	// "Upgrade", treated as an ASCII case-insensitive value."
	if !hasToken(r.Header, "Connection", "upgrade") {
		fail(400, must(secServerRequirements, "request-connection-missing-upgrade",
			"Connection fields %q do not include the token \"Upgrade\"", r.Values("Connection")))
	}
}

func checkKey(r *Request, fail failFunc) {
	// §4.2.1 item 5: "A |Sec-WebSocket-Key| header field with a base64-encoded
	// (see Section 4 of [RFC4648]) value that, when decoded, is 16 bytes in
	// length." §11.3.1: it "MUST NOT appear more than once in an HTTP request."
	keys := r.Values("Sec-WebSocket-Key")
	switch {
	case len(keys) == 0:
		fail(400, must(secServerRequirements, "request-key-missing", "no Sec-WebSocket-Key field"))
	case len(keys) > 1:
		fail(400, must("RFC 6455 §11.3.1", "request-key-duplicated",
			"%d Sec-WebSocket-Key fields: %q", len(keys), keys))
	case !validKey(keys[0]):
		fail(400, must(secServerRequirements, "request-key-invalid",
			"Sec-WebSocket-Key %q is not base64 of 16 octets", keys[0]))
	}
}

// validKey reports whether key is base64 of exactly 16 octets. As §4.2.1
// asks no more, a key whose unused padding bits are not zero is accepted.
// The base64 decoder skips CR and LF, so those are refused first.
func validKey(key string) bool {
	if strings.ContainsAny(key, "\r\n") {
		return false
	}
	b, err := base64.StdEncoding.DecodeString(key)
	return err == nil && len(b) == 16
}

func checkVersion(r *Request, fail failFunc) {
	// §4.2.1 item 6: "A |Sec-WebSocket-Version| header field, with a value of 13."
	// §4.4: "If this version does not match a version understood by the
	// server, the server MUST abort the WebSocket handshake described in this
	// section and instead send an appropriate HTTP error code (such as 426
	// Upgrade Required) and a |Sec-WebSocket-Version| header field indicating
	// the version(s) the server is capable of understanding."
	// A missing field is treated like an unsupported version, so the client
	// learns which version to use.
	versions := r.Values("Sec-WebSocket-Version")
	switch {
	case len(versions) == 0:
		fail(426, must(secVersionMismatch, "request-ws-version-missing", "no Sec-WebSocket-Version field"))
	case len(versions) > 1:
		// §11.3.5: in a request the field "MUST NOT appear more than once".
		fail(400, must("RFC 6455 §11.3.5", "request-ws-version-duplicated",
			"%d Sec-WebSocket-Version fields: %q", len(versions), versions))
	case versions[0] != "13":
		fail(426, must(secVersionMismatch, "request-ws-version-unsupported",
			"Sec-WebSocket-Version is %q, want 13", versions[0]))
	}
}

func checkOptionalLists(r *Request, fail failFunc) {
	// §4.2.1 items 8 and 9 make Sec-WebSocket-Protocol and
	// Sec-WebSocket-Extensions optional, but when present they must parse.
	// §4.1 item 10: protocol elements "MUST be non-empty strings with
	// characters in the range U+0021 to U+007E not including separator
	// characters as defined in [RFC2616] and MUST all be unique strings."
	seen := map[string]bool{}
	for _, p := range fieldTokens(r.Header, "Sec-WebSocket-Protocol") {
		switch {
		case !isToken(p):
			fail(400, must(secProtocolGrammar, "request-protocol-invalid",
				"Sec-WebSocket-Protocol element %q is not a token", p))
		case seen[p]:
			fail(400, must(secProtocolGrammar, "request-protocol-duplicated",
				"Sec-WebSocket-Protocol element %q offered twice", p))
		}
		seen[p] = true
	}
	for _, v := range r.Values("Sec-WebSocket-Extensions") {
		if _, err := ParseExtensions(v); err != nil {
			fail(400, must(secExtensionsGrammar, "request-extensions-malformed",
				"Sec-WebSocket-Extensions %q: %v", v, err))
		}
	}
}
