package cases

import (
	"fmt"

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
		for j, v := range compressionVariants() {
			p := compressionPlan{offers: offers, kind: payloadKinds[0], variant: v, count: compressionMessages}
			out = append(out, compressionCase(fmt.Sprintf("%s.%d", sub, j+1), p,
				fmt.Sprintf("Compression with offer set %s [%s] (Autobahn's (noContextTakeover, maxWindowBits) tuples)", sub, tuples)))
		}
	}
	return out
}
