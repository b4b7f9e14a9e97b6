package fuzz

import (
	"fmt"
	"reflect"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Extensions feeds data, as a Sec-WebSocket-Extensions value, to
// handshake.ParseExtensions and each element to deflate.ParseParams.
// Properties:
//   - a parsed list formats and re-parses to the same list, and formatting
//     is idempotent;
//   - valid permessage-deflate parameters format and re-parse to the same
//     Params;
//   - whatever Accept answers to a set of valid offers passes the client's
//     ValidateResponse.
//
// It returns 1 for input that parses as an extension list, else 0.
func Extensions(data []byte) int {
	exts, err := handshake.ParseExtensions(string(data))
	if err != nil {
		return 0
	}
	formatted := handshake.FormatExtensions(exts)
	again, err := handshake.ParseExtensions(formatted)
	if err != nil {
		panic(fmt.Sprintf("re-parsing %q (from %q): %v", formatted, data, err))
	}
	if !reflect.DeepEqual(again, exts) {
		panic(fmt.Sprintf("round trip changed %q:\n%#v\n%#v", data, exts, again))
	}
	if f2 := handshake.FormatExtensions(again); f2 != formatted {
		panic(fmt.Sprintf("formatting not idempotent: %q then %q", formatted, f2))
	}

	offers, _ := deflate.Offers(exts)
	for _, p := range offers {
		e, err := handshake.ParseExtensions(p.String())
		if err != nil || len(e) != 1 {
			panic(fmt.Sprintf("Params %+v formats to unparseable %q: %v", p, p.String(), err))
		}
		p2, err := deflate.ParseParams(e[0])
		if err != nil || p2 != p {
			panic(fmt.Sprintf("Params round trip %+v -> %q -> %+v, %v", p, p.String(), p2, err))
		}
	}
	if resp, ok := deflate.Accept(offers); ok {
		if err := deflate.ValidateResponse(offers, resp); err != nil {
			panic(fmt.Sprintf("Accept(%+v) = %+v, which ValidateResponse rejects: %v", offers, resp, err))
		}
	}
	return 1
}
