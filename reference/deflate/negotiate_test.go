package deflate

import (
	"errors"
	"testing"
)

func TestValidateResponse(t *testing.T) {
	const none = 0
	noValue := ClientMaxWindowBitsNoValue
	tests := []struct {
		name   string
		offers []Params
		resp   Params
		rule   string // "" means acceptable
	}{
		{"plain offer, plain answer", []Params{{}}, Params{}, ""},
		{"server_no_context_takeover echoed", []Params{{ServerNoContextTakeover: true}}, Params{ServerNoContextTakeover: true}, ""},
		{"server_no_context_takeover unasked", []Params{{}}, Params{ServerNoContextTakeover: true}, ""},
		{"server_no_context_takeover dropped", []Params{{ServerNoContextTakeover: true}}, Params{},
			"pmd-response-server-no-context-takeover-missing"},
		{"client_no_context_takeover unasked", []Params{{}}, Params{ClientNoContextTakeover: true}, ""},
		{"client_no_context_takeover ignored", []Params{{ClientNoContextTakeover: true}}, Params{}, ""},
		{"server window equal", []Params{{ServerMaxWindowBits: 10}}, Params{ServerMaxWindowBits: 10}, ""},
		{"server window smaller", []Params{{ServerMaxWindowBits: 10}}, Params{ServerMaxWindowBits: 8}, ""},
		{"server window unasked", []Params{{}}, Params{ServerMaxWindowBits: 12}, ""},
		{"server window dropped", []Params{{ServerMaxWindowBits: 10}}, Params{},
			"pmd-response-server-max-window-bits-missing"},
		{"server window larger", []Params{{ServerMaxWindowBits: 10}}, Params{ServerMaxWindowBits: 11},
			"pmd-response-server-max-window-bits-too-large"},
		{"client window for value-less offer", []Params{{ClientMaxWindowBits: noValue}}, Params{ClientMaxWindowBits: 15}, ""},
		{"client window omitted", []Params{{ClientMaxWindowBits: noValue}}, Params{ClientMaxWindowBits: none}, ""},
		{"client window equal", []Params{{ClientMaxWindowBits: 9}}, Params{ClientMaxWindowBits: 9}, ""},
		{"client window smaller", []Params{{ClientMaxWindowBits: 9}}, Params{ClientMaxWindowBits: 8}, ""},
		{"client window larger", []Params{{ClientMaxWindowBits: 9}}, Params{ClientMaxWindowBits: 10},
			"pmd-response-client-max-window-bits-too-large"},
		{"client window unasked", []Params{{}}, Params{ClientMaxWindowBits: 10},
			"pmd-response-client-max-window-bits-not-offered"},
		{"client window without value", []Params{{ClientMaxWindowBits: noValue}}, Params{ClientMaxWindowBits: noValue},
			"pmd-response-client-max-window-bits-no-value"},
		{"no offer at all", nil, Params{}, "pmd-not-offered"},
		{"second offer matches", []Params{{ServerMaxWindowBits: 10}, {}}, Params{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateResponse(tt.offers, tt.resp)
			if tt.rule == "" {
				if err != nil {
					t.Errorf("ValidateResponse: %v; want nil", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Rule != tt.rule {
				t.Errorf("ValidateResponse: %v; want rule %q", err, tt.rule)
			}
		})
	}
}

func TestValidateResponseNoOfferMatches(t *testing.T) {
	offers := []Params{{ServerMaxWindowBits: 10}, {ServerNoContextTakeover: true}}
	err := ValidateResponse(offers, Params{ServerMaxWindowBits: 12})
	var e *Error
	if err == nil || !errors.As(err, &e) || e.Rule != "pmd-response-server-max-window-bits-too-large" {
		t.Fatalf("err %v; want a joined error whose first part is the window rule", err)
	}
}

func TestAccept(t *testing.T) {
	noValue := ClientMaxWindowBitsNoValue
	tests := []struct {
		name   string
		offers []Params
		want   Params
		ok     bool
	}{
		{"no offer", nil, Params{}, false},
		{"plain", []Params{{}}, Params{}, true},
		{"echo context takeover flags", []Params{{ServerNoContextTakeover: true, ClientNoContextTakeover: true}},
			Params{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, true},
		{"client window not limited", []Params{{ClientMaxWindowBits: noValue}}, Params{}, true},
		{"server window 15 kept", []Params{{ServerMaxWindowBits: 15}}, Params{ServerMaxWindowBits: 15}, true},
		// Below 15 bits the server compresses without back-references (NewCodec).
		{"small server window honoured", []Params{{ServerMaxWindowBits: 10}, {ClientMaxWindowBits: 12}}, Params{ServerMaxWindowBits: 10}, true},
		{"first offer wins", []Params{{ServerMaxWindowBits: 9}, {ServerMaxWindowBits: 14}}, Params{ServerMaxWindowBits: 9}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Accept(tt.offers)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Accept = %+v, %v; want %+v, %v", got, ok, tt.want, tt.ok)
			}
			if ok {
				if err := ValidateResponse(tt.offers, got); err != nil {
					t.Errorf("own answer %q rejected: %v", got, err)
				}
			}
		})
	}
}

func TestPromisedNoClientContext(t *testing.T) {
	hint := Params{ClientNoContextTakeover: true}
	tests := []struct {
		name   string
		offers []Params
		resp   Params
		want   bool
	}{
		{"no hint offered", []Params{{}}, Params{}, false},
		{"hint offered, answer echoes it", []Params{hint}, hint, true},
		{"hint offered, answer leaves it out", []Params{hint}, Params{}, true},
		{"the answer fits two offers, one with the hint", []Params{{ServerNoContextTakeover: true}, hint},
			Params{ServerNoContextTakeover: true, ServerMaxWindowBits: 9}, true},
		{"only an offer the answer cannot answer has the hint",
			[]Params{{ServerNoContextTakeover: true, ClientNoContextTakeover: true}, {}}, Params{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PromisedNoClientContext(tt.offers, tt.resp); got != tt.want {
				t.Errorf("PromisedNoClientContext(%v, %v) = %t, want %t", tt.offers, tt.resp, got, tt.want)
			}
		})
	}
}
