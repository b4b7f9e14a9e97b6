package main_test

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

// startBending101 stands in front of upstream and relays everything, except
// that every 101 response head is changed by bend before the client sees it:
// a WebSocket server that refuses what it must refuse but accepts badly.
func startBending101(t *testing.T, upstream string, bend func(fields []handshake.Field) []handshake.Field) string {
	return "ws://" + serveTCP(t, func(c net.Conn) {
		up, err := net.DialTimeout("tcp", upstream, 2*time.Second)
		if err != nil {
			return
		}
		defer up.Close()
		go io.Copy(up, c)
		br := bufio.NewReader(up)
		resp, err := handshake.ReadResponse(br)
		if err != nil {
			return
		}
		head := resp.Raw
		if resp.Status == 101 {
			head = handshake.BuildServerResponse(101, bend(resp.Header))
		}
		c.Write(head)
		io.Copy(c, br)
	}) + "/"
}

// without drops the fields named name.
func without(name string) func([]handshake.Field) []handshake.Field {
	return func(fs []handshake.Field) []handshake.Field {
		var out []handshake.Field
		for _, f := range fs {
			if !strings.EqualFold(f.Name, name) {
				out = append(out, f)
			}
		}
		return out
	}
}

// replacing sets the field name to value (adding it if absent).
func replacing(name, value string) func([]handshake.Field) []handshake.Field {
	return func(fs []handshake.Field) []handshake.Field {
		return append(without(name)(fs), handshake.Field{Name: name, Value: value})
	}
}

// TestBroken101IsJudged: a target whose 101 breaks RFC 6455 §4.1 speaks
// WebSocket badly, which is a verdict: every case is judged (scripted cases
// FAIL naming the rule, section 15 case by case), reports are written, exit 1.
func TestBroken101IsJudged(t *testing.T) {
	ref, _ := probe.ParseTarget(startServer(t, server.Config{}))
	tests := []struct {
		name string
		bend func([]handshake.Field) []handshake.Field
		rule string
	}{
		{"wrong accept", replacing("Sec-WebSocket-Accept", handshake.AcceptKey("not the key we sent")), "response-accept-mismatch"},
		{"no Upgrade", without("Upgrade"), "response-upgrade-not-websocket"},
		{"no Connection", without("Connection"), "response-connection-missing-upgrade"},
		{"subprotocol not offered", replacing("Sec-WebSocket-Protocol", "wsconform-never-offered"), "response-protocol-not-offered"},
		{"extension not offered", replacing("Sec-WebSocket-Extensions", "x-wsconform-never-offered"), "response-extension-not-offered"},
	}
	// 15.2.1 and 15.3.1 must be refused, which the upstream does (405, 426
	// with Sec-WebSocket-Version): the broken 101 does not touch them.
	want := map[string]cases.Verdict{"1.1.1": cases.Failed, "2.1": cases.Failed, "12.1.1": cases.Failed, "15.1.1": cases.Failed, "15.1.10": cases.Failed,
		"15.2.1": cases.OK, "15.3.1": cases.OK}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := startBending101(t, ref.Address(), tc.bend)
			out := t.TempDir()
			r := wsconform(t, "run", url, "--cases", "1.1.1,2.1,12.1.1,15.1.1,15.1.10,15.2.1,15.3.1", "--progress", "none", "--out", out)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.rule) {
				t.Errorf("stderr does not name %s:\n%s", tc.rule, r.stderr)
			}
			for _, f := range []string{"wsconform.json", "index.html", "junit.xml"} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("report %s: %v", f, err)
				}
			}
			run := readRun(t, out)
			if len(run.Results) != len(want) {
				t.Fatalf("%d results, want %d", len(run.Results), len(want))
			}
			for _, res := range run.Results {
				if res.Behavior != want[res.ID] {
					t.Errorf("%s: %s (%s), want %s", res.ID, res.Behavior, res.Reason, want[res.ID])
				}
				if want[res.ID] == cases.Failed && !strings.Contains(res.Reason, tc.rule) {
					t.Errorf("%s: reason %q does not name %s", res.ID, res.Reason, tc.rule)
				}
			}
		})
	}
}

// TestNotAWebSocketServerExits2: answers that are not a verdict on a
// WebSocket server (a plain HTTP answer, a demand for credentials) stop the
// run before it starts.
func TestNotAWebSocketServerExits2(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{http.StatusOK, "not a WebSocket server"},
		{http.StatusNotFound, "not a WebSocket server"},
		{http.StatusUnauthorized, "authentication required"},
		{http.StatusForbidden, "authentication required"},
	}
	for _, tc := range tests {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(tc.status) }))
			t.Cleanup(srv.Close)
			out := t.TempDir()
			r := wsconform(t, "run", "ws"+strings.TrimPrefix(srv.URL, "http"), "--cases", "1.1.1", "--out", out)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 2 || len(lines) != 1 || !strings.Contains(lines[0], tc.want) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit 2 and one line with %q", r.code, r.stderr, tc.want)
			}
			if _, err := os.Stat(filepath.Join(out, "wsconform.json")); err == nil {
				t.Error("a results file was written for a run that did not start")
			}
		})
	}
}
