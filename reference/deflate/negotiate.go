package deflate

import (
	"errors"
	"fmt"
)

// ValidateResponse checks, as a client, that resp (parsed with ParseParams)
// is an acceptable answer to at least one of the offers the client sent,
// per RFC 7692 §7.1.1-§7.1.2. It returns nil if some offer matches, the
// offer's *Error if there was one offer, or all of them joined.
func ValidateResponse(offers []Params, resp Params) error {
	if len(offers) == 0 {
		// RFC 6455 §4.1 item 5 already forbids this; say so here too.
		return errorf("RFC 6455 §4.1", "pmd-not-offered", "response %q answers no offer", resp)
	}
	var errs []error
	for i, offer := range offers {
		err := answers(offer, resp)
		if err == nil {
			return nil
		}
		if len(offers) == 1 {
			return err
		}
		errs = append(errs, fmt.Errorf("offer %d %q: %w", i+1, offer, err))
	}
	return errors.Join(errs...)
}

// PromisedNoClientContext reports whether an offer that resp answers
// carried client_no_context_takeover. RFC 7692 §7.1.1.2 makes that hint a
// promise: the client does not use context takeover even when the response
// leaves the parameter out, so a server may drop its inflater's window
// after every message. Compressing without context is safe whatever the
// server does; keeping it after such an offer is not.
func PromisedNoClientContext(offers []Params, resp Params) bool {
	for _, offer := range offers {
		if offer.ClientNoContextTakeover && answers(offer, resp) == nil {
			return true
		}
	}
	return false
}

// answers reports why resp is not an acceptable response to offer, or nil.
func answers(offer, resp Params) *Error {
	// §7.1.1.1: "A server accepts an extension negotiation offer that
	// includes the "server_no_context_takeover" extension parameter by
	// including the "server_no_context_takeover" extension parameter in the
	// corresponding extension negotiation response". The server MAY also
	// include it unasked.
	if offer.ServerNoContextTakeover && !resp.ServerNoContextTakeover {
		return errorf("RFC 7692 §7.1.1.1", "pmd-response-server-no-context-takeover-missing",
			"offer %q has server_no_context_takeover; response %q lacks it", offer, resp)
	}
	// §7.1.1.2: client_no_context_takeover may be in any response.

	// §7.1.2.1: "A server accepts an extension negotiation offer with this
	// parameter by including the "server_max_window_bits" extension
	// parameter in the extension negotiation response to send back to the
	// client with the same or smaller value as the offer." The server MAY
	// also include it unasked.
	if offer.ServerMaxWindowBits != 0 {
		switch {
		case resp.ServerMaxWindowBits == 0:
			return errorf("RFC 7692 §7.1.2.1", "pmd-response-server-max-window-bits-missing",
				"offer %q has server_max_window_bits; response %q lacks it", offer, resp)
		case resp.ServerMaxWindowBits > offer.ServerMaxWindowBits:
			return errorf("RFC 7692 §7.1.2.1", "pmd-response-server-max-window-bits-too-large",
				"response server_max_window_bits=%d exceeds the offered %d", resp.ServerMaxWindowBits, offer.ServerMaxWindowBits)
		}
	}

	// §7.1.2.2: "If a received extension negotiation offer doesn't have the
	// "client_max_window_bits" extension parameter, the corresponding
	// extension negotiation response to the offer MUST NOT include the
	// "client_max_window_bits" extension parameter." In a response the
	// parameter carries a value, "equal to or smaller than the received
	// value" when the offer had one.
	switch {
	case resp.ClientMaxWindowBits == 0:
	case offer.ClientMaxWindowBits == 0:
		return errorf("RFC 7692 §7.1.2.2", "pmd-response-client-max-window-bits-not-offered",
			"response %q has client_max_window_bits; offer %q lacks it", resp, offer)
	case resp.ClientMaxWindowBits == ClientMaxWindowBitsNoValue:
		return errorf("RFC 7692 §7.1.2.2", "pmd-response-client-max-window-bits-no-value",
			"response %q has client_max_window_bits without a value", resp)
	case offer.ClientMaxWindowBits > 0 && resp.ClientMaxWindowBits > offer.ClientMaxWindowBits:
		return errorf("RFC 7692 §7.1.2.2", "pmd-response-client-max-window-bits-too-large",
			"response client_max_window_bits=%d exceeds the offered %d", resp.ClientMaxWindowBits, offer.ClientMaxWindowBits)
	}
	return nil
}

// Accept chooses, as a server, the response to the first offer it can
// honour (offers in the client's order of preference, §5.1), or false if
// there is none. Offers are assumed valid (ParseParams succeeded); invalid
// ones must be declined by the caller (§7).
//
// The flate writer always uses a 32 KiB (15-bit) LZ77 window and cannot
// promise a smaller one, so an offer with server_max_window_bits below 15
// is honoured by compressing without back-references (flate.HuffmanOnly,
// see NewCodec): valid for any window size, at some cost in ratio. The
// response echoes server_no_context_takeover (required, §7.1.1.1), echoes
// client_no_context_takeover (allowed, §7.1.1.2), echoes
// server_max_window_bits when offered (§7.1.2.1), and omits
// client_max_window_bits: the decompressor copes with any window, so the
// client needs no limit.
func Accept(offers []Params) (Params, bool) {
	for _, offer := range offers {
		return Params{
			ServerNoContextTakeover: offer.ServerNoContextTakeover,
			ClientNoContextTakeover: offer.ClientNoContextTakeover,
			ServerMaxWindowBits:     offer.ServerMaxWindowBits,
		}, true
	}
	return Params{}, false
}
