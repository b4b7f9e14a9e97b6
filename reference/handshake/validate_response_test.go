package handshake

import (
	"reflect"
	"testing"
)

// goodResponse is a 101 answer to validRequest() as §4.2.2 prescribes.
func goodResponse() *Response {
	return &Response{Proto: "HTTP/1.1", Status: 101, Reason: "Switching Protocols", Header: []Field{
		{"Upgrade", "websocket"},
		{"Connection", "Upgrade"},
		{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
	}}
}

func setField(fs []Field, name, value string) []Field {
	r := &Request{Header: fs}
	return r.Set(name, value).Header
}

func delField(fs []Field, name string) []Field {
	r := &Request{Header: fs}
	return r.Del(name).Header
}

func TestValidateResponse(t *testing.T) {
	offer := func(r *Request) {
		r.Add("Sec-WebSocket-Protocol", "chat, superchat")
		r.Add("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits")
		r.Add("Sec-WebSocket-Extensions", "x-webkit-deflate-frame")
	}
	tests := []struct {
		name    string
		request func(r *Request)
		modify  func(resp *Response)
		rules   []string
	}{
		{"as §4.2.2 prescribes", nil, func(*Response) {}, nil},
		{"case-insensitive Upgrade and Connection, Connection list", nil, func(resp *Response) {
			resp.Header = setField(resp.Header, "upgrade", "WebSocket")
			resp.Header = setField(resp.Header, "CONNECTION", "keep-alive,  UPGRADE")
		}, nil},
		{"subprotocol and extensions among those offered", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", "superchat"},
				Field{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits=10, x-webkit-deflate-frame"})
		}, nil},
		{"status 200", nil, func(resp *Response) { resp.Status = 200 }, []string{"response-status-not-101"}},
		{"status 426 and nothing else checked", nil, func(resp *Response) { resp.Status, resp.Header = 426, nil },
			[]string{"response-status-not-101"}},
		{"no Upgrade", nil, func(resp *Response) { resp.Header = delField(resp.Header, "Upgrade") },
			[]string{"response-upgrade-not-websocket"}},
		{"Upgrade list", nil, func(resp *Response) { resp.Header = setField(resp.Header, "Upgrade", "websocket, h2c") },
			[]string{"response-upgrade-not-websocket"}},
		{"no Connection", nil, func(resp *Response) { resp.Header = delField(resp.Header, "Connection") },
			[]string{"response-connection-missing-upgrade"}},
		{"Connection keep-alive", nil, func(resp *Response) { resp.Header = setField(resp.Header, "Connection", "keep-alive") },
			[]string{"response-connection-missing-upgrade"}},
		{"no Accept", nil, func(resp *Response) { resp.Header = delField(resp.Header, "Sec-WebSocket-Accept") },
			[]string{"response-accept-missing"}},
		{"wrong Accept", nil, func(resp *Response) {
			resp.Header = setField(resp.Header, "Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzZZJbDxTFc=")
		}, []string{"response-accept-mismatch"}},
		{"Accept in other case", nil, func(resp *Response) {
			resp.Header = setField(resp.Header, "Sec-WebSocket-Accept", "S3PPLMBITXAQ9KYGZZHZRBK+XOO=")
		}, []string{"response-accept-mismatch"}},
		{"two Accept fields", nil, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="})
		}, []string{"response-accept-duplicated"}},
		{"extension not offered", nil, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Extensions", "permessage-deflate"})
		}, []string{"response-extension-not-offered"}},
		{"one of two extensions not offered", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Extensions", "permessage-deflate, x-foo"})
		}, []string{"response-extension-not-offered"}},
		{"extensions malformed", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Extensions", "permessage-deflate; =1"})
		}, []string{"response-extensions-malformed"}},
		{"subprotocol not offered", nil, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", "chat"})
		}, []string{"response-protocol-not-offered"}},
		{"subprotocol in other case", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", "Chat"})
		}, []string{"response-protocol-not-offered"}},
		{"empty subprotocol", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", ""})
		}, []string{"response-protocol-not-offered"}},
		{"two subprotocols in one field", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", "chat, superchat"})
		}, []string{"response-protocol-multiple"}},
		{"two subprotocol fields", offer, func(resp *Response) {
			resp.Header = append(resp.Header, Field{"Sec-WebSocket-Protocol", "chat"}, Field{"Sec-WebSocket-Protocol", "chat"})
		}, []string{"response-protocol-multiple"}},
		{"everything wrong at once", nil, func(resp *Response) {
			resp.Header = []Field{{"Sec-WebSocket-Protocol", "x"}, {"Sec-WebSocket-Extensions", "y"}}
		}, []string{"response-upgrade-not-websocket", "response-connection-missing-upgrade", "response-accept-missing",
			"response-extension-not-offered", "response-protocol-not-offered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := validRequest()
			if tt.request != nil {
				tt.request(req)
			}
			resp := goodResponse()
			tt.modify(resp)
			vs := ValidateResponse(req, resp)
			var rules []string
			for _, v := range vs {
				rules = append(rules, v.Rule)
				if v.Section == "" || v.Level != LevelMust || v.Detail == "" {
					t.Errorf("violation %+v lacks section, level or detail", v)
				}
			}
			if !reflect.DeepEqual(rules, tt.rules) {
				t.Errorf("rules %q; want %q (%v)", rules, tt.rules, vs)
			}
		})
	}
}

func TestViolationError(t *testing.T) {
	v := must("RFC 6455 §4.1", "response-accept-missing", "no field for key %q", "k")
	want := `response-accept-missing (RFC 6455 §4.1, MUST): no field for key "k"`
	if v.Error() != want {
		t.Errorf("Error() = %q; want %q", v.Error(), want)
	}
}
