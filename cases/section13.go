package cases

import (
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/deflate"
)

func init() { sections = append(sections, compressionParameterCases) }

// pmdOffer is one of Autobahn's (server_no_context_takeover,
// server_max_window_bits) offer tuples; each also carries Autobahn's
// default client_no_context_takeover; client_max_window_bits.
type pmdOffer struct {
	serverNoContextTakeover bool
	serverMaxWindowBits     int // 0: not offered
}

func (o pmdOffer) params() deflate.Params {
	p := autobahnOffer()
	p.ServerNoContextTakeover, p.ServerMaxWindowBits = o.serverNoContextTakeover, o.serverMaxWindowBits
	return p
}

// compressionParameterSets are 13.1-13.7, in Autobahn's order. Window bits
// 9 were 8 before Autobahn 0.8.2 (modern zlib rejects 8 for raw deflate).
var compressionParameterSets = [][]pmdOffer{
	{{false, 0}},
	{{true, 0}},
	{{false, 9}},
	{{false, 15}},
	{{true, 9}},
	{{true, 15}},
	{{true, 9}, {true, 0}, {false, 0}},
}

// compressionParameterCases is section 13: the 18 variants of section 12,
// all with the JSON document, for each offer set. A target may decline
// any offer (a server on a fixed 32 KiB window must decline
// server_max_window_bits below 15 unless, as the reference server does, it
// compresses without back-references): the case is then UNIMPLEMENTED.
func compressionParameterCases() []*Case {
	var out []*Case
	for i, set := range compressionParameterSets {
		sub := fmt.Sprintf("13.%d", i+1)
		offers := make([]deflate.Params, len(set))
		tuples := ""
		for j, o := range set {
			offers[j] = o.params()
			if j > 0 {
				tuples += ", "
			}
			tuples += fmt.Sprintf("(%t, %d)", o.serverNoContextTakeover, o.serverMaxWindowBits)
		}
		departure := answerDeparture(offers)
		for j, v := range compressionVariants() {
			out = append(out, compressionCase(fmt.Sprintf("%s.%d", sub, j+1), payloadKinds[0], offers, v,
				fmt.Sprintf("Compression with offer set %s [%s] (Autobahn's (noContextTakeover, maxWindowBits) tuples)", sub, tuples), departure))
		}
	}
	return out
}

// answerDeparture says, for offer sets where every offer asks something of
// the server's answer, which clause a plain acceptance breaks: a common
// server bug, FAILED here, that Autobahn's client does not look for.
func answerDeparture(offers []deflate.Params) string {
	var needs []string
	for _, o := range offers {
		var n []string
		if o.ServerNoContextTakeover {
			n = append(n, "echo server_no_context_takeover (RFC 7692 §7.1.1.1)")
		}
		if o.ServerMaxWindowBits != 0 {
			n = append(n, fmt.Sprintf("answer server_max_window_bits of at most %d (RFC 7692 §7.1.2.1)", o.ServerMaxWindowBits))
		}
		if len(n) == 0 {
			return ""
		}
		needs = append(needs, strings.Join(n, " and "))
	}
	return fmt.Sprintf("Departure from Autobahn: a server that accepts must %s; many servers accept with a plain \"permessage-deflate\" instead, which answers no offer, "+
		"so the case FAILS at the opening handshake (strict clients such as Python's websockets refuse the same answer), while Autobahn's client never compares the answer with its offer and runs the messages.",
		strings.Join(needs, ", or for a later offer "))
}
