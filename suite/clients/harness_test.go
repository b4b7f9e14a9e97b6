package clients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/suite/clients"
)

// fuzzingServer starts a server over the selection on a loopback port.
func fuzzingServer(t *testing.T, include, exclude []string) (string, *clients.Server) {
	t.Helper()
	cs, err := cases.SelectClients(include, exclude)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := clients.New(clients.Config{Cases: cs, Env: cases.Env{Timeouts: probe.DefaultTimeouts(), Scale: 1}, Tool: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && err != context.Canceled {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String(), srv
}

// gorillaHarness is the loop Autobahn's client harnesses run: the case
// count, then every case echoing whatever comes, then updateReports.
func gorillaHarness(t *testing.T, addr, agent string) {
	base := "ws://" + addr
	c, _, err := websocket.DefaultDialer.Dial(base+"/getCaseCount", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, msg, err := c.ReadMessage()
	c.Close()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := json.Unmarshal(msg, &n); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		c, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, agent), nil)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		c.SetReadDeadline(time.Now().Add(time.Minute))
		for {
			mt, m, err := c.ReadMessage()
			if err != nil {
				break
			}
			if err := c.WriteMessage(mt, m); err != nil {
				break
			}
		}
		c.Close()
	}
	c, _, err = websocket.DefaultDialer.Dial(base+"/updateReports?agent="+agent, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.ReadMessage()
	c.Close()
}

func TestGorillaQuick(t *testing.T) {
	addr, srv := fuzzingServer(t, []string{"1", "2", "3", "4", "5", "7", "10"}, nil)
	gorillaHarness(t, addr, "gorilla")
	for _, run := range srv.Runs() {
		for _, r := range run.Results {
			if !r.Passes(false) {
				t.Errorf("%s %s: %s / %s: %s | %s", run.Target.Agent, r.ID, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
			}
		}
	}
}

func TestDump(t *testing.T) {
	addr, srv := fuzzingServer(t, []string{"1.1.1", "2.1", "2.10", "3.2", "5.19", "6.4", "7.1.1", "7.7.8", "7.9.1", "6.3.1"}, nil)
	gorillaHarness(t, addr, "gorilla")
	for _, run := range srv.Runs() {
		for _, r := range run.Results {
			t.Logf("%s %s %v: %s / %s: %s | %s", run.Target.Agent, r.ID, r.Duration, r.Behavior, r.BehaviorClose, r.Reason, r.CloseReason)
		}
	}
}
