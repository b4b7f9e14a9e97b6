package conformtest_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/suite/conformtest"
)

// clients are the clients a child can certify, by name.
var clients = map[string]conformtest.Dial{
	"gorilla": gorillaClientEcho(false),
	// Its bug: pings get no pong.
	"gorilla-no-pong": gorillaClientEcho(true),
}

// gorillaClientEcho is gorilla/websocket's client, echoing.
func gorillaClientEcho(noPong bool) conformtest.Dial {
	return func(ctx context.Context, url string) error {
		d := websocket.Dialer{EnableCompression: true}
		c, _, err := d.DialContext(ctx, url, nil)
		if err != nil {
			return err
		}
		defer c.Close()
		if noPong {
			c.SetPingHandler(func(string) error { return nil })
		}
		c.SetReadLimit(64 << 20)
		for {
			mt, msg, err := c.ReadMessage()
			if err != nil {
				return nil // the library answers the close
			}
			if err := c.WriteMessage(mt, msg); err != nil {
				return nil
			}
		}
	}
}

// gorilla/websocket's client, certified in process. It departs where its
// server does (it leaves UTF-8 to the application) and in the opening
// handshake: it takes a 101 with two Sec-WebSocket-Accept fields for valid
// (16.1.10), and one selecting a subprotocol or extension it did not offer
// (16.1.7, 16.1.8: left out here, each waits 6 s for the client to close).
func TestGorillaClient(t *testing.T) {
	utf8 := gorillaReasons["6."]
	conformtest.Client(t, gorillaClientEcho(false), inProcessScale,
		conformtest.Exclude(append([]string{"16.1.7", "16.1.8"}, slowForMakeTest...)...),
		conformtest.Departures(map[string]string{
			"6.3.*": utf8, "6.6.*": utf8, "6.8.*": utf8, "6.10.*": utf8, "6.11.*": utf8,
			"6.12.*": utf8, "6.13.*": utf8, "6.14.*": utf8, "6.15.*": utf8, "6.16.*": utf8, "6.17.*": utf8,
			"6.18.*": utf8, "6.19.*": utf8, "6.20.*": utf8, "6.21.*": utf8,
			"16.1.10": "gorilla/websocket's client reads two Sec-WebSocket-Accept fields as one valid answer (RFC 6455 §11.3.3)",
		}))
}

// A client whose only bug is that it answers no ping fails exactly the
// subtests of the client cases that need a pong, and nothing else.
func TestBrokenClientFailsOnlyItsBug(t *testing.T) {
	globs := []string{"1.*", "2.*", "3.*", "4.*", "5.*"}
	sel, err := cases.SelectClients(globs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, c := range sel {
		if needsPong(c) {
			want = append(want, c.ID)
		}
	}
	if len(want) == 0 {
		t.Fatal("no selected case needs a pong: the test proves nothing")
	}
	// The cases that fail wait out their timers: a shorter scale.
	run := runCertifyChild(t, childPlan{Client: "gorilla-no-pong", Cases: globs, Scale: 1.5})
	if got := run.failing(); !slices.Equal(got, want) {
		t.Errorf("failed subtests %v, want the cases that need a pong %v", got, want)
	}
	for _, c := range sel {
		if status := run.subtests[c.ID]; !slices.Contains(want, c.ID) && status != "PASS" {
			t.Errorf("%s: %s, want PASS", c.ID, status)
		}
	}
}
