package probe_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// A fakeServer is just enough of a WebSocket server to be broken on
// purpose: it judges requests with reference/handshake, lets a fault change
// the answer, and echoes single-frame messages until a close.
type fakeServer struct {
	l     net.Listener
	fault fault
	wg    sync.WaitGroup
}

// fault bends one decision of the fake server.
type fault struct {
	// answer may replace the status and fields the reference validator
	// chose; status 0 closes the connection without an answer.
	answer func(req *handshake.Request, status int, fields []handshake.Field) (int, []handshake.Field)
	// dropBuffered discards octets that arrived with the request (pipelined frames).
	dropBuffered bool
	// dieOnHugeHeader closes the listener when a header block is too large.
	dieOnHugeHeader bool
}

// fakeHandshakeTimeout keeps the stalled-request case short.
const fakeHandshakeTimeout = 2 * time.Second

func startFake(t *testing.T, f fault) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{l: l, fault: f}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { l.Close(); s.wg.Wait() })
	return "ws://" + l.Addr().String() + "/"
}

func (s *fakeServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.l.Accept()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.session(c)
		}()
	}
}

func (s *fakeServer) session(c net.Conn) {
	c.SetDeadline(time.Now().Add(fakeHandshakeTimeout))
	br := bufio.NewReader(c)
	req, err := handshake.ReadRequest(br)
	if errors.Is(err, handshake.ErrHeaderTooLarge) {
		if s.fault.dieOnHugeHeader {
			s.l.Close()
			return
		}
		c.Write(handshake.BuildServerResponse(431, nil))
		return
	}
	if err != nil {
		return
	}
	status, fields, _ := handshake.ValidateRequest(req)
	if s.fault.answer != nil {
		status, fields = s.fault.answer(req, status, fields)
	}
	if status == 0 { // the fault closes without an answer
		return
	}
	c.Write(handshake.BuildServerResponse(status, fields))
	if status != 101 {
		return
	}
	if s.fault.dropBuffered {
		br.Discard(br.Buffered())
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	echo(c, br)
}

// echo answers each data frame with the same message and a close with a
// close, then ends the connection.
func echo(c net.Conn, br *bufio.Reader) {
	fr := frame.NewReader(br)
	for {
		h, err := fr.Next()
		if err != nil {
			return
		}
		payload, err := io.ReadAll(fr)
		if err != nil {
			return
		}
		c.Write(frame.New(h.Opcode, payload).Bytes())
		if h.Opcode == frame.OpClose {
			c.(*net.TCPConn).CloseWrite()
			io.Copy(io.Discard, br)
			return
		}
	}
}

// asValid answers req as the reference would if edit made it valid.
func asValid(req *handshake.Request, edit func(*handshake.Request)) (int, []handshake.Field) {
	fixed := *req
	fixed.Header = append([]handshake.Field(nil), req.Header...)
	edit(&fixed)
	status, fields, _ := handshake.ValidateRequest(&fixed)
	return status, fields
}

func ids(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, prefix+"."+strconv.Itoa(i))
	}
	return out
}

func TestHandshakeSectionCatchesBrokenServers(t *testing.T) {
	t.Parallel()
	sel := handshakeSection(t)
	hasOffer := func(r *handshake.Request, name string) bool {
		v, _ := r.Get(name)
		return v != ""
	}
	refuseIf := func(when func(r *handshake.Request) bool) fault {
		return fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
			if st == 101 && when(r) {
				return 400, nil
			}
			return st, f
		}}
	}
	tests := []struct {
		name  string
		fault fault
		fails []string // the cases that do not pass in strict mode
		// verdicts pins the main verdict of some cases.
		verdicts map[string]cases.Verdict
		// rules pins the rule (Result.Rule) some failing cases name.
		rules map[string]string
	}{
		{name: "conformant", fault: fault{}, fails: nil},
		{
			name: "accepts version 8",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if v, _ := r.Get("Sec-WebSocket-Version"); v == "8" {
					return asValid(r, func(r *handshake.Request) { r.Set("Sec-WebSocket-Version", "13") })
				}
				return st, f
			}},
			// §4.4 lets a server accept a version it understands.
			verdicts: map[string]cases.Verdict{"15.3.2": cases.Informational},
		},
		{
			name: "accepts any version",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 426 {
					return asValid(r, func(r *handshake.Request) { r.Set("Sec-WebSocket-Version", "13") })
				}
				return st, f
			}},
			fails:    []string{"15.3.1", "15.3.3", "15.3.4", "15.3.5", "15.3.6"},
			verdicts: map[string]cases.Verdict{"15.3.1": cases.Failed, "15.3.2": cases.Informational},
			rules:    map[string]string{"15.3.1": "handshake-unsupported-version-not-refused"},
		},
		{
			name: "400 with the version field on a bad version",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 426 {
					return 400, f
				}
				return st, f
			}},
			// "such as 426": another error with the field misses only the example.
			fails:    ids("15.3", 1, 6),
			verdicts: map[string]cases.Verdict{"15.3.1": cases.NonStrict, "15.3.6": cases.NonStrict},
		},
		{
			name: "closes on a bad version without an answer",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 426 {
					return 0, nil
				}
				return st, f
			}},
			fails:    ids("15.3", 1, 6),
			verdicts: map[string]cases.Verdict{"15.3.1": cases.Failed, "15.3.5": cases.Failed},
		},
		{
			name: "no 426 on a bad version",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 426 {
					return 400, nil
				}
				return st, f
			}},
			// §4.4: the Sec-WebSocket-Version field is a MUST.
			fails:    ids("15.3", 1, 6),
			verdicts: map[string]cases.Verdict{"15.3.1": cases.Failed, "15.3.4": cases.Failed},
		},
		{
			name: "wrong accept key",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 101 {
					key, _ := r.Get("Sec-WebSocket-Key")
					f[2].Value = handshake.AcceptKey(key + " ")
				}
				return st, f
			}},
			// every case that sees a 101: the accepting ones, the negotiations,
			// the cross-site Origin, and 15.7.1's second handshake.
			fails: append(append(append(ids("15.1", 1, 11), ids("15.4", 1, 5)...), ids("15.5", 1, 6)...), "15.6.4", "15.7.1"),
			rules: map[string]string{"15.1.1": "response-accept-mismatch", "15.7.1": "handshake-request-broke-server"},
		},
		{
			name: "picks a subprotocol that was not offered",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if st == 101 && hasOffer(r, "Sec-WebSocket-Protocol") {
					f = append(f, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: "wsconform-unoffered"})
				}
				return st, f
			}},
			fails: ids("15.4", 1, 5),
		},
		{
			name: "picks two offered subprotocols",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if ps := r.Values("Sec-WebSocket-Protocol"); st == 101 && len(ps) > 0 {
					all := handshake.Tokens(strings.Join(ps, ","))
					if len(all) > 1 {
						f = append(f, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: all[0] + ", " + all[1]})
					}
				}
				return st, f
			}},
			fails: ids("15.4", 2, 5),
		},
		{
			name: "accepts POST",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if r.Method == "POST" {
					return asValid(r, func(r *handshake.Request) { r.Method = "GET" })
				}
				return st, f
			}},
			fails: []string{"15.2.1"},
			rules: map[string]string{"15.2.1": "handshake-invalid-request-not-refused"},
		},
		{
			name: "accepts HTTP/1.0 and a duplicated key",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				return asValid(r, func(r *handshake.Request) {
					r.Proto = "HTTP/1.1"
					if keys := r.Values("Sec-WebSocket-Key"); len(keys) > 1 {
						r.Set("Sec-WebSocket-Key", keys[0])
					}
				})
			}},
			fails: []string{"15.2.3", "15.2.12"},
		},
		{
			name: "accepts hixie-76",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if hasOffer(r, "Sec-WebSocket-Key1") {
					return 101, []handshake.Field{{Name: "Upgrade", Value: "WebSocket"}, {Name: "Connection", Value: "Upgrade"},
						{Name: "Sec-WebSocket-Location", Value: "ws://127.0.0.1" + r.Target}}
				}
				return st, f
			}},
			fails: []string{"15.6.1"},
		},
		{
			name: "accepts permessage-deflate whatever the parameters",
			fault: fault{answer: func(r *handshake.Request, st int, f []handshake.Field) (int, []handshake.Field) {
				if v, _ := r.Get("Sec-WebSocket-Extensions"); st == 101 && strings.Contains(v, "permessage-deflate") {
					f = append(f, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: "permessage-deflate"})
				}
				return st, f
			}},
			fails: []string{"15.5.3", "15.5.4", "15.5.5"}, // 15.5.3 offered server_no_context_takeover, which the answer drops
		},
		// §4.1: the client broke the rule first; recorded only.
		{name: "loses a pipelined first frame", fault: fault{dropBuffered: true}, verdicts: map[string]cases.Verdict{"15.1.11": cases.Informational}},
		{
			name: "refuses lower-case field names",
			fault: refuseIf(func(r *handshake.Request) bool {
				_, lower := r.Get("Host")
				return lower && r.Header[0].Name == "host"
			}),
			// it accepts the same request spelled canonically: RFC 7230 §3.2
			fails: []string{"15.1.2"},
			rules: map[string]string{"15.1.2": "handshake-same-request-refused"},
		},
		{
			name:  "refuses subprotocol offers",
			fault: refuseIf(func(r *handshake.Request) bool { return len(r.Values("Sec-WebSocket-Protocol")) > 0 }),
			// §4.2.2 lets a server refuse
			verdicts: map[string]cases.Verdict{"15.4.1": cases.Informational, "15.4.5": cases.Informational},
		},
		{
			name:  "refuses extension offers",
			fault: refuseIf(func(r *handshake.Request) bool { return len(r.Values("Sec-WebSocket-Extensions")) > 0 }),
			// RFC 7692 §5 / §9.1: decline the offer, not the connection
			fails:    ids("15.5", 1, 6),
			verdicts: map[string]cases.Verdict{"15.5.1": cases.NonStrict, "15.5.2": cases.NonStrict},
			rules:    map[string]string{"15.5.1": "handshake-extension-offer-refused"},
		},
		{
			name:  "declines every handshake",
			fault: refuseIf(func(*handshake.Request) bool { return true }),
			// a refusal that the minimal request also gets says nothing about
			// the variation (§4.2.2); 15.7.1's second handshake is refused.
			fails:    []string{"15.7.1"},
			verdicts: map[string]cases.Verdict{"15.1.1": cases.Informational, "15.1.2": cases.Informational, "15.1.9": cases.Informational, "15.5.2": cases.Informational},
		},
		{name: "dies on a huge header block", fault: fault{dieOnHugeHeader: true}, fails: []string{"15.7.1"},
			rules: map[string]string{"15.7.1": "handshake-request-broke-server"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := startFake(t, tc.fault)
			// The oversized request may take the server down: run it last.
			var first, last []*cases.Case
			for _, c := range sel {
				if c.ID == "15.7.1" {
					last = append(last, c)
				} else {
					first = append(first, c)
				}
			}
			results := runHandshakeSection(t, url, first)
			for id, r := range runHandshakeSection(t, url, last) {
				results[id] = r
			}
			for id, want := range tc.verdicts {
				if r := results[id]; r.Behavior != want {
					t.Errorf("%s: %s (%s), want %s", id, r.Behavior, r.Reason, want)
				}
			}
			for id, want := range tc.rules {
				if r := results[id]; r.Rule != want {
					t.Errorf("%s: rule %q (%s), want %q", id, r.Rule, r.RuleSection, want)
				}
			}
			got := failing(results)
			// Like every other section, a case whose answer FAILS or is
			// NON-STRICT names the rule broken: its stable id and the RFC
			// section.
			for _, id := range got {
				r := results[id]
				if r.Behavior != cases.Failed && r.Behavior != cases.NonStrict {
					continue
				}
				if r.Rule == "" || !strings.HasPrefix(r.RuleSection, "RFC ") {
					t.Errorf("%s %s: rule %q, section %q: %s", id, r.Behavior, r.Rule, r.RuleSection, r.Reason)
				}
			}
			if !reflect.DeepEqual(got, tc.fails) {
				t.Errorf("failing cases %v, want %v", got, tc.fails)
				for _, id := range got {
					t.Logf("%s: %s / %s: %s", id, results[id].Behavior, results[id].BehaviorClose, results[id].Reason)
				}
			}
		})
	}
}
