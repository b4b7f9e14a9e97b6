package clients_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestControlProtocol checks each endpoint as Autobahn's fuzzingserver
// answers it.
func TestControlProtocol(t *testing.T) {
	addr, srv := fuzzingServer(t, []string{"1.1.1", "1.1.2", "7.7.8"}, nil)
	base := "ws://" + addr
	read := func(path string, v any) {
		t.Helper()
		msg := controlMessage(t, base+path)
		if err := json.Unmarshal(msg, v); err != nil {
			t.Fatalf("%s answered %q: %v", path, msg, err)
		}
	}
	var n int
	if read("/getCaseCount", &n); n != 3 {
		t.Errorf("getCaseCount = %d, want 3", n)
	}
	var info struct{ ID, Description string }
	if read("/getCaseInfo?case=3", &info); info.ID != "7.7.8" || info.Description == "" {
		t.Errorf("getCaseInfo?case=3 = %+v", info)
	}

	// getCaseStatus waits for the case, which runs meanwhile by casetuple
	// (a case outside the selection, too).
	status := make(chan string, 1)
	go func() {
		var s struct{ Behavior string }
		c, _, err := websocket.DefaultDialer.Dial(base+"/getCaseStatus?case=1&agent=a", nil)
		if err != nil {
			status <- err.Error()
			return
		}
		defer c.Close()
		c.SetReadDeadline(time.Now().Add(time.Minute))
		_, msg, err := c.ReadMessage()
		if err == nil {
			err = json.Unmarshal(msg, &s)
		}
		if err != nil {
			status <- err.Error()
			return
		}
		status <- s.Behavior
	}()
	select {
	case s := <-status:
		t.Fatalf("getCaseStatus answered %q before the case ran", s)
	case <-time.After(200 * time.Millisecond):
	}
	for _, path := range []string{"/runCase?casetuple=1.1.1&agent=a", "/runCase?casetuple=2.1&agent=a"} {
		if err := gorillaEcho(context.Background(), base+path); err != nil {
			t.Fatal(err)
		}
	}
	if s := <-status; s != "OK" {
		t.Errorf("getCaseStatus = %q, want OK", s)
	}
	controlMessage(t, base+"/updateReports?agent=a") // answered once no case is being played
	run := srv.Runs()[0]
	if got := run.Results[0].Reproduce; got != "wsconform clients --cases 1.1.1" {
		t.Errorf("reproduce %q", got)
	}
	if len(run.Results) != 4 || run.Results[3].ID != "2.1" || run.Results[1].Behavior != "NOT RUN" {
		t.Errorf("runs: %d results, last %s, second %s", len(run.Results), run.Results[len(run.Results)-1].ID, run.Results[1].Behavior)
	}

	for path, want := range map[string]int{
		"/runCase?case=4&agent=a":           400, // only 3 selected
		"/runCase?case=1":                   400, // no agent
		"/runCase?casetuple=14.1.1&agent=a": 400, // tests servers only
		"/getCaseInfo?case=0":               400,
		"/nowhere":                          404,
	} {
		_, resp, err := websocket.DefaultDialer.Dial(base+path, nil)
		if err == nil || resp == nil || resp.StatusCode != want {
			code := 0
			if resp != nil {
				code = resp.StatusCode
			}
			t.Errorf("%s: status %d (%v), want %d", path, code, err, want)
		}
	}

	// A status query for a case that never runs must not hold the server.
	waiting, _, err := websocket.DefaultDialer.Dial(base+"/getCaseStatus?case=2&agent=a", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer waiting.Close()
	controlMessage(t, base+"/stopServer")
	select {
	case <-srv.Stopped():
	case <-time.After(10 * time.Second):
		t.Fatal("not stopped")
	}
	waiting.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, _, err := waiting.ReadMessage(); err == nil || strings.Contains(err.Error(), "timeout") {
		t.Errorf("the pending status query was not ended by /stopServer: %v", err)
	}
	if _, err := http.Get("http://" + addr + "/getCaseCount"); err == nil {
		// Serve closes the listener once stopped.
		time.Sleep(100 * time.Millisecond)
		if _, err := http.Get("http://" + addr + "/getCaseCount"); err == nil {
			t.Error("still accepting after /stopServer")
		}
	}
}
