package deflate

import (
	"strconv"
	"strings"

	"github.com/wsconform/wsconform/reference/handshake"
)

// ExtensionName is the extension token of RFC 7692 §7.
const ExtensionName = "permessage-deflate"

// Parameter names of RFC 7692 §7.1.
const (
	paramServerNoContextTakeover = "server_no_context_takeover"
	paramClientNoContextTakeover = "client_no_context_takeover"
	paramServerMaxWindowBits     = "server_max_window_bits"
	paramClientMaxWindowBits     = "client_max_window_bits"
)

// Window sizes a *_max_window_bits parameter may name (§7.1.2.1, §7.1.2.2).
const (
	MinWindowBits = 8
	MaxWindowBits = 15
)

// ClientMaxWindowBitsNoValue is the ClientMaxWindowBits of an offer that
// carries client_max_window_bits without a value (§7.1.2.2): the client
// can honour a limit, and leaves the choice to the server.
const ClientMaxWindowBitsNoValue = -1

// Params are the parameters of one permessage-deflate offer or response.
type Params struct {
	ServerNoContextTakeover bool
	ClientNoContextTakeover bool
	ServerMaxWindowBits     int // 0: absent; else 8-15
	ClientMaxWindowBits     int // 0: absent; ClientMaxWindowBitsNoValue: present without value; else 8-15
}

// ParseParams reads the parameters of one permessage-deflate element of a
// Sec-WebSocket-Extensions list. It applies the rules common to offers and
// responses; ValidateResponse adds the response-only ones.
func ParseParams(e handshake.Extension) (Params, error) {
	var p Params
	if !strings.EqualFold(e.Name, ExtensionName) {
		return p, errorf("RFC 7692 §7", "pmd-wrong-extension", "extension is %q, not %q", e.Name, ExtensionName)
	}
	seen := map[string]bool{}
	for _, prm := range e.Params {
		// RFC 7692 does not say whether parameter names are case-sensitive;
		// like other HTTP tokens they are compared case-insensitively.
		name := strings.ToLower(prm.Name)
		// §7: an offer (response) is declined (failed) when it "contains
		// multiple extension parameters with the same name".
		if seen[name] {
			return p, errorf("RFC 7692 §7", "pmd-duplicate-param", "parameter %q appears more than once", prm.Name)
		}
		seen[name] = true
		var err *Error
		switch name {
		case paramServerNoContextTakeover:
			p.ServerNoContextTakeover, err = true, noValue(prm, "RFC 7692 §7.1.1.1")
		case paramClientNoContextTakeover:
			p.ClientNoContextTakeover, err = true, noValue(prm, "RFC 7692 §7.1.1.2")
		case paramServerMaxWindowBits:
			// §7.1.2.1: the parameter "has a decimal integer value without
			// leading zeroes between 8 to 15, inclusive".
			if !prm.HasValue {
				return p, errorf("RFC 7692 §7.1.2.1", "pmd-invalid-value", "%s has no value; want 8-15", prm.Name)
			}
			p.ServerMaxWindowBits, err = windowBits(prm, "RFC 7692 §7.1.2.1")
		case paramClientMaxWindowBits:
			// §7.1.2.2: the parameter "has no value or a decimal integer value
			// without leading zeroes between 8 to 15 inclusive".
			p.ClientMaxWindowBits = ClientMaxWindowBitsNoValue
			if prm.HasValue {
				p.ClientMaxWindowBits, err = windowBits(prm, "RFC 7692 §7.1.2.2")
			}
		default:
			// §7: "contains an extension parameter not defined for use in an offer".
			return p, errorf("RFC 7692 §7", "pmd-unknown-param", "unknown parameter %q", prm.Name)
		}
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// noValue enforces "This extension parameter has no value" (§7.1.1.1, §7.1.1.2).
func noValue(prm handshake.Param, section string) *Error {
	if prm.HasValue {
		return errorf(section, "pmd-invalid-value", "%s=%q; the parameter has no value", prm.Name, prm.Value)
	}
	return nil
}

func windowBits(prm handshake.Param, section string) (int, *Error) {
	v := prm.Value
	n, err := strconv.Atoi(v)
	if err != nil || len(v) == 0 || v[0] < '1' || v[0] > '9' || n < MinWindowBits || n > MaxWindowBits {
		return 0, errorf(section, "pmd-invalid-value", "%s=%q; want a decimal 8-15 without leading zeroes", prm.Name, v)
	}
	return n, nil
}

// Extension returns p as a Sec-WebSocket-Extensions element, parameters in
// the order of §7.1.
func (p Params) Extension() handshake.Extension {
	e := handshake.Extension{Name: ExtensionName}
	if p.ServerNoContextTakeover {
		e.Params = append(e.Params, handshake.Param{Name: paramServerNoContextTakeover})
	}
	if p.ClientNoContextTakeover {
		e.Params = append(e.Params, handshake.Param{Name: paramClientNoContextTakeover})
	}
	if p.ServerMaxWindowBits != 0 {
		e.Params = append(e.Params, handshake.Param{Name: paramServerMaxWindowBits, Value: strconv.Itoa(p.ServerMaxWindowBits), HasValue: true})
	}
	switch {
	case p.ClientMaxWindowBits == ClientMaxWindowBitsNoValue:
		e.Params = append(e.Params, handshake.Param{Name: paramClientMaxWindowBits})
	case p.ClientMaxWindowBits != 0:
		e.Params = append(e.Params, handshake.Param{Name: paramClientMaxWindowBits, Value: strconv.Itoa(p.ClientMaxWindowBits), HasValue: true})
	}
	return e
}

// String formats p as an offer or response element, e.g.
// "permessage-deflate; client_no_context_takeover; server_max_window_bits=10".
func (p Params) String() string { return p.Extension().String() }
