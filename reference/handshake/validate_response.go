package handshake

import (
	"strings"
)

const (
	secClientRequirements = "RFC 6455 §4.1"
	secAcceptOnce         = "RFC 6455 §11.3.3"
	secProtocolOnce       = "RFC 6455 §11.3.4"
)

// ValidateResponse judges a server's answer to req against the client-side
// requirements of RFC 6455 §4.1 and returns every rule it breaks; an empty
// result means the client may consider the connection established. A
// status other than 101 is reported alone: the other checks only apply to
// an accepted upgrade.
func ValidateResponse(req *Request, resp *Response) []Violation {
	// §4.1: "If the status code received from the server is not 101, the
	// client handles the response per HTTP [RFC2616] procedures."
	if resp.Status != 101 {
		return []Violation{must(secClientRequirements, "response-status-not-101",
			"status is %d %q, want 101", resp.Status, resp.Reason)}
	}
	var vs []Violation
	vs = append(vs, checkResponseUpgrade(resp)...)
	vs = append(vs, checkResponseAccept(req, resp)...)
	vs = append(vs, checkResponseExtensions(req, resp)...)
	vs = append(vs, checkResponseProtocol(req, resp)...)
	return vs
}

func checkResponseUpgrade(resp *Response) []Violation {
	var vs []Violation
	// §4.1 item 2: "If the response lacks an |Upgrade| header field or the
	// |Upgrade| header field contains a value that is not an ASCII
	// case-insensitive match for the value "websocket", the client MUST
	// _Fail the WebSocket Connection_."
	upgrades := resp.Values("Upgrade")
	if len(upgrades) != 1 || !strings.EqualFold(upgrades[0], "websocket") {
		vs = append(vs, must(secClientRequirements, "response-upgrade-not-websocket",
			"Upgrade fields %q, want exactly \"websocket\"", upgrades))
	}
	// §4.1 item 3: "If the response lacks a |Connection| header field or the
	// |Connection| header field doesn't contain a token that is an ASCII
	// case-insensitive match for the value "Upgrade", the client MUST _Fail
	// the WebSocket Connection_."
	if !hasToken(resp.Header, "Connection", "upgrade") {
		vs = append(vs, must(secClientRequirements, "response-connection-missing-upgrade",
			"Connection fields %q do not include the token \"Upgrade\"", resp.Values("Connection")))
	}
	return vs
}

func checkResponseAccept(req *Request, resp *Response) []Violation {
	// §4.1 item 4: "If the response lacks a |Sec-WebSocket-Accept| header
	// field or the |Sec-WebSocket-Accept| contains a value other than the
	// base64-encoded SHA-1 of the concatenation of the |Sec-WebSocket-Key|
	// (as a string, not base64-decoded) with the string
	// "258EAFA5-E914-47DA-95CA-C5AB0DC85B11" but ignoring any leading and
	// trailing whitespace, the client MUST _Fail the WebSocket Connection_."
	key, _ := req.Get("Sec-WebSocket-Key")
	want := AcceptKey(key)
	accepts := resp.Values("Sec-WebSocket-Accept")
	switch {
	case len(accepts) == 0:
		return []Violation{must(secClientRequirements, "response-accept-missing",
			"no Sec-WebSocket-Accept field; want %q for key %q", want, key)}
	case len(accepts) > 1:
		// §11.3.3: "The |Sec-WebSocket-Accept| header MUST NOT appear more
		// than once in an HTTP response."
		return []Violation{must(secAcceptOnce, "response-accept-duplicated",
			"%d Sec-WebSocket-Accept fields %q; want one, %q", len(accepts), accepts, want)}
	case accepts[0] != want:
		return []Violation{must(secClientRequirements, "response-accept-mismatch",
			"Sec-WebSocket-Accept %q; want %q for key %q", accepts[0], want, key)}
	}
	return nil
}

func checkResponseExtensions(req *Request, resp *Response) []Violation {
	// §4.1 item 5: "If the response includes a |Sec-WebSocket-Extensions|
	// header field and this header field indicates the use of an extension
	// that was not present in the client's handshake (the server has
	// indicated an extension not requested by the client), the client MUST
	// _Fail the WebSocket Connection_."
	var vs []Violation
	offered := map[string]bool{}
	for _, v := range req.Values("Sec-WebSocket-Extensions") {
		exts, _ := ParseExtensions(v) // a malformed offer offers nothing
		for _, e := range exts {
			offered[strings.ToLower(e.Name)] = true
		}
	}
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, err := ParseExtensions(v)
		if err != nil {
			vs = append(vs, must(secExtensionsGrammar, "response-extensions-malformed",
				"Sec-WebSocket-Extensions %q: %v", v, err))
			continue
		}
		for _, e := range exts {
			if !offered[strings.ToLower(e.Name)] {
				vs = append(vs, must(secClientRequirements, "response-extension-not-offered",
					"server selected extension %q; offered %q", e.Name, req.Values("Sec-WebSocket-Extensions")))
			}
		}
	}
	return vs
}

func checkResponseProtocol(req *Request, resp *Response) []Violation {
	fields := resp.Values("Sec-WebSocket-Protocol")
	if len(fields) == 0 {
		return nil
	}
	offered := fieldTokens(req.Header, "Sec-WebSocket-Protocol")
	selected := fieldTokens(resp.Header, "Sec-WebSocket-Protocol")
	// §11.3.4: the field "MUST NOT appear more than once in an HTTP
	// response", and §4.2.2 item 5.4 has the server select one value.
	if len(fields) > 1 || len(selected) > 1 {
		return []Violation{must(secProtocolOnce, "response-protocol-multiple",
			"Sec-WebSocket-Protocol fields %q select more than one subprotocol; offered %q", fields, offered)}
	}
	// §4.1 item 6: "If the response includes a |Sec-WebSocket-Protocol|
	// header field and this header field indicates the use of a subprotocol
	// that was not present in the client's handshake (the server has
	// indicated a subprotocol not requested by the client), the client MUST
	// _Fail the WebSocket Connection_."
	for _, p := range offered {
		if len(selected) == 1 && selected[0] == p {
			return nil
		}
	}
	return []Violation{must(secClientRequirements, "response-protocol-not-offered",
		"server selected subprotocol %q; offered %q", fields[0], offered)}
}

// ValidateH2Response judges a server's answer to an extended CONNECT
// carrying req's fields (RFC 8441 §5): a 2xx status accepts, and the
// subprotocol and extension answers follow RFC 6455 §4.1 as over HTTP/1.1.
// There is no Upgrade, Connection or Sec-WebSocket-Accept to check.
func ValidateH2Response(req *Request, resp *Response) []Violation {
	if resp.Status/100 != 2 {
		return []Violation{must(secH2Handshake, "h2-response-status-not-2xx",
			"status is %d, want 2xx", resp.Status)}
	}
	return append(checkResponseExtensions(req, resp), checkResponseProtocol(req, resp)...)
}

const secH2Handshake = "RFC 8441 §5"
