package probe_test

import (
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
)

// TestAcceptDeflate: how we, as the server, answer a client's offers in
// each compression case, as Autobahn's server does.
func TestAcceptDeflate(t *testing.T) {
	plain := deflate.Params{}
	withCMWB := deflate.Params{ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}
	full := deflate.Params{ClientNoContextTakeover: true, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}
	askServer := deflate.Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 10, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}
	tests := []struct {
		name   string
		caseID string
		offers []deflate.Params
		want   *deflate.Params
	}{
		{"12.x accepts any offer", "12.1.1", []deflate.Params{plain}, &plain},
		{"12.x grants what the client asked of us", "12.1.1", []deflate.Params{askServer}, &deflate.Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 10}},
		{"13.2 needs client_no_context_takeover offered", "13.2.1", []deflate.Params{withCMWB}, nil},
		{"13.2 with it", "13.2.1", []deflate.Params{full}, &deflate.Params{ClientNoContextTakeover: true}},
		{"13.3 asks window 9", "13.3.1", []deflate.Params{withCMWB}, &deflate.Params{ClientMaxWindowBits: 9}},
		{"13.3 without client_max_window_bits offered", "13.3.1", []deflate.Params{plain}, nil},
		{"13.4 offered value too small", "13.4.1", []deflate.Params{{ClientMaxWindowBits: 12}}, nil},
		{"13.4 offered value large enough", "13.4.1", []deflate.Params{{ClientMaxWindowBits: 15}}, &deflate.Params{ClientMaxWindowBits: 15}},
		{"13.5 needs both", "13.5.1", []deflate.Params{withCMWB}, nil},
		{"13.7 falls back to a plain accept", "13.7.1", []deflate.Params{withCMWB}, &plain},
		{"13.7 prefers (true, 9)", "13.7.1", []deflate.Params{full}, &deflate.Params{ClientNoContextTakeover: true, ClientMaxWindowBits: 9}},
		{"no offer", "12.1.1", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := cases.Lookup(tc.caseID)
			if !ok || c.Clients == nil {
				t.Fatalf("%s cannot test clients", tc.caseID)
			}
			got, accepted := probe.AcceptDeflate(c.Clients.Deflate, tc.offers)
			switch {
			case tc.want == nil && accepted:
				t.Errorf("accepted %q, want declined", got)
			case tc.want != nil && (!accepted || got != *tc.want):
				t.Errorf("got %q (accepted %t), want %q", got, accepted, *tc.want)
			}
		})
	}
}
