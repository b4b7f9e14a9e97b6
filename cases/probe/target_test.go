package probe_test

import (
	"testing"

	"github.com/wsconform/wsconform/cases/probe"
)

func TestParseTarget(t *testing.T) {
	tests := []struct {
		raw                          string
		unix, request, host, address string // request: the URL the handshake asks for
		bad                          bool
	}{
		{raw: "ws://example.test/chat", request: "ws://example.test/chat", host: "example.test", address: "example.test:80"},
		{raw: "wss://example.test", request: "wss://example.test/", host: "example.test", address: "example.test:443"},
		{raw: "ws://[::1]:9001/", request: "ws://[::1]:9001/", host: "[::1]:9001", address: "[::1]:9001"},
		{raw: "wss://[2001:db8::1]/x", request: "wss://[2001:db8::1]/x", host: "[2001:db8::1]", address: "[2001:db8::1]:443"},
		{raw: "ws+unix:///run/app.sock:/ws/path?a=b", unix: "/run/app.sock", request: "ws://localhost/ws/path?a=b", host: "localhost", address: "localhost:80"},
		{raw: "ws+unix:///run/app.sock", unix: "/run/app.sock", request: "ws://localhost/", host: "localhost", address: "localhost:80"},
		{raw: "wss+unix:///run/app.sock:/", unix: "/run/app.sock", request: "wss://localhost/", host: "localhost", address: "localhost:443"},
		{raw: "ws+unix://host/run/app.sock:/", bad: true},
		{raw: "ws+unix://", bad: true},
		{raw: "http://example.test/", bad: true},
		{raw: "ws:///nohost", bad: true},
	}
	for _, tc := range tests {
		got, err := probe.ParseTarget(tc.raw)
		if tc.bad {
			if err == nil {
				t.Errorf("%s: accepted, want an error", tc.raw)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.raw, err)
			continue
		}
		host, _ := got.NewRequest().Get("Host")
		if got.Unix != tc.unix || got.URL.String() != tc.request || host != tc.host || got.Address() != tc.address {
			t.Errorf("%s: unix %q, request %s, Host %q, address %s; want %q, %s, %q, %s",
				tc.raw, got.Unix, got.URL, host, got.Address(), tc.unix, tc.request, tc.host, tc.address)
		}
	}
}
