package cases_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// peersDir holds the real third-party servers (shared/peers); override
// with WSCONFORM_PEERS.
func peersDir() string {
	if d := os.Getenv("WSCONFORM_PEERS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "peers")
}

// autobahnVerdict is one row of autobahn-verdicts/<peer>.tsv.
type autobahnVerdict struct{ behavior, behaviorClose string }

func readAutobahnVerdicts(t *testing.T, peer string) map[string]autobahnVerdict {
	f, err := os.Open(filepath.Join(peersDir(), "autobahn-verdicts", peer+".tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]autobahnVerdict{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) < 3 || cols[0] == "case_id" {
			continue
		}
		out[cols[0]] = autobahnVerdict{cols[1], cols[2]}
	}
	return out
}

// peerDepartures are the documented, RFC-backed cases where wsconform's
// verdict for a peer differs from Autobahn's. Key: peer + " " + case id.
var peerDepartures = map[string]string{}

// Real servers nobody on this project wrote get the verdicts Autobahn gives
// them, case by case, in sections 1-7 and 10 (and 9 for node-ws).
func TestPeersAgreeWithAutobahn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real peer servers")
	}
	script := filepath.Join(peersDir(), "peers.sh")
	if _, err := os.Stat(script); err != nil {
		t.Skipf("no peers: %v", err)
	}
	urls := startPeers(t, script)
	peers := []struct {
		name     string
		sections []string
	}{
		{"go-gorilla", []string{"1", "2", "3", "4", "5", "6", "7", "10"}},
		{"go-gorilla-validated", []string{"1", "2", "3", "4", "5", "6", "7", "9", "10"}},
		{"go-coder", []string{"1", "2", "3", "4", "5", "6", "7", "10"}},
		{"node-ws", []string{"1", "2", "3", "4", "5", "6", "7", "9", "10"}},
	}
	for _, p := range peers {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			want := readAutobahnVerdicts(t, p.name)
			sel := selectCases(t, p.sections, nil)
			start := time.Now()
			results := runCasesWith(t, urls[p.name], sel, peerTimeouts())
			t.Logf("%d cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
			for _, c := range sel {
				w, ok := want[c.ID]
				if !ok {
					continue
				}
				r := results[c.ID]
				agree := string(r.Behavior) == w.behavior && string(r.BehaviorClose) == w.behaviorClose
				why, allowed := peerDepartures[p.name+" "+c.ID]
				switch {
				case !agree && !allowed:
					t.Errorf("Autobahn says %s/%s: %s", w.behavior, w.behaviorClose, describeResult(r))
				case agree && allowed:
					t.Errorf("%s %s agrees with Autobahn now; drop its departure (%s)", p.name, c.ID, why)
				}
			}
		})
	}
}

// peerTimeouts are Autobahn's protocol timeouts, except that a peer gets 3 s
// rather than 1 s to answer our close frame and to close TCP after it: on a
// loaded 2-core machine (go test -race ./...) a conformant peer sometimes
// misses 1 s, and an UNCLEAN verdict from machine load is noise, not a
// difference from Autobahn. The case timers are unchanged.
func peerTimeouts() probe.Timeouts {
	to := probe.DefaultTimeouts()
	to.CloseWait, to.DropWait = 3*time.Second, 3*time.Second
	return to
}

// startPeers runs peers.sh start on a free port base with a private run
// directory (so that stopping them never touches another copy, such as a
// lead's on the default ports) and stops them when the test ends.
func startPeers(t *testing.T, script string) map[string]string {
	t.Helper()
	// The build (Go binaries, npm packages) is shared between runs.
	build := filepath.Join(os.TempDir(), "wsconform-peers-cases")
	work := t.TempDir()
	for _, d := range []string{"bin", "src"} {
		if err := os.MkdirAll(filepath.Join(build, d), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(filepath.Join(build, d), filepath.Join(work, d)); err != nil {
			t.Fatal(err)
		}
	}
	base := freePortBase(t)
	env := append(os.Environ(), "PEERS_WORK="+work, fmt.Sprintf("PEERS_PORT_BASE=%d", base))
	peersSh := func(timeout time.Duration, arg string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, script, arg)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	t.Cleanup(func() {
		if out, err := peersSh(30*time.Second, "stop"); err != nil {
			t.Errorf("peers.sh stop: %v\n%s", err, out)
		}
	})
	out, err := peersSh(10*time.Minute, "start")
	if err != nil {
		t.Fatalf("peers.sh start: %v\n%s", err, out)
	}
	urls := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(f[1], "ws://") {
			urls[f[0]] = f[1]
		}
	}
	if len(urls) < 4 {
		t.Fatalf("peers.sh start listed %v:\n%s", urls, out)
	}
	return urls
}

// freePortBase finds a base whose peer ports (+1, +2, +10) are free.
func freePortBase(t *testing.T) int {
	for base := 21000 + os.Getpid()%400*100; base < 60000; base += 1000 {
		free := true
		for _, off := range []int{1, 2, 10} {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+off))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free port base for the peers")
	return 0
}

var _ = cases.OK
