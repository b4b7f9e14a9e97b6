package probe_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The real third-party servers of ../shared/peers are started once per
// test binary, on a free port base and a private run directory (so that
// stopping them never touches another copy, such as one a developer runs
// on the default ports), and stopped by TestMain.

// PeersDir holds the peer servers and Autobahn's verdicts for them;
// override with WSCONFORM_PEERS.
func PeersDir() string {
	if d := os.Getenv("WSCONFORM_PEERS"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "..", "shared", "peers")
}

var peers struct {
	once sync.Once
	urls map[string]string
	stop func()
	err  error
}

// PeerURLs starts the peers (once) and returns name -> ws:// URL. Under
// -short the test is skipped instead.
func PeerURLs(t testing.TB) map[string]string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: not starting the real peer servers")
	}
	peers.once.Do(func() {
		peers.urls, peers.stop, peers.err = startPeers(filepath.Join(PeersDir(), "peers.sh"))
	})
	if peers.err != nil {
		t.Fatal(peers.err)
	}
	return peers.urls
}

func TestMain(m *testing.M) {
	code := m.Run()
	if peers.stop != nil {
		peers.stop()
	}
	os.Exit(code)
}

func startPeers(script string) (map[string]string, func(), error) {
	if _, err := os.Stat(script); err != nil {
		return nil, nil, fmt.Errorf("peer servers: %v (CI has ../shared beside the clone; set WSCONFORM_PEERS elsewhere)", err)
	}
	// The build (Go binaries, npm packages) is shared between runs.
	build := filepath.Join(os.TempDir(), "wsconform-peers-cases")
	work, err := os.MkdirTemp("", "wsconform-peers-run")
	if err != nil {
		return nil, nil, err
	}
	for _, d := range []string{"bin", "src"} {
		if err := os.MkdirAll(filepath.Join(build, d), 0o755); err != nil {
			return nil, nil, err
		}
		if err := os.Symlink(filepath.Join(build, d), filepath.Join(work, d)); err != nil {
			return nil, nil, err
		}
	}
	base, err := freePortBase()
	if err != nil {
		return nil, nil, err
	}
	env := append(os.Environ(), "PEERS_WORK="+work, fmt.Sprintf("PEERS_PORT_BASE=%d", base))
	peersSh := func(timeout time.Duration, arg string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, script, arg)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	stop := func() {
		if out, err := peersSh(30*time.Second, "stop"); err != nil {
			fmt.Fprintf(os.Stderr, "peers.sh stop: %v\n%s", err, out)
		}
		os.RemoveAll(work)
	}
	out, err := peersSh(10*time.Minute, "start")
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("peers.sh start: %v\n%s", err, out)
	}
	urls := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(f[1], "ws://") {
			urls[f[0]] = f[1]
		}
	}
	if len(urls) < 4 {
		stop()
		return nil, nil, fmt.Errorf("peers.sh start listed %v:\n%s", urls, out)
	}
	return urls, stop, nil
}

// freePortBase finds a base whose peer ports (+1, +2, +10) are free.
func freePortBase() (int, error) {
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
			return base, nil
		}
	}
	return 0, errors.New("no free port base for the peer servers")
}
