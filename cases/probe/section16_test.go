package probe

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"context"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// ruleServer plays section 16 cases: GET /<case id> plays that case
// against whoever connects, and every result goes to results.
type ruleServer struct {
	addr    string
	keys    KeyLog
	mu      sync.Mutex
	results map[string]cases.Result
}

func startRuleServer(t *testing.T) *ruleServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &ruleServer{addr: ln.Addr().String(), results: map[string]cases.Result{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer nc.Close()
				nc.SetReadDeadline(time.Now().Add(5 * time.Second))
				br := bufio.NewReader(nc)
				req, err := handshake.ReadRequest(br)
				if err != nil {
					return
				}
				nc.SetReadDeadline(time.Time{})
				key, _ := req.Get("Sec-WebSocket-Key")
				s.keys.Add(key)
				c, ok := cases.Lookup(strings.TrimPrefix(req.Target, "/"))
				if !ok || c.ClientRule == nil {
					nc.Write(handshake.BuildServerResponse(404, nil))
					return
				}
				r := PlayClientRule(context.Background(), c, nc, br, req, Env{Keys: &s.keys})
				s.mu.Lock()
				s.results[c.ID] = r
				s.mu.Unlock()
			}()
		}
	}()
	return s
}

// certify runs every section 16 case with dial as the client harness and
// returns the ids of those that did not pass.
func (s *ruleServer) certify(t *testing.T, dial func(url string)) (failed []string, results map[string]cases.Result) {
	t.Helper()
	for _, c := range cases.All() {
		if c.ClientRule == nil {
			continue
		}
		dial("ws://" + s.addr + "/" + c.ID)
		// The case ends on its own clock after the client has gone.
		deadline := time.Now().Add(c.Deadline(1))
		for {
			s.mu.Lock()
			_, done := s.results[c.ID]
			s.mu.Unlock()
			if done || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.results {
		if r.Behavior != cases.OK {
			failed = append(failed, id)
		}
	}
	slices.SortFunc(failed, func(a, b string) int {
		if cases.LessID(a, b) {
			return -1
		}
		return 1
	})
	return failed, s.results
}

// mini is a small hand-written client harness that echoes every message.
// It fails the connection as §7.1.7 and §7.1.1 have it: close 1002, then
// it waits for the server to close TCP; after a close handshake it waits
// a moment (a reasonable time) for the server's TCP close, then closes
// TCP itself. Each flag breaks one rule on purpose, or takes a liberty
// the RFC allows.
type mini struct {
	skipAccept   bool // never looks at Sec-WebSocket-Accept
	anyProtocol  bool // takes any subprotocol the server selects
	ignoreMasked bool // reads masked server frames as if they were not
	fixedMask    bool // masks every frame with the same key
	counterMask  bool // masks with 1, 2, 3, ...
	fixedKey     bool // sends the same Sec-WebSocket-Key every time
	silentFail   bool // fails the connection on a masked frame without a close frame, and holds TCP
	dropFail     bool // fails the connection on a masked frame by closing TCP, no close frame
	failCode     frame.CloseCode
	holdTCP      bool // after the close handshake, waits for the server's TCP close forever
}

// serverCloseWait is how long mini waits for the server's TCP close after
// a close handshake before closing TCP itself.
const serverCloseWait = 500 * time.Millisecond

func (m mini) dial(url string) {
	addr, path, _ := strings.Cut(strings.TrimPrefix(url, "ws://"), "/")
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second)) // past 16.5.2's 15 s window
	key := base64.StdEncoding.EncodeToString([]byte("wsconform-fixed!"))
	if !m.fixedKey {
		key = handshake.NewKey()
	}
	fmt.Fprintf(nc, "GET /%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wsc.a\r\n\r\n", path, addr, key)
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		return
	}
	h := resp.Header
	if resp.StatusCode != 101 || !strings.EqualFold(h.Get("Upgrade"), "websocket") || !strings.EqualFold(h.Get("Connection"), "Upgrade") {
		return
	}
	if !m.skipAccept && (len(h.Values("Sec-WebSocket-Accept")) != 1 || h.Get("Sec-WebSocket-Accept") != handshake.AcceptKey(key)) {
		return
	}
	if p := h.Get("Sec-WebSocket-Protocol"); p != "" && p != "wsc.a" && !m.anyProtocol {
		return
	}
	if h.Get("Sec-WebSocket-Extensions") != "" {
		return
	}
	n := uint32(0)
	send := func(op frame.Opcode, p []byte) {
		n++
		var k [4]byte
		switch {
		case m.fixedMask:
			k = [4]byte{1, 2, 3, 4}
		case m.counterMask:
			k = [4]byte{0, 0, byte(n >> 8), byte(n)}
		default:
			rand.Read(k[:])
		}
		nc.Write(frame.New(op, p).Masked(k).Bytes())
	}
	// awaitServerClose reads until the server closes TCP, or for wait.
	awaitServerClose := func(wait time.Duration) {
		if wait > 0 {
			nc.SetReadDeadline(time.Now().Add(wait))
		}
		io.Copy(io.Discard, br)
	}
	fr := frame.NewReader(br)
	for {
		f, err := frame.ReadFrame(fr, 1<<20)
		if err != nil {
			return // EOF or garbage: fail the connection
		}
		if f.Header.Masked && !m.ignoreMasked {
			switch {
			case m.dropFail:
			case m.silentFail:
				awaitServerClose(0)
			default:
				code := m.failCode
				if code == 0 {
					code = frame.CloseProtocolError
				}
				send(frame.OpClose, frame.ClosePayload(code, ""))
				awaitServerClose(0)
			}
			return
		}
		switch f.Opcode {
		case frame.OpText, frame.OpBinary:
			send(f.Opcode, f.Payload)
		case frame.OpPing:
			send(frame.OpPong, f.Payload)
		case frame.OpClose:
			send(frame.OpClose, f.Payload)
			if m.holdTCP {
				awaitServerClose(0)
			} else {
				awaitServerClose(serverCloseWait)
			}
			return
		}
	}
}

// TestClientRulesBrokenClients plays section 16 against a conformant
// hand-written client, and against copies of it each broken in one way;
// each must fail exactly the cases meant for it (the client libraries are
// played through the control protocol in suite/clients).
func TestClientRulesBrokenClients(t *testing.T) {
	if testing.Short() {
		t.Skip("plays section 16 against seven clients")
	}
	// 16.1.9 is UNIMPLEMENTED for every client here: none offers deflate.
	none := func(*cases.Case) bool { return false }
	id := func(ids ...string) func(*cases.Case) bool {
		return func(c *cases.Case) bool { return slices.Contains(ids, c.ID) }
	}
	answers := func(as ...cases.ClientAnswer) func(*cases.Case) bool {
		return func(c *cases.Case) bool { return slices.Contains(as, c.ClientRule.Answer) }
	}
	sendsMasked := func(c *cases.Case) bool {
		return slices.ContainsFunc(c.ClientRule.Send, func(f frame.Frame) bool { return f.Header.Masked })
	}
	// A close that does not carry the code a case names is WRONG CODE,
	// with the main verdict OK.
	namesCloseCode := func(c *cases.Case) bool { return len(c.ClientRule.CloseCodes) > 0 }
	tests := []struct {
		name      string
		dial      func(string)
		failed    func(*cases.Case) bool
		wrongCode func(*cases.Case) bool
	}{
		{"conformant", mini{}.dial, none, none},
		{"accepts a wrong Accept key", mini{skipAccept: true}.dial, answers(cases.AnswerWrongAccept, cases.AnswerTwoAccepts), none},
		{"accepts an unoffered subprotocol", mini{anyProtocol: true}.dial, answers(cases.AnswerUnofferedProto), none},
		{"ignores a masked server frame", mini{ignoreMasked: true}.dial, sendsMasked, none},
		{"fails silently, holds TCP", mini{silentFail: true}.dial, sendsMasked, none},
		{"fails by closing TCP", mini{dropFail: true}.dial, none, none},
		{"fails with close 1000", mini{failCode: frame.CloseNormal}.dial, none, namesCloseCode},
		{"holds TCP after the close handshake", mini{holdTCP: true}.dial, func(c *cases.Case) bool { return c.ClientRule.End == cases.EndCloseHold }, none},
		{"fixed mask key", mini{fixedMask: true}.dial, id("16.3.1"), none},
		{"counter mask key", mini{counterMask: true}.dial, id("16.3.1"), none},
		{"fixed Sec-WebSocket-Key", mini{fixedKey: true}.dial, id("16.2.2"), none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startRuleServer(t)
			_, results := s.certify(t, tt.dial)
			for _, c := range cases.All() {
				if c.ClientRule == nil {
					continue
				}
				r, ok := results[c.ID]
				want, wantClose := cases.OK, cases.CloseOK
				switch {
				case c.ID == "16.1.9":
					want = cases.Unimplemented
				case tt.failed(c):
					want = cases.Failed
				}
				if tt.wrongCode(c) {
					wantClose = cases.CloseWrongCode
				}
				if !ok || r.Behavior != want || r.BehaviorClose != wantClose {
					t.Errorf("%s: %s / %s, want %s / %s: %s | %s %v", c.ID, r.Behavior, r.BehaviorClose, want, wantClose, r.Reason, r.CloseReason, r.Observed)
				}
			}
			// Every failing verdict names the rule the client broke.
			for id, r := range results {
				if (r.Behavior == cases.Failed || r.BehaviorClose == cases.CloseFailed) && (r.Rule == "" || !strings.HasPrefix(r.RuleSection, "RFC ")) {
					t.Errorf("%s %s/%s names no rule (%q, %q): %s", id, r.Behavior, r.BehaviorClose, r.Rule, r.RuleSection, r.Reason)
				}
			}
		})
	}
}

// TestClientRulePlayerAnswersClientClose: a client that fails the
// connection with a close frame and then waits, as §7.1.1 asks, gets our
// close frame back (its code echoed, §5.5.1; 1002 for a code no endpoint
// may send) and then our TCP close; the verdict names both.
func TestClientRulePlayerAnswersClientClose(t *testing.T) {
	tests := []struct {
		name      string
		payload   []byte
		reply     []byte
		wantClose cases.CloseVerdict
	}{
		{"1002", frame.ClosePayload(frame.CloseProtocolError, "masked"), frame.ClosePayload(frame.CloseProtocolError, ""), cases.CloseOK},
		{"no code", nil, nil, cases.CloseOK},
		{"1000", frame.ClosePayload(frame.CloseNormal, ""), frame.ClosePayload(frame.CloseNormal, ""), cases.CloseWrongCode},
		{"1005 on the wire", frame.ClosePayload(1005, ""), frame.ClosePayload(frame.CloseProtocolError, ""), cases.CloseWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startRuleServer(t)
			nc, err := net.DialTimeout("tcp", s.addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(30 * time.Second))
			fmt.Fprintf(nc, "GET /16.4.1 HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n", s.addr, handshake.NewKey())
			br := bufio.NewReader(nc)
			if _, err := http.ReadResponse(br, nil); err != nil {
				t.Fatal(err)
			}
			fr := frame.NewReader(br)
			if f, err := frame.ReadFrame(fr, 1<<20); err != nil || !f.Header.Masked {
				t.Fatalf("first frame %+v %v, want the masked text", f, err)
			}
			nc.Write(frame.New(frame.OpClose, tt.payload).Masked([4]byte{9, 8, 7, 6}).Bytes())
			f, err := frame.ReadFrame(fr, 1<<20)
			if err != nil || f.Opcode != frame.OpClose || string(f.Payload) != string(tt.reply) {
				t.Fatalf("answer %+v %v, want close %x", f, err, tt.reply)
			}
			if _, err := frame.ReadFrame(fr, 1<<20); err != io.EOF {
				t.Fatalf("after the close: %v, want EOF (the server closes TCP)", err)
			}
			var r cases.Result
			for give := time.Now().Add(30 * time.Second); r.ID == "" && time.Now().Before(give); {
				time.Sleep(5 * time.Millisecond)
				s.mu.Lock()
				r = s.results["16.4.1"]
				s.mu.Unlock()
			}
			if r.Behavior != cases.OK || r.BehaviorClose != tt.wantClose || !slices.ContainsFunc(r.Observed, func(o string) bool { return strings.HasPrefix(o, "we closed TCP after the client's close frame") }) {
				t.Errorf("%s / %s, want OK / %s: %s | %s %v", r.Behavior, r.BehaviorClose, tt.wantClose, r.Reason, r.CloseReason, r.Observed)
			}
		})
	}
}
