package probe

import (
	"bufio"
	"crypto/rand"
	"encoding/base64"
	"fmt"
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

// mini is a small hand-written client harness that echoes every message;
// each flag breaks one rule on purpose.
type mini struct {
	skipAccept   bool // never looks at Sec-WebSocket-Accept
	anyProtocol  bool // takes any subprotocol the server selects
	ignoreMasked bool // reads masked server frames as if they were not
	fixedMask    bool // masks every frame with the same key
	counterMask  bool // masks with 1, 2, 3, ...
	fixedKey     bool // sends the same Sec-WebSocket-Key every time
}

func (m mini) dial(url string) {
	addr, path, _ := strings.Cut(strings.TrimPrefix(url, "ws://"), "/")
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(15 * time.Second))
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
	fr := frame.NewReader(br)
	for {
		f, err := frame.ReadFrame(fr, 1<<20)
		if err != nil {
			return // EOF or garbage: fail the connection
		}
		if f.Header.Masked && !m.ignoreMasked {
			send(frame.OpClose, frame.ClosePayload(1002, ""))
			return
		}
		switch f.Opcode {
		case frame.OpText, frame.OpBinary:
			send(f.Opcode, f.Payload)
		case frame.OpPing:
			send(frame.OpPong, f.Payload)
		case frame.OpClose:
			send(frame.OpClose, f.Payload)
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
	tests := []struct {
		name   string
		dial   func(string)
		failed []string
	}{
		{"conformant", mini{}.dial, []string{"16.1.9"}},
		{"accepts a wrong Accept key", mini{skipAccept: true}.dial, []string{"16.1.1", "16.1.9", "16.1.10"}},
		{"accepts an unoffered subprotocol", mini{anyProtocol: true}.dial, []string{"16.1.7", "16.1.9"}},
		{"ignores a masked server frame", mini{ignoreMasked: true}.dial, []string{"16.1.9", "16.4.1", "16.4.2"}},
		{"fixed mask key", mini{fixedMask: true}.dial, []string{"16.1.9", "16.3.1"}},
		{"counter mask key", mini{counterMask: true}.dial, []string{"16.1.9", "16.3.1"}},
		{"fixed Sec-WebSocket-Key", mini{fixedKey: true}.dial, []string{"16.1.9", "16.2.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startRuleServer(t)
			failed, results := s.certify(t, tt.dial)
			if !slices.Equal(failed, tt.failed) {
				t.Errorf("failed %v, want %v", failed, tt.failed)
				for _, id := range failed {
					t.Logf("%s %s: %s %v", id, results[id].Behavior, results[id].Reason, results[id].Observed)
				}
			}
			if r := results["16.1.9"]; r.Behavior != cases.Unimplemented {
				t.Errorf("16.1.9 %s, want UNIMPLEMENTED: %s", r.Behavior, r.Reason)
			}
			for _, id := range tt.failed {
				if r := results[id]; id != "16.1.9" && r.Behavior != cases.Failed {
					t.Errorf("%s %s, want FAILED: %s", id, r.Behavior, r.Reason)
				}
			}
		})
	}
}
