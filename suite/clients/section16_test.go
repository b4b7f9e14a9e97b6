package clients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// TestClientRulesLibraries plays section 16 (the rules only a client has)
// through the control protocol against the Go client libraries. A client
// that fails a broken handshake makes its dial fail: the harness goes on.
// failing lists, per library, the cases it fails (and 16.1.9 is
// UNIMPLEMENTED: none offers permessage-deflate by default); each was
// checked by hand in the library's source (notes/browser.md).
func TestClientRulesLibraries(t *testing.T) {
	tests := []struct {
		name    string
		echo    echoCase
		failing []string
	}{
		{"gorilla", gorillaEcho, []string{"16.1.7", "16.1.8", "16.1.10"}},
		{"coder", coderEcho, []string{"16.1.10", "16.4.1", "16.4.2"}},
		{"gobwas", gobwasEcho, []string{"16.1.10"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr, srv := fuzzingServer(t, []string{"16.1", "16.2", "16.3", "16.4", "16.5"}, nil)
			base := "ws://" + addr
			var n int
			if err := json.Unmarshal(controlMessage(t, base+"/getCaseCount"), &n); err != nil || n < 15 {
				t.Fatalf("getCaseCount: %d %v", n, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			for i := 1; i <= n; i++ {
				tc.echo(ctx, fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, url.QueryEscape(tc.name))) // a refused handshake is the point
			}
			controlMessage(t, base+"/updateReports?agent="+url.QueryEscape(tc.name))
			runs := srv.Runs()
			if len(runs) != 1 {
				t.Fatalf("%d runs, want 1", len(runs))
			}
			var failed []string
			for _, r := range runs[0].Results {
				t.Logf("%s %s: %s", r.ID, r.Behavior, r.Reason)
				switch {
				case r.ID == "16.1.9":
					if r.Behavior != cases.Unimplemented {
						t.Errorf("16.1.9 %s, want UNIMPLEMENTED: %s", r.Behavior, r.Reason)
					}
				case r.Behavior != cases.OK:
					failed = append(failed, r.ID)
				}
			}
			if !slices.Equal(failed, tc.failing) {
				t.Errorf("%s failed %v, want %v", tc.name, failed, tc.failing)
			}
		})
	}
}
