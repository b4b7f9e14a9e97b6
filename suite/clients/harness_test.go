package clients_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	coder "github.com/coder/websocket"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/suite/clients"
)

// fuzzingServer starts a server over the selection on a loopback port.
func fuzzingServer(t *testing.T, include, exclude []string, tune ...func(*clients.Config)) (string, *clients.Server) {
	t.Helper()
	cs, err := cases.SelectClients(include, exclude)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	all, _ := cases.SelectClients(nil, nil)
	cfg := clients.Config{Cases: cs, Extra: all, Env: probe.Env{Timeouts: probe.DefaultTimeouts(), Scale: 1}, Tool: "test"}
	for _, f := range tune {
		f(&cfg)
	}
	srv := clients.New(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && err != context.Canceled {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Error("Serve did not return within 30 s of its context ending")
		}
	})
	return ln.Addr().String(), srv
}

// echoCase is one client library's side of one case: connect to url and
// echo every message with its type until the connection ends.
type echoCase func(ctx context.Context, url string) error

// harness is the loop Autobahn's client harnesses run, driven only
// through the control protocol: the case count, every case with echo,
// then updateReports.
func harness(t *testing.T, addr, agent string, echo echoCase) {
	t.Helper()
	base := "ws://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	msg := controlMessage(t, base+"/getCaseCount")
	var n int
	if err := json.Unmarshal(msg, &n); err != nil || n < 1 {
		t.Fatalf("getCaseCount answered %q", msg)
	}
	for i := 1; i <= n; i++ {
		// A client may refuse a case's opening handshake (section 16 tests
		// that): the case's verdict says whether it should have.
		if err := echo(ctx, fmt.Sprintf("%s/runCase?case=%d&agent=%s", base, i, url.QueryEscape(agent))); err != nil {
			t.Logf("case %d: %v", i, err)
		}
	}
	controlMessage(t, base+"/updateReports?agent="+url.QueryEscape(agent))
}

// controlMessage reads the one message a control endpoint sends (nil if
// it sends none) and lets it close.
func controlMessage(t *testing.T, url string) []byte {
	t.Helper()
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	_, msg, err := c.ReadMessage()
	if err != nil {
		if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
			return nil
		}
		t.Fatalf("%s: %v", url, err)
	}
	return msg
}

// gorillaEcho: gorilla leaves UTF-8 checking of text to the application
// ("Applications are responsible for ensuring that text messages are
// valid UTF-8"), so the harness checks, as gorilla's own Autobahn example
// does.
func gorillaEcho(ctx context.Context, url string) error {
	c, _, err := websocket.DefaultDialer.DialContext(ctx, url, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(time.Minute))
	for {
		mt, m, err := c.ReadMessage()
		if err != nil {
			return nil
		}
		if mt == websocket.TextMessage && !utf8.Valid(m) {
			c.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(time.Second))
			return nil
		}
		if err := c.WriteMessage(mt, m); err != nil {
			return nil
		}
	}
}

func coderEcho(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	c, _, err := coder.Dial(ctx, url, nil)
	if err != nil {
		return err
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	for {
		typ, m, err := c.Read(ctx)
		if err != nil {
			return nil
		}
		if err := c.Write(ctx, typ, m); err != nil {
			return nil
		}
	}
}

func gobwasEcho(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Minute))
	var rw io.ReadWriter = conn
	if br != nil {
		rw = struct {
			io.Reader
			io.Writer
		}{br, conn}
	}
	for {
		m, op, err := wsutil.ReadServerData(rw)
		if err != nil {
			return nil
		}
		if err := wsutil.WriteClientMessage(conn, op, m); err != nil {
			return nil
		}
	}
}

// TestLibrariesCertified runs Go client libraries through the harness:
// gorilla over sections 1-7 and 10, the others over focused selections.
// failing names the cases each is known to fail, each checked against
// the RFC by hand (notes/clients.md); every other case must pass.
func TestLibrariesCertified(t *testing.T) {
	none := func(*cases.Case) bool { return false }
	invalidUTF8 := func(c *cases.Case) bool { return slices.Contains(c.Labels, "invalid-utf8") }
	tests := []struct {
		name    string
		echo    echoCase
		include []string
		failing func(c *cases.Case) bool
	}{
		{"gorilla", gorillaEcho, []string{"1", "2", "3", "4", "5", "6", "7", "10"}, none},
		// coder/websocket does not check that text is UTF-8 (§8.1), in
		// messages or close reasons; its own Autobahn run excludes 6.*
		// and 7.5.1.
		{"coder", coderEcho, []string{"1.1", "2", "3", "4", "5.1", "5.6", "5.9", "6.2", "6.3", "7.1", "7.3", "7.5", "7.7", "10"},
			func(c *cases.Case) bool { return invalidUTF8(c) || c.ID == "7.5.1" }},
		// gobwas/ws fails a connection over a bad close frame with an
		// unmasked close frame whose payload is masked (§5.1, §5.3).
		{"gobwas", gobwasEcho, []string{"1.2", "2", "3", "4", "5.1", "5.6", "5.9", "6.3", "6.6", "7.1", "7.3", "7.5", "7.9"},
			func(c *cases.Case) bool {
				return slices.Contains([]string{"7.3.2", "7.5.1"}, c.ID) || c.Group() == "7.9"
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			include := tc.include
			if *sections != "" {
				include = strings.Split(*sections, ",")
			}
			addr, srv := fuzzingServer(t, include, nil)
			start := time.Now()
			harness(t, addr, tc.name, tc.echo)
			runs := srv.Runs()
			if len(runs) != 1 {
				t.Fatalf("%d runs, want 1", len(runs))
			}
			t.Logf("%s: %d cases in %v", tc.name, len(runs[0].Results), time.Since(start).Round(time.Millisecond))
			for _, r := range runs[0].Results {
				logVerdict(t, tc.name, r)
				c, _ := cases.Lookup(r.ID)
				if got, want := !r.Passes(false), tc.failing(c.ForClients()); got != want || r.Behavior == cases.NotRun {
					t.Errorf("%s: %s / %s, want failing=%t: %s | %s", r.ID, r.Behavior, r.BehaviorClose, want, r.Reason, r.CloseReason)
				}
			}
		})
	}
}
