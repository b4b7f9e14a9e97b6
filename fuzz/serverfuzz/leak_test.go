package serverfuzz

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/wsconform/wsconform/fuzz/serverfuzz/internal/planted"
	"github.com/wsconform/wsconform/reference/server"
)

// TestGoroutineLeaks: a server that leaves a goroutine running per
// session is a "leak" finding, with the leaked goroutine's stack, whether
// it is a func(net.Conn) or an http.Handler; one that starts a goroutine
// once for the whole process, and the clean servers, are not.
func TestGoroutineLeaks(t *testing.T) {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	leakOne := func() { go func() { <-stop }() }
	var once sync.Once
	clean := planted.EchoServer(false)
	tests := []struct {
		name  string
		h     *Harness
		every int
		leaks bool
	}{
		{"conn server leaking a goroutine per session", ForConn(func(c net.Conn) { leakOne(); clean(c) }), 1, true},
		{"the same, checked every 16th session (the first one is)", ForConn(func(c net.Conn) { leakOne(); clean(c) }), 16, true},
		{"handler leaking a goroutine per session", ForHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
				leakOne()
				c.Close()
			}
		})), 1, true},
		{"a goroutine started once for the process", ForConn(func(c net.Conn) { once.Do(leakOne); clean(c) }), 1, false},
		{"clean conn server", ForConn(clean), 1, false},
		{"reference server", ForConn(server.New(server.Config{MaxMessageSize: 1 << 20}).ServeConn), 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.h.LeakEvery = tt.every
			for i, seed := range Seeds() {
				f := tt.h.Check(seed)
				if f == nil {
					continue
				}
				if !tt.leaks || f.Kind != "leak" {
					t.Fatalf("seed %d: %v", i, f.String())
				}
				if !strings.Contains(f.Stack, "TestGoroutineLeaks") || !strings.Contains(f.String(), "goroutines left running") {
					t.Fatalf("the finding does not show the leaked goroutine:\n%s", f.String())
				}
				return
			}
			if tt.leaks {
				t.Fatalf("no leak found over %d seeds", len(Seeds()))
			}
		})
	}
}
