package main_test

import (
	"bufio"
	"bytes"
	be "encoding/binary"
	"fmt"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// crashServerEnv makes the test binary a separate server process: the
// reference server, except that the process exits (as a server that
// allocates a frame's announced length and panics would) when a frame
// announces a 64-bit payload length with the most significant bit set,
// which case 14.2.1 sends; with the value "announced", when a frame
// announces more than 256 MiB (18.1.1 and 18.1.2), as a server that
// believes the header and runs out of memory would.
const crashServerEnv = "WSCONFORM_TEST_CRASH_SERVER"

func serveUntilCrash() {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Printf("ws://%s/\n", ln.Addr())
	srv := server.New(server.Config{})
	srv.Serve(crashListener{ln})
	os.Exit(0)
}

type crashListener struct{ net.Listener }

func (l crashListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &frameWatcher{Conn: c, inHTTP: true}, nil
}

// frameWatcher follows the client's frame headers as the server reads them.
type frameWatcher struct {
	net.Conn
	buf    []byte
	inHTTP bool   // still in the opening handshake request
	skip   uint64 // payload octets still to pass over
}

// CloseWrite lets the server end its side of TCP as it does unwrapped.
func (w *frameWatcher) CloseWrite() error { return w.Conn.(*net.TCPConn).CloseWrite() }

func (w *frameWatcher) Read(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	w.buf = append(w.buf, p[:n]...)
	w.scan()
	return n, err
}

func (w *frameWatcher) scan() {
	for {
		switch {
		case w.inHTTP:
			i := bytes.Index(w.buf, []byte("\r\n\r\n"))
			if i < 0 {
				return
			}
			w.buf, w.inHTTP = w.buf[i+4:], false
		case w.skip > 0:
			k := min(w.skip, uint64(len(w.buf)))
			w.buf, w.skip = w.buf[k:], w.skip-k
			if w.skip > 0 {
				return
			}
		default:
			if len(w.buf) < 2 {
				return
			}
			size, header := uint64(w.buf[1]&0x7f), 2
			switch size {
			case 126:
				header = 4
			case 127:
				header = 10
			}
			if w.buf[1]&0x80 != 0 {
				header += 4
			}
			if len(w.buf) < header {
				return
			}
			switch size {
			case 126:
				size = uint64(be.BigEndian.Uint16(w.buf[2:4]))
			case 127:
				size = be.BigEndian.Uint64(w.buf[2:10])
				if size>>63 == 1 || os.Getenv(crashServerEnv) == "announced" && size > 256<<20 {
					os.Exit(3) // the crash: the whole process goes, every connection with it
				}
			}
			w.buf, w.skip = w.buf[header:], size
		}
	}
}

// startCrashServer runs serveUntilCrash in its own process; how is the
// crashServerEnv value.
func startCrashServer(t *testing.T, how string) string {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashServerEnv+"="+how)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("the crash server did not start: %v", err)
	}
	return strings.TrimSpace(url)
}

// TestTargetCrashNamesTheKiller: a server process that exits on 14.2.1's
// frame. The run says when the target went down and on which case; that
// case FAILED with the crash as its reason; the cases after it are NOT
// RUN; no case is FAILED for a refused connection.
func TestTargetCrashNamesTheKiller(t *testing.T) {
	url := startCrashServer(t, "1")
	out := t.TempDir()
	r := wsconform(t, "run", url, "--cases", "14.*", "--parallel", "16", "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("summary:\n%s", r.stdout)
	run := readRun(t, out)
	if run.TargetDown == nil || strings.Join(run.TargetDown.KilledBy, " ") != "14.2.1" {
		t.Fatalf("targetDown = %+v, want it killed by 14.2.1", run.TargetDown)
	}
	if !regexp.MustCompile(`The target stopped accepting connections at \d\d:\d\d:\d\d \(.*connection refused\): it crashed on case 14\.2\.1 \(FAILED\); \d+ cases could not run after it \(NOT RUN\)`).MatchString(r.stdout) {
		t.Errorf("the summary does not name the case and time of the crash:\n%s", r.stdout)
	}
	notRun := 0
	for _, res := range run.Results {
		switch {
		case res.ID == "14.2.1":
			if res.Behavior != cases.Failed || !strings.Contains(res.Reason, "stopped accepting connections") {
				t.Errorf("14.2.1: %s %q, want FAILED for crashing the target", res.Behavior, res.Reason)
			}
		case res.Behavior == cases.NotRun:
			notRun++
			if !strings.Contains(res.Reason, "the target stopped accepting connections at") && !strings.Contains(res.Reason, "crashed by 14.2.1") {
				t.Errorf("%s NOT RUN: %q, want the crash named", res.ID, res.Reason)
			}
		case strings.Contains(res.Reason+res.Error, "refused"):
			t.Errorf("%s: %s for a refused connection (%s), want NOT RUN", res.ID, res.Behavior, res.Reason)
		}
	}
	if notRun == 0 {
		t.Error("no case is NOT RUN after the crash")
	}
}

// TestAnnouncedLengthCrashNamesTheKiller: a server that dies of a frame
// header announcing 4 GiB is reported as crashed by 18.1.1 (FAILED), and
// 18.1.2 after it is NOT RUN.
func TestAnnouncedLengthCrashNamesTheKiller(t *testing.T) {
	url := startCrashServer(t, "announced")
	out := t.TempDir()
	r := wsconform(t, "run", url, "--cases", "18.1.*", "--out", out)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", r.code, r.stdout, r.stderr)
	}
	run := readRun(t, out)
	if run.TargetDown == nil || strings.Join(run.TargetDown.KilledBy, " ") != "18.1.1" {
		t.Fatalf("targetDown = %+v, want it killed by 18.1.1\n%s", run.TargetDown, r.stdout)
	}
	for _, res := range run.Results {
		want := cases.NotRun
		if res.ID == "18.1.1" {
			want = cases.Failed
		}
		if res.Behavior != want || !strings.Contains(res.Reason, "stopped accepting connections") {
			t.Errorf("%s: %s %q, want %s naming the crash", res.ID, res.Behavior, res.Reason, want)
		}
	}
}
