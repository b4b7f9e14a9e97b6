package reporter_test

import (
	"bufio"
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reporter"
)

// rawServer accepts connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return "ws://" + ln.Addr().String() + "/"
}

// wasOpenHandshakeTimeout must come from what happened on the wire (no
// response head before our handshake timeout, the connection still open),
// not from words in the verdict text: a 408 "Request Timeout" answer or a
// server that hangs up are not handshake timeouts.
func TestOpenHandshakeTimeoutIsWhatHappened(t *testing.T) {
	tests := []struct {
		name  string
		serve func(net.Conn)
		want  bool
	}{
		{"silent until we give up", func(c net.Conn) {
			defer c.Close()
			bufio.NewReader(c).ReadString(0) // until we hang up
		}, true},
		{"answers 408 Request Timeout", func(c net.Conn) {
			defer c.Close()
			c.Write([]byte("HTTP/1.1 408 Request Timeout\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"))
		}, false},
		{"hangs up without an answer", func(c net.Conn) { c.Close() }, false},
	}
	selected, err := cases.Select([]string{"1.1.1"}, nil)
	if err != nil || len(selected) != 1 {
		t.Fatalf("selecting 1.1.1: %v (%d cases)", err, len(selected))
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target, err := probe.ParseTarget(rawServer(t, tt.serve))
			if err != nil {
				t.Fatal(err)
			}
			to := probe.DefaultTimeouts()
			to.Handshake = 300 * time.Millisecond
			res := probe.Run(context.Background(), selected[0], probe.Env{Target: target, Timeouts: to, Scale: 1})
			run := &cases.Run{Target: cases.TargetInfo{Agent: "raw"}, Results: []cases.Result{res}}
			dir := t.TempDir()
			if err := reporter.WriteAutobahn(dir, run); err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			readJSON(t, filepath.Join(dir, reporter.AutobahnFileStem("raw", "1.1.1")+".json"), &doc)
			if got := doc["wasOpenHandshakeTimeout"]; got != tt.want {
				t.Errorf("wasOpenHandshakeTimeout = %v, want %v (verdict %s: %s)", got, tt.want, res.Behavior, res.Reason)
			}
		})
	}
}
