package h2ws

import (
	"strconv"
	"strings"

	"golang.org/x/net/http2/hpack"
)

// Request is an extended CONNECT opening a WebSocket (RFC 8441 §4, §5).
type Request struct {
	Scheme    string // "https" over TLS, "http" over h2c
	Authority string // host:port
	Path      string // with the query
	// Protocols and Extensions are the sec-websocket-protocol and
	// sec-websocket-extensions offers (empty: none).
	Protocols  []string
	Extensions string
	// Header holds further fields (lower-case names), after the others.
	Header []hpack.HeaderField
}

// Fields is the request as RFC 8441 §5 writes it: the pseudo-header
// fields, sec-websocket-version 13, the offers, then Header.
func (r Request) Fields() []hpack.HeaderField {
	fs := []hpack.HeaderField{
		{Name: ":method", Value: "CONNECT"},
		{Name: ":protocol", Value: "websocket"},
		{Name: ":scheme", Value: r.Scheme},
		{Name: ":path", Value: r.Path},
		{Name: ":authority", Value: r.Authority},
		{Name: "sec-websocket-version", Value: "13"},
	}
	if len(r.Protocols) > 0 {
		fs = append(fs, hpack.HeaderField{Name: "sec-websocket-protocol", Value: strings.Join(r.Protocols, ", ")})
	}
	if r.Extensions != "" {
		fs = append(fs, hpack.HeaderField{Name: "sec-websocket-extensions", Value: r.Extensions})
	}
	return append(fs, r.Header...)
}

// Field is the value of the first field called name, and whether there is one.
func Field(fs []hpack.HeaderField, name string) (string, bool) {
	for _, f := range fs {
		if f.Name == name {
			return f.Value, true
		}
	}
	return "", false
}

// Values is every value of the fields called name, in order.
func Values(fs []hpack.HeaderField, name string) []string {
	var out []string
	for _, f := range fs {
		if f.Name == name {
			out = append(out, f.Value)
		}
	}
	return out
}

// Status is the response's :status, 0 when it has none or a bad one.
func Status(fs []hpack.HeaderField) int {
	v, _ := Field(fs, ":status")
	n, err := strconv.Atoi(v)
	if err != nil || len(v) != 3 {
		return 0
	}
	return n
}

// Refusal is why a server refuses an extended CONNECT: the rule broken,
// the section deciding it, and the status to answer (0: reset the stream
// with PROTOCOL_ERROR, the treatment RFC 9113 §8.1.1 gives a malformed
// request).
type Refusal struct {
	Rule    string
	Section string
	Why     string
	Status  int
}

// Rule ids of extended CONNECT requests a server must refuse.
const (
	RuleProtocolWithoutSetting = "h2-protocol-without-setting"
	RuleProtocolNotConnect     = "h2-protocol-on-non-connect"
	RuleConnectWithoutProtocol = "h2-connect-scheme-path-without-protocol"
	RuleMissingScheme          = "h2-extended-connect-no-scheme"
	RuleMissingPath            = "h2-extended-connect-no-path"
	RuleMissingAuthority       = "h2-connect-no-authority"
	RuleConnectionSpecific     = "h2-connection-specific-field"
	RuleWrongVersion           = "h2-websocket-version-not-13"
	RuleUnknownProtocol        = "h2-protocol-not-websocket"
)

// CheckRequest judges a request header list as a server that advertised
// SETTINGS_ENABLE_CONNECT_PROTOCOL (enabled) would: nil for a valid
// WebSocket extended CONNECT.
func CheckRequest(fs []hpack.HeaderField, enabled bool) *Refusal {
	method, _ := Field(fs, ":method")
	proto, hasProto := Field(fs, ":protocol")
	_, hasScheme := Field(fs, ":scheme")
	path, hasPath := Field(fs, ":path")
	auth, _ := Field(fs, ":authority")
	for _, f := range fs {
		switch strings.ToLower(f.Name) {
		case "connection", "upgrade", "keep-alive", "proxy-connection", "transfer-encoding":
			return &Refusal{RuleConnectionSpecific, "RFC 9113 §8.2.2", "the request carries the connection-specific field " + f.Name + ", which makes an HTTP/2 message malformed", 0}
		}
	}
	switch {
	case hasProto && !enabled:
		return &Refusal{RuleProtocolWithoutSetting, "RFC 8441 §3", "the request carries :protocol though SETTINGS_ENABLE_CONNECT_PROTOCOL was not advertised", 0}
	case hasProto && method != "CONNECT":
		return &Refusal{RuleProtocolNotConnect, "RFC 8441 §4", "the request carries :protocol with :method " + method + " instead of CONNECT", 0}
	case method == "CONNECT" && !hasProto && (hasScheme || hasPath):
		return &Refusal{RuleConnectWithoutProtocol, "RFC 9113 §8.5", "a CONNECT without :protocol must not carry :scheme or :path", 0}
	case method != "CONNECT" || !hasProto:
		return &Refusal{RuleUnknownProtocol, "RFC 8441 §4", "the request is not an extended CONNECT", 405}
	case !hasScheme:
		return &Refusal{RuleMissingScheme, "RFC 8441 §4", "an extended CONNECT must carry :scheme", 0}
	case !hasPath || path == "":
		return &Refusal{RuleMissingPath, "RFC 8441 §4", "an extended CONNECT must carry a non-empty :path", 0}
	case auth == "":
		return &Refusal{RuleMissingAuthority, "RFC 9113 §8.5", "a CONNECT request must carry :authority", 0}
	case proto != "websocket":
		return &Refusal{RuleUnknownProtocol, "RFC 8441 §4", "this server speaks only the websocket protocol, not " + strconvQuote(proto), 501}
	}
	if v, _ := Field(fs, "sec-websocket-version"); v != "13" {
		// RFC 6455 §4.2.2 (applied by RFC 8441 §5): answer with the
		// version we speak.
		return &Refusal{RuleWrongVersion, "RFC 8441 §5, RFC 6455 §4.2.1", "sec-websocket-version must be 13, not " + strconvQuote(v), 400}
	}
	return nil
}

func strconvQuote(s string) string { return strconv.Quote(trim(s)) }
