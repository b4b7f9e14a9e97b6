package main_test

import (
	"bufio"
	"encoding/hex"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/server"
)

// startRecordingRelay relays every connection to the WebSocket server at
// target (host:port) after reading the request head, which it records.
func startRecordingRelay(t *testing.T, target string) (addr string, heads func() []http.Header) {
	var mu sync.Mutex
	var seen []http.Header
	addr = serveTCP(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		mu.Lock()
		seen = append(seen, req.Header)
		mu.Unlock()
		up, err := net.DialTimeout("tcp", target, 2*time.Second)
		if err != nil {
			return
		}
		defer up.Close()
		req.Write(up)
		go io.Copy(up, br)
		io.Copy(c, up)
	})
	return addr, func() []http.Header {
		mu.Lock()
		defer mu.Unlock()
		return append([]http.Header(nil), seen...)
	}
}

// Credentials given with --header go to the target in every request, and
// no report shows them: not the JSON results, the HTML, JUnit, Autobahn's
// files nor the terminal, in text or in the wire log's hex; the recorded
// handshake keeps the field's name with <redacted> for its value.
func TestReportsRedactCredentials(t *testing.T) {
	target := strings.TrimPrefix(startServer(t, server.Config{Faults: server.Faults{AcceptRSV: true}}), "ws://")
	target = strings.TrimSuffix(target, "/")
	relay, heads := startRecordingRelay(t, target)
	secrets := map[string]string{
		"Authorization":       "Bearer s3cret-token",
		"Cookie":              "sid=c00kie-value",
		"Proxy-Authorization": "Basic cHJveHk6cGE1NQ==",
	}
	out := t.TempDir()
	// 3.1 FAILS (its wire log is in every report); 15.1.10 writes the
	// request one octet per write, so each octet of a value has its own
	// wire-log entry.
	args := []string{"run", "ws://" + relay + "/", "--cases", "3.1,15.1.10", "--out", out}
	for _, name := range []string{"Authorization", "Cookie", "Proxy-Authorization"} {
		args = append(args, "--header", name+": "+secrets[name])
	}
	r := wsconform(t, args...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (3.1 FAILS)\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, h := range heads() {
		for name, value := range secrets {
			if h.Get(name) != value {
				t.Fatalf("the target got %s: %q, want %q (the test needs the credentials sent)", name, h.Get(name), value)
			}
		}
	}
	files := map[string]string{"terminal": r.stdout + r.stderr}
	filepath.WalkDir(out, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			files[path] = string(b)
		}
		return nil
	})
	if len(files) < 5 {
		t.Fatalf("only %d reports written", len(files))
	}
	for name, value := range secrets {
		secret := value[strings.Index(value, " ")+1:] // "sid=..." has no space: the whole value
		for _, form := range []string{secret, hex.EncodeToString([]byte(secret))} {
			for file, text := range files {
				if strings.Contains(text, form) {
					t.Errorf("%s shows %s's value as %q", file, name, form)
				}
			}
		}
	}
	run := readRun(t, out)
	for _, res := range run.Results {
		if res.Handshake == nil {
			t.Fatalf("%s: no handshake recorded", res.ID)
		}
		for name := range secrets {
			if !strings.Contains(res.Handshake.Request, name+": <redacted>\r\n") {
				t.Errorf("%s: the recorded request lacks %q:\n%s", res.ID, name+": <redacted>", res.Handshake.Request)
			}
		}
	}
	// 15.1.10's wire log has the request one octet an entry: the values'
	// octets became one <redacted> each, the rest is as sent.
	var sent strings.Builder
	for _, res := range run.Results {
		if res.ID != "15.1.10" {
			continue
		}
		for _, e := range res.WireLog {
			if e.Dir == "tx" {
				b, _ := hex.DecodeString(strings.TrimSuffix(e.Hex, "…"))
				sent.Write(b)
			}
		}
	}
	// (The log keeps its first 200 entries and last 56: Authorization,
	// the first of the fields, is among the first.)
	if want := "\r\nAuthorization: <redacted>"; !strings.Contains(sent.String(), want) {
		t.Errorf("15.1.10's wire log lacks %q:\n%q", want, sent.String())
	}
}
