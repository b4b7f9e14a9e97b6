package cases

import (
	"fmt"

	"github.com/wsconform/wsconform/reference/deflate"
)

func init() { sections = append(sections, compressionPayloadCases) }

// autobahnOffer is the offer Autobahn's client makes by default:
// "permessage-deflate; client_no_context_takeover; client_max_window_bits".
func autobahnOffer() deflate.Params {
	return deflate.Params{ClientNoContextTakeover: true, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}
}

// compressionPayloadCases is section 12: the 18 variants for each of five
// kinds of payload (12.1 JSON text ... 12.5 PDF), with the default offer.
func compressionPayloadCases() []*Case {
	var out []*Case
	for i, k := range payloadKinds {
		sub := fmt.Sprintf("12.%d", i+1)
		for j, v := range compressionVariants() {
			out = append(out, compressionCase(fmt.Sprintf("%s.%d", sub, j+1), k, []deflate.Params{autobahnOffer()}, v,
				fmt.Sprintf("Compression of %s (Autobahn %s: %s)", k.standIn, sub, k.name), ""))
		}
	}
	return out
}
