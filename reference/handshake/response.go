package handshake

import (
	"strconv"
	"strings"
)

// Response is an HTTP/1.1 response head as received by a client.
type Response struct {
	Proto  string
	Status int
	Reason string
	Header []Field // in wire order; duplicates allowed
	Raw    []byte  // the head exactly as received, including the empty line
}

// Get returns the value of the first field named name (case-insensitive).
func (r *Response) Get(name string) (string, bool) { return fieldGet(r.Header, name) }

// Values returns the values of all fields named name (case-insensitive), in order.
func (r *Response) Values(name string) []string { return fieldValues(r.Header, name) }

// reasonPhrases covers the statuses a WebSocket server answers a handshake
// with; the wording is RFC 7231 §6.1's (and RFC 6585 for 431).
var reasonPhrases = map[int]string{
	101: "Switching Protocols",
	200: "OK",
	400: "Bad Request",
	403: "Forbidden",
	404: "Not Found",
	405: "Method Not Allowed",
	426: "Upgrade Required",
	431: "Request Header Fields Too Large",
	500: "Internal Server Error",
	503: "Service Unavailable",
	505: "HTTP Version Not Supported",
}

// ReasonPhrase returns the standard reason phrase for status, or "Status"
// for one this package does not know.
func ReasonPhrase(status int) string {
	if p, ok := reasonPhrases[status]; ok {
		return p
	}
	return "Status"
}

// BuildServerResponse renders a response head: "HTTP/1.1 status reason",
// the given fields in order, and the empty line. For any status other than
// 101 it also adds "Content-Length: 0" unless fields have a Content-Length,
// and "Connection: close" unless a Connection field already lists close, so
// the client sees an empty body and the end of the connection instead of
// waiting for either.
func BuildServerResponse(status int, fields []Field) []byte {
	b := make([]byte, 0, 256)
	b = append(b, "HTTP/1.1 "...)
	b = strconv.AppendInt(b, int64(status), 10)
	b = append(b, ' ')
	b = append(b, ReasonPhrase(status)...)
	b = append(b, "\r\n"...)
	b = appendFields(b, fields)
	if status != 101 {
		if _, ok := fieldGet(fields, "Content-Length"); !ok {
			b = append(b, "Content-Length: 0\r\n"...)
		}
		if !hasToken(fields, "Connection", "close") {
			b = append(b, "Connection: close\r\n"...)
		}
	}
	return append(b, "\r\n"...)
}

// protoAtLeast11 reports whether proto is RFC 7230 §2.6
// HTTP-version = "HTTP/" DIGIT "." DIGIT with a version of 1.1 or higher.
func protoAtLeast11(proto string) bool {
	v, ok := strings.CutPrefix(proto, "HTTP/")
	if !ok || len(v) != 3 || v[1] != '.' || !isDigit(v[0]) || !isDigit(v[2]) {
		return false
	}
	return v[0] > '1' || (v[0] == '1' && v[2] >= '1')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
