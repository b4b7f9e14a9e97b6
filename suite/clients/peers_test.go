package clients_test

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// sections replaces the focused selections of the client tests, e.g.
// -sections 1,2,3,4,5,6,7,10 for a full run (go test -v logs each
// verdict that is not OK).
var sections = flag.String("sections", "", "case globs every client test runs instead of its focused selection")

// logVerdict logs a verdict other than OK (go test -v), for the notes.
func logVerdict(t *testing.T, agent string, r cases.Result) {
	if r.Behavior != cases.OK || r.BehaviorClose != cases.CloseOK {
		t.Logf("%s %s: %s / %s: %s | %s", agent, r.ID, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
	}
}

// nodeModules installs npm's ws the way the peer servers get it
// (../shared/peers/peers.sh install) and returns its node_modules.
func nodeModules(t *testing.T) string {
	t.Helper()
	work := filepath.Join(os.TempDir(), "wsconform-peers-clients")
	sh := filepath.Join("..", "..", "..", "shared", "peers", "peers.sh")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", sh, "install")
	cmd.Env = append(os.Environ(), "PEERS_WORK="+work)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("peers.sh install: %v\n%s", err, out)
	}
	return filepath.Join(work, "src", "node-ws", "node_modules")
}

// debianPython is the interpreter Debian's python3-websockets belongs to
// (.ci/deps installs it).
func debianPython(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import websockets").Run() == nil {
			return p
		}
	}
	t.Fatal("no python3 with websockets (Debian python3-websockets): run make deps")
	return ""
}

// scriptEcho runs a harness script to the end against the server.
func scriptHarness(t *testing.T, addr, agent string, env []string, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, append(args, "ws://"+addr, agent)...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// TestScriptClientsCertified runs npm's ws and Python's websockets
// through harness scripts shaped like their own Autobahn client runs, over
// a focused selection that includes permessage-deflate: every case must
// pass (their NON-STRICT verdicts, failing a connection before echoing a
// message that preceded the bad frame, are allowed); neither offers
// client_no_context_takeover, so 13.2 is UNIMPLEMENTED.
func TestScriptClientsCertified(t *testing.T) {
	include := []string{"1.1", "2", "3", "4", "5.1", "5.15", "5.19", "6.2", "6.3", "7.1", "7.3", "7.7", "7.9", "10", "12.1.1", "13.1.1", "13.2.1", "13.3.1", "13.7.1"}
	if *sections != "" {
		include = strings.Split(*sections, ",")
	}
	tests := []struct {
		agent string
		run   func(t *testing.T, addr string)
	}{
		{"node-ws", func(t *testing.T, addr string) {
			scriptHarness(t, addr, "node-ws", []string{"NODE_PATH=" + nodeModules(t)}, "node", "testdata/node-ws-harness.js")
		}},
		{"python-websockets", func(t *testing.T, addr string) {
			scriptHarness(t, addr, "python-websockets", nil, debianPython(t), "testdata/python-websockets-harness.py")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.agent, func(t *testing.T) {
			t.Parallel()
			addr, srv := fuzzingServer(t, include, nil)
			start := time.Now()
			tc.run(t, addr)
			runs := srv.Runs()
			if len(runs) != 1 {
				t.Fatalf("%d runs, want 1", len(runs))
			}
			t.Logf("%s: %d cases in %v", tc.agent, len(runs[0].Results), time.Since(start).Round(time.Millisecond))
			want := map[string]cases.Verdict{"12.1.1": cases.OK, "13.1.1": cases.OK, "13.2.1": cases.Unimplemented, "13.3.1": cases.OK}
			for _, r := range runs[0].Results {
				logVerdict(t, tc.agent, r)
				if !r.Passes(false) {
					t.Errorf("%s: %s / %s: %s | %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
				}
				if v, ok := want[r.ID]; ok && r.Behavior != v {
					t.Errorf("%s: %s, want %s: %s", r.ID, r.Behavior, v, r.Reason)
				}
			}
		})
	}
}
