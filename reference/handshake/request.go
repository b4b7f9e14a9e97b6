package handshake

import (
	"net/url"
	"strings"
)

// Request is an HTTP/1.1 request head as sent or received. Every part is a
// plain string so that a test can send anything; Bytes renders exactly what
// is set, in order.
type Request struct {
	Method, Target, Proto string
	Header                []Field // in wire order; duplicates allowed
	Body                  []byte  // appended after the head as is
}

// Bytes renders the request: request line, fields in order, empty line, body.
// Nothing is added, fixed or reordered.
func (r *Request) Bytes() []byte {
	b := make([]byte, 0, 256)
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, r.Target...)
	b = append(b, ' ')
	b = append(b, r.Proto...)
	b = append(b, "\r\n"...)
	b = appendFields(b, r.Header)
	b = append(b, "\r\n"...)
	return append(b, r.Body...)
}

// Clone returns a deep copy, so a case can derive a broken variant from a
// shared valid request.
func (r *Request) Clone() *Request {
	c := *r
	c.Header = append([]Field(nil), r.Header...)
	c.Body = append([]byte(nil), r.Body...)
	return &c
}

// Get returns the value of the first field named name (case-insensitive).
func (r *Request) Get(name string) (string, bool) { return fieldGet(r.Header, name) }

// Values returns the values of all fields named name (case-insensitive), in order.
func (r *Request) Values(name string) []string { return fieldValues(r.Header, name) }

// Set replaces the first field named name (case-insensitive) with one
// spelled exactly as name, keeping its position, and removes any later
// fields of that name; if there is none, it appends one. Set is how a test
// changes a value or the spelling/case of a field name.
func (r *Request) Set(name, value string) *Request {
	out := r.Header[:0]
	done := false
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			if done {
				continue
			}
			f, done = Field{Name: name, Value: value}, true
		}
		out = append(out, f)
	}
	r.Header = out
	if !done {
		r.Header = append(r.Header, Field{Name: name, Value: value})
	}
	return r
}

// Add appends a field, even if one of that name exists (a duplicate).
func (r *Request) Add(name, value string) *Request {
	r.Header = append(r.Header, Field{Name: name, Value: value})
	return r
}

// Del removes every field named name (case-insensitive).
func (r *Request) Del(name string) *Request {
	out := r.Header[:0]
	for _, f := range r.Header {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	r.Header = out
	return r
}

// NewClientRequest returns a valid RFC 6455 §4.1 opening handshake for u
// (ws:// or wss://): GET of the resource name, HTTP/1.1, and the fields
// Host, Upgrade, Connection, Sec-WebSocket-Key and Sec-WebSocket-Version in
// that order. An empty key is replaced by NewKey().
func NewClientRequest(u *url.URL, key string) *Request {
	if key == "" {
		key = NewKey()
	}
	// §4.1 item 2 and §3: the resource name is the path (or "/") plus "?"
	// and the query if there is one.
	target := u.RequestURI()
	if target == "" {
		target = "/"
	}
	return &Request{
		Method: "GET",
		Target: target,
		Proto:  "HTTP/1.1",
		Header: []Field{
			{"Host", u.Host},
			{"Upgrade", "websocket"},
			{"Connection", "Upgrade"},
			{"Sec-WebSocket-Key", key},
			{"Sec-WebSocket-Version", "13"},
		},
	}
}
