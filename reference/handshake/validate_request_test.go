package handshake

import (
	"bufio"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

const sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

func validRequest() *Request {
	u, _ := url.Parse("ws://server.example.com/chat")
	return NewClientRequest(u, sampleKey)
}

func TestValidateRequestAccepts(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *Request)
	}{
		{"as built", func(r *Request) {}},
		{"mixed-case names and values", func(r *Request) {
			r.Set("hOST", "h").Set("UPGRADE", "WebSocket").Set("connection", "UPGRADE")
			r.Set("sec-websocket-key", sampleKey).Set("SEC-WEBSOCKET-VERSION", "13")
		}},
		{"Connection token list with odd OWS", func(r *Request) { r.Set("Connection", " keep-alive ,\t, Upgrade\t") }},
		{"Connection split over two fields", func(r *Request) { r.Set("Connection", "keep-alive").Add("Connection", "upgrade") }},
		{"Upgrade list", func(r *Request) { r.Set("Upgrade", "h2c, websocket") }},
		{"HTTP/2.0 is higher than 1.1", func(r *Request) { r.Proto = "HTTP/2.0" }},
		{"absolute-form target", func(r *Request) { r.Target = "http://server.example.com/chat?x=1" }},
		{"protocols and extensions offered", func(r *Request) {
			r.Add("Sec-WebSocket-Protocol", "chat, superchat")
			r.Add("Sec-WebSocket-Extensions", `permessage-deflate; client_max_window_bits, x-foo; a="b"`)
		}},
		{"Origin sent", func(r *Request) { r.Add("Origin", "http://example.com") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.modify(r)
			status, h, vs := ValidateRequest(r)
			if status != 101 || len(vs) != 0 {
				t.Fatalf("status %d, violations %v; want 101 and none", status, vs)
			}
			want := []Field{
				{"Upgrade", "websocket"},
				{"Connection", "Upgrade"},
				{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
			}
			if !reflect.DeepEqual(h, want) {
				t.Errorf("response fields %v; want %v", h, want)
			}
		})
	}
}

func TestValidateRequestRejects(t *testing.T) {
	tests := []struct {
		name       string
		modify     func(r *Request)
		status     int
		rule       string
		section    string
		respHeader []Field
	}{
		{"POST", func(r *Request) { r.Method = "POST" }, 405, "request-method-not-get", "RFC 6455 §4.2.1", []Field{{"Allow", "GET"}}},
		{"lower-case get", func(r *Request) { r.Method = "get" }, 405, "request-method-not-get", "RFC 6455 §4.2.1", []Field{{"Allow", "GET"}}},
		{"HTTP/1.0", func(r *Request) { r.Proto = "HTTP/1.0" }, 400, "request-http-version", "RFC 6455 §4.2.1", nil},
		{"lower-case http", func(r *Request) { r.Proto = "http/1.1" }, 400, "request-http-version", "RFC 6455 §4.2.1", nil},
		{"HTTP/1.11", func(r *Request) { r.Proto = "HTTP/1.11" }, 400, "request-http-version", "RFC 6455 §4.2.1", nil},
		{"target without slash", func(r *Request) { r.Target = "chat" }, 400, "request-target-invalid", "RFC 6455 §4.2.1", nil},
		{"target with fragment", func(r *Request) { r.Target = "/chat#x" }, 400, "request-target-invalid", "RFC 6455 §4.2.1", nil},
		{"target ftp URI", func(r *Request) { r.Target = "ftp://h/chat" }, 400, "request-target-invalid", "RFC 6455 §4.2.1", nil},
		{"space before colon", func(r *Request) { r.Add("X-Foo ", "1") }, 400, "request-field-name-invalid", "RFC 7230 §3.2.4", nil},
		{"no Host", func(r *Request) { r.Del("Host") }, 400, "request-host-missing", "RFC 6455 §4.2.1", nil},
		{"two Host", func(r *Request) { r.Add("host", "other") }, 400, "request-host-duplicated", "RFC 7230 §5.4", nil},
		{"no Upgrade", func(r *Request) { r.Del("Upgrade") }, 400, "request-upgrade-missing-websocket", "RFC 6455 §4.2.1", nil},
		{"Upgrade h2c", func(r *Request) { r.Set("Upgrade", "h2c") }, 400, "request-upgrade-missing-websocket", "RFC 6455 §4.2.1", nil},
		{"Upgrade websocket2", func(r *Request) { r.Set("Upgrade", "websocket2") }, 400, "request-upgrade-missing-websocket", "RFC 6455 §4.2.1", nil},
		{"no Connection", func(r *Request) { r.Del("Connection") }, 400, "request-connection-missing-upgrade", "RFC 6455 §4.2.1", nil},
		{"Connection keep-alive only", func(r *Request) { r.Set("Connection", "keep-alive") }, 400, "request-connection-missing-upgrade", "RFC 6455 §4.2.1", nil},
		{"Connection upgrade as substring", func(r *Request) { r.Set("Connection", "keep-alive-upgrade") }, 400, "request-connection-missing-upgrade", "RFC 6455 §4.2.1", nil},
		{"no key", func(r *Request) { r.Del("Sec-WebSocket-Key") }, 400, "request-key-missing", "RFC 6455 §4.2.1", nil},
		{"two keys", func(r *Request) { r.Add("Sec-WebSocket-Key", sampleKey) }, 400, "request-key-duplicated", "RFC 6455 §11.3.1", nil},
		{"key of 15 octets", func(r *Request) { r.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAA") }, 400, "request-key-invalid", "RFC 6455 §4.2.1", nil},
		{"key of 17 octets", func(r *Request) { r.Set("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAAA=") }, 400, "request-key-invalid", "RFC 6455 §4.2.1", nil},
		{"key not base64", func(r *Request) { r.Set("Sec-WebSocket-Key", "!!!!!!!!!!!!!!!!!!!!!!==") }, 400, "request-key-invalid", "RFC 6455 §4.2.1", nil},
		{"key unpadded", func(r *Request) { r.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ") }, 400, "request-key-invalid", "RFC 6455 §4.2.1", nil},
		{"two keys in one field", func(r *Request) { r.Set("Sec-WebSocket-Key", sampleKey+", "+sampleKey) }, 400, "request-key-invalid", "RFC 6455 §4.2.1", nil},
		{"no version", func(r *Request) { r.Del("Sec-WebSocket-Version") }, 426, "request-ws-version-missing", "RFC 6455 §4.4", []Field{{"Sec-WebSocket-Version", "13"}}},
		{"version 8", func(r *Request) { r.Set("Sec-WebSocket-Version", "8") }, 426, "request-ws-version-unsupported", "RFC 6455 §4.4", []Field{{"Sec-WebSocket-Version", "13"}}},
		{"version list", func(r *Request) { r.Set("Sec-WebSocket-Version", "13, 8") }, 426, "request-ws-version-unsupported", "RFC 6455 §4.4", []Field{{"Sec-WebSocket-Version", "13"}}},
		{"two version fields", func(r *Request) { r.Add("Sec-WebSocket-Version", "13") }, 400, "request-ws-version-duplicated", "RFC 6455 §11.3.5", nil},
		{"protocol not a token", func(r *Request) { r.Add("Sec-WebSocket-Protocol", "chat, a/b") }, 400, "request-protocol-invalid", "RFC 6455 §4.1", nil},
		{"protocol offered twice", func(r *Request) { r.Add("Sec-WebSocket-Protocol", "chat").Add("Sec-WebSocket-Protocol", "chat") }, 400, "request-protocol-duplicated", "RFC 6455 §4.1", nil},
		{"extensions malformed", func(r *Request) { r.Add("Sec-WebSocket-Extensions", "permessage-deflate;;") }, 400, "request-extensions-malformed", "RFC 6455 §9.1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.modify(r)
			status, h, vs := ValidateRequest(r)
			if status != tt.status {
				t.Errorf("status %d; want %d", status, tt.status)
			}
			if len(vs) != 1 {
				t.Fatalf("violations %v; want exactly one", vs)
			}
			v := vs[0]
			if v.Rule != tt.rule || v.Section != tt.section || v.Level != LevelMust || v.Detail == "" {
				t.Errorf("violation %+v; want rule %q, section %q, level MUST, a detail", v, tt.rule, tt.section)
			}
			if !reflect.DeepEqual(h, tt.respHeader) {
				t.Errorf("response fields %v; want %v", h, tt.respHeader)
			}
		})
	}
}

func TestValidateRequestStatusOfFirstFailure(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *Request)
		status int
		rules  []string
	}{
		{"method before version", func(r *Request) { r.Method = "PUT"; r.Set("Sec-WebSocket-Version", "7") },
			405, []string{"request-method-not-get", "request-ws-version-unsupported"}},
		{"bad key before bad version", func(r *Request) { r.Set("Sec-WebSocket-Key", "x"); r.Del("Sec-WebSocket-Version") },
			400, []string{"request-key-invalid", "request-ws-version-missing"}},
		{"empty request", func(r *Request) { *r = Request{} },
			405, []string{"request-method-not-get", "request-http-version", "request-target-invalid", "request-host-missing",
				"request-upgrade-missing-websocket", "request-connection-missing-upgrade", "request-key-missing", "request-ws-version-missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.modify(r)
			status, _, vs := ValidateRequest(r)
			var rules []string
			for _, v := range vs {
				rules = append(rules, v.Rule)
			}
			if status != tt.status || !reflect.DeepEqual(rules, tt.rules) {
				t.Errorf("status %d, rules %q; want %d, %q", status, rules, tt.status, tt.rules)
			}
		})
	}
}

func TestRequestBytesRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		modify func(r *Request)
	}{
		{"as built", func(r *Request) {}},
		{"odd case, duplicates, empty value", func(r *Request) {
			r.Set("sec-WEBSOCKET-key", "not a key").Add("Host", "second").Add("X-Empty", "")
		}},
		{"broken request line", func(r *Request) { r.Method, r.Target, r.Proto = "BREW", "*", "HTTP/0.9" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := validRequest()
			tt.modify(r)
			got, err := ReadRequest(bufio.NewReader(strings.NewReader(string(r.Bytes()))))
			if err != nil {
				t.Fatalf("ReadRequest(Bytes()): %v", err)
			}
			if !reflect.DeepEqual(got, r) {
				t.Errorf("round trip gave %+v; want %+v", got, r)
			}
		})
	}
}

func TestNewClientRequestBytes(t *testing.T) {
	u, _ := url.Parse("ws://server.example.com:8080/chat?room=1")
	got := string(NewClientRequest(u, sampleKey).Bytes())
	want := "GET /chat?room=1 HTTP/1.1\r\n" +
		"Host: server.example.com:8080\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
		"Sec-WebSocket-Version: 13\r\n" +
		"\r\n"
	if got != want {
		t.Errorf("Bytes() = %q; want %q", got, want)
	}
	u, _ = url.Parse("ws://h")
	if r := NewClientRequest(u, ""); r.Target != "/" || !validKey(r.Header[3].Value) {
		t.Errorf("NewClientRequest(ws://h, \"\") target %q key %q; want \"/\" and a fresh key", r.Target, r.Header[3].Value)
	}
}

func TestRequestEditing(t *testing.T) {
	r := &Request{Header: []Field{{"A", "1"}, {"b", "2"}, {"a", "3"}, {"C", "4"}}}
	r.Set("a", "x")
	want := []Field{{"a", "x"}, {"b", "2"}, {"C", "4"}}
	if !reflect.DeepEqual(r.Header, want) {
		t.Errorf("after Set: %v; want %v", r.Header, want)
	}
	r.Add("B", "5").Del("c")
	want = []Field{{"a", "x"}, {"b", "2"}, {"B", "5"}}
	if !reflect.DeepEqual(r.Header, want) {
		t.Errorf("after Add+Del: %v; want %v", r.Header, want)
	}
	if v, ok := r.Get("B"); !ok || v != "2" {
		t.Errorf("Get(B) = %q, %v; want first value \"2\"", v, ok)
	}
	if vs := r.Values("b"); !reflect.DeepEqual(vs, []string{"2", "5"}) {
		t.Errorf("Values(b) = %q", vs)
	}
}

func TestBuildServerResponse(t *testing.T) {
	tests := []struct {
		name   string
		status int
		fields []Field
		want   string
	}{
		{"RFC 6455 §1.3 answer", 101, []Field{{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="}},
			"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"},
		{"426 with version", 426, []Field{{"Sec-WebSocket-Version", "13"}},
			"HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"400 bare", 400, nil, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
		{"caller's framing fields kept", 405, []Field{{"content-length", "3"}, {"connection", "Close"}},
			"HTTP/1.1 405 Method Not Allowed\r\ncontent-length: 3\r\nconnection: Close\r\n\r\n"},
		{"unknown status", 599, nil, "HTTP/1.1 599 Status\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(BuildServerResponse(tt.status, tt.fields)); got != tt.want {
				t.Errorf("got %q; want %q", got, tt.want)
			}
		})
	}
}

// TestServerSideRFCExample runs the RFC 6455 §1.2 request through the
// server path end to end and reads the answer back as a client would.
func TestServerSideRFCExample(t *testing.T) {
	req, err := ReadRequest(bufio.NewReader(strings.NewReader(rfcRequest)))
	if err != nil {
		t.Fatal(err)
	}
	status, h, vs := ValidateRequest(req)
	if status != 101 || vs != nil {
		t.Fatalf("status %d violations %v", status, vs)
	}
	resp, err := ReadResponse(bufio.NewReader(strings.NewReader(string(BuildServerResponse(status, h)))))
	if err != nil {
		t.Fatal(err)
	}
	if vs := ValidateResponse(req, resp); len(vs) != 0 {
		t.Errorf("own response violates §4.1: %v", vs)
	}
}

func TestRequestClone(t *testing.T) {
	r := validRequest()
	r.Body = []byte("x")
	c := r.Clone()
	c.Set("Host", "other")
	c.Body[0] = 'y'
	if h, _ := r.Get("Host"); h != "server.example.com" || r.Body[0] != 'x' {
		t.Errorf("editing the clone changed the original: Host %q body %q", h, r.Body)
	}
}
