package deflate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/handshake"
)

// Agreement reads, as a client, a response's Sec-WebSocket-Extensions
// values as the answer to offers: nil when no permessage-deflate element
// is there (the offers were declined), the accepted parameters when it
// answers one of them, and an error when the client must fail the
// connection over it (§7.1: invalid, or answering no offer; §5.1: at most
// one permessage-deflate element).
func Agreement(offers []Params, values []string) (*Params, error) {
	if len(values) == 0 {
		return nil, nil
	}
	exts, err := handshake.ParseExtensions(strings.Join(values, ", "))
	if err != nil {
		return nil, fmt.Errorf("Sec-WebSocket-Extensions: %w", err)
	}
	var found []handshake.Extension
	for _, e := range exts {
		if strings.EqualFold(e.Name, ExtensionName) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, errors.New("permessage-deflate accepted more than once")
	}
	p, err := ParseParams(found[0])
	if err == nil {
		err = ValidateResponse(offers, p)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}
