package probe_test

import (
	"reflect"
	"sort"
	"testing"

	"github.com/wsconform/wsconform/cases"
)

// TestHandshakeSectionPeers runs section 15 against the real servers of
// ../shared/peers (started by the test) and pins the cases each one FAILS (non-strict gate). Every one was
// checked by hand against the RFCs; the comments say why it is a finding.
func TestHandshakeSectionPeers(t *testing.T) {
	urls := PeerURLs(t)
	sel := handshakeSection(t)
	// All three refuse a version they do not speak with 400 and the
	// Sec-WebSocket-Version field: §4.4 names 426 ("such as"), NON-STRICT.
	versions := []string{"15.3.1", "15.3.2", "15.3.3", "15.3.4", "15.3.5", "15.3.6"}
	peers := []struct {
		name      string
		fails     []string
		nonStrict []string
	}{
		// 15.2.3: upgrades an HTTP/1.0 request (§4.2.1 item 1; RFC 7230 §6.7
		// has a server ignore Upgrade in HTTP/1.0). 15.2.12: takes the first
		// of two Sec-WebSocket-Key fields (§11.3.1). 15.5.4, 15.5.5: accepts
		// permessage-deflate offers RFC 7692 §5 says it MUST decline.
		{"go-gorilla", []string{"15.2.3", "15.2.12", "15.5.4", "15.5.5"}, versions},
		{"go-coder", nil, versions},
		// 15.2.3 as gorilla; 15.2.4: upgrades an HTTP/1.1 request without
		// Host (§4.2.1 item 2, RFC 7230 §5.4). 15.3.2: accepts draft version
		// 8, which §4.4 allows (INFORMATIONAL). 15.5.4-15.5.6: refuses the
		// whole handshake over an invalid permessage-deflate offer instead
		// of declining the offer (RFC 7692 §5).
		{"node-ws", []string{"15.2.3", "15.2.4"}, []string{"15.3.1", "15.3.3", "15.3.4", "15.3.5", "15.3.6", "15.5.4", "15.5.5", "15.5.6"}},
	}
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			results := runHandshakeSection(t, urls[p.name], sel)
			var got, nonStrict []string
			for id, r := range results {
				if !r.Passes(false) {
					got = append(got, id)
				}
				if r.Behavior == cases.NonStrict {
					nonStrict = append(nonStrict, id)
				}
			}
			sort.Slice(got, func(i, j int) bool { return cases.LessID(got[i], got[j]) })
			sort.Slice(nonStrict, func(i, j int) bool { return cases.LessID(nonStrict[i], nonStrict[j]) })
			if !reflect.DeepEqual(nonStrict, p.nonStrict) {
				t.Errorf("NON-STRICT cases %v, want %v", nonStrict, p.nonStrict)
			}
			if !reflect.DeepEqual(got, p.fails) {
				t.Errorf("FAILED cases %v, want %v", got, p.fails)
				for _, id := range got {
					t.Logf("%s: %s / %s: %s", id, results[id].Behavior, results[id].BehaviorClose, results[id].Reason)
				}
			}
		})
	}
}
