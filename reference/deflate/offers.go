package deflate

import (
	"strings"

	"github.com/wsconform/wsconform/reference/handshake"
)

// Offers picks the permessage-deflate elements out of a parsed
// Sec-WebSocket-Extensions list and parses each. Invalid elements are left
// out of offers and reported in errs: §7 has a server decline them, and
// move on to the next offer.
func Offers(exts []handshake.Extension) (offers []Params, errs []error) {
	for _, e := range exts {
		if !strings.EqualFold(e.Name, ExtensionName) {
			continue
		}
		p, err := ParseParams(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		offers = append(offers, p)
	}
	return offers, errs
}
