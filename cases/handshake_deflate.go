package cases

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// OfferedDeflateAccepted reports whether the response selected
// permessage-deflate (RSV1 then means "compressed").
func OfferedDeflateAccepted(resp *handshake.Response) bool {
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v)
		for _, e := range exts {
			if strings.EqualFold(e.Name, deflate.ExtensionName) {
				return true
			}
		}
	}
	return false
}

// CheckDeflateResponse applies RFC 7692 to an accepted permessage-deflate:
// the response's parameters must be valid and answer one of the valid
// offers (§7.1); an offer the server had to decline (§5) answers nothing.
func CheckDeflateResponse(req *handshake.Request, resp *handshake.Response) []handshake.Violation {
	var offered []handshake.Extension
	for _, v := range req.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v)
		offered = append(offered, exts...)
	}
	offers, offerErrs := deflate.Offers(offered)
	var vs []handshake.Violation
	accepted := 0
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, _ := handshake.ParseExtensions(v) // malformed: ValidateResponse reports it
		for _, e := range exts {
			if !strings.EqualFold(e.Name, deflate.ExtensionName) {
				continue
			}
			accepted++
			p, err := deflate.ParseParams(e)
			switch {
			case err != nil:
			case len(offers) == 0:
				// RFC 7692 §5: "A server MUST decline an extension negotiation
				// offer for this extension if ... The negotiation offer contains
				// an extension parameter not defined for use in an offer [or]
				// with an invalid value."
				vs = append(vs, handshake.Violation{Rule: "pmd-invalid-offer-accepted", Section: "RFC 7692 §5", Level: handshake.LevelMust,
					Detail: fmt.Sprintf("the server accepted permessage-deflate (%q) although every offer had to be declined: %v", e.String(), errors.Join(offerErrs...))})
				continue
			default:
				err = deflate.ValidateResponse(offers, p)
			}
			if err != nil {
				vs = append(vs, deflateViolation(err, e))
			}
		}
	}
	// Two accepted permessage-deflate elements would both claim RSV1;
	// RFC 7692 §5 forbids accepting extensions that conflict on that bit.
	if accepted > 1 {
		vs = append(vs, handshake.Violation{Rule: "pmd-accepted-twice", Section: "RFC 7692 §5", Level: handshake.LevelMust,
			Detail: fmt.Sprintf("the response selects permessage-deflate %d times", accepted)})
	}
	return vs
}

func deflateViolation(err error, e handshake.Extension) handshake.Violation {
	v := handshake.Violation{Rule: "pmd-response-invalid", Section: "RFC 7692 §7.1", Level: handshake.LevelMust,
		Detail: fmt.Sprintf("response element %q: %v", e.String(), err)}
	if de, ok := err.(*deflate.Error); ok {
		v.Rule, v.Section, v.Detail = de.Rule, de.Section, fmt.Sprintf("response element %q: %s", e.String(), de.Detail)
	}
	return v
}
