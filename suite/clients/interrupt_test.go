package clients_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/suite/clients"
)

// A case cut short by the end of the run (Ctrl-C, /stopServer) says
// nothing about the client: it is NOT RUN, never FAILED.
func TestInterruptedCaseIsNotRun(t *testing.T) {
	cs, err := cases.SelectClients([]string{"6.4.1"}, nil) // pauses 1 s between its fragments
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := clients.New(clients.Config{Cases: cs, Env: probe.Env{Timeouts: probe.DefaultTimeouts(), Scale: 1}, Tool: "test"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	c, _, err := websocket.DefaultDialer.Dial("ws://"+ln.Addr().String()+"/runCase?case=1&agent=silent", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	c.ReadMessage() // the first fragment; the client echoes nothing
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return within 30 s of its context ending")
	}
	for _, run := range srv.Runs() {
		for _, r := range run.Results {
			if r.Behavior != cases.NotRun {
				t.Errorf("%s against %s: %s (%s), want NOT RUN: the run ended, the client did nothing wrong", r.ID, run.Target.Agent, r.Behavior, r.Reason)
			}
		}
	}
}
