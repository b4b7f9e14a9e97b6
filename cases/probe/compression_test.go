package probe_test

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

// TestCompressionSectionsReference runs all of sections 12 and 13 against
// the reference server (minutes: set WSCONFORM_COMPRESSION=1, or run the
// subset in TestCompressionSmokeReference). Every case is OK: offers with
// server_max_window_bits=9 (13.3, 13.5, 13.7) are honoured by compressing
// without back-references.
func TestCompressionSectionsReference(t *testing.T) {
	if os.Getenv("WSCONFORM_COMPRESSION") == "" {
		t.Skip("set WSCONFORM_COMPRESSION=1 to run the 216 compression cases (minutes)")
	}
	checkCompressionReference(t, selectCases(t, []string{"12", "13"}, nil))
}

func checkCompressionReference(t *testing.T, sel []*cases.Case) {
	checkCompressionAgainst(t, server.Config{}, sel)
}

func checkCompressionAgainst(t *testing.T, cfg server.Config, sel []*cases.Case) {
	url := startReference(t, cfg)
	start := time.Now()
	results := runCases(t, url, sel)
	t.Logf("%d compression cases in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		r := results[c.ID]
		want := cases.OK
		if r.Behavior != want || !r.Passes(true) {
			t.Errorf("want %s: %s", want, describeResult(r))
			continue
		}
		if want == cases.OK && (r.Perf == nil || r.Perf.Messages != 1000 || r.Perf.CompressionRatio <= 0 || r.Perf.SentCompressionRatio <= 0) {
			t.Errorf("%s: perf stats %+v", c.ID, r.Perf)
		}
	}
}

// TestCompressionSmokeReference is the default-run share of sections 12
// and 13: for every subsection the smallest message size, and a
// fragmented variant once (12.1.11: 8 KiB messages in 256-octet frames).
func TestCompressionSmokeReference(t *testing.T) {
	checkCompressionReference(t, selectCases(t, []string{"12.*.1", "13.*.1", "12.1.11"}, nil))
}

// TestCompressionSmokeEmbedded: the server `wsconform run` starts (stored
// echoes) passes a text, a binary, a fragmented and a window-bits-9
// subsection's cases too.
func TestCompressionSmokeEmbedded(t *testing.T) {
	checkCompressionAgainst(t, server.Embedded(), selectCases(t, []string{"12.1.1", "12.2.1", "12.1.11", "13.5.1"}, nil))
}

// TestCompressionNodeWSAgreesWithAutobahn runs 12.1.x and 13.1.x against
// node-ws (permessage-deflate on) and compares with Autobahn's verdicts
// for the same server (shared/peers/autobahn-verdicts/node-ws.tsv). A close
// verdict Autobahn recorded as UNCLEAN (13.1.13, timing-dependent per the
// peers README) may also come out OK.
func TestCompressionNodeWSAgreesWithAutobahn(t *testing.T) {
	if os.Getenv("WSCONFORM_COMPRESSION") == "" {
		t.Skip("set WSCONFORM_COMPRESSION=1 to run the compression cases against node-ws (minutes)")
	}
	url := PeerURLs(t)["node-ws"]
	want := readAutobahnVerdicts(t, "node-ws")
	sel := selectCases(t, []string{"12.1", "13.1"}, nil)
	start := time.Now()
	results := runCasesWith(t, url, sel, peerTimeouts())
	t.Logf("%d compression cases against node-ws in %v", len(sel), time.Since(start).Round(time.Millisecond))
	for _, c := range sel {
		w, ok := want[c.ID]
		if !ok {
			t.Errorf("%s: no Autobahn verdict for node-ws", c.ID)
			continue
		}
		r := results[c.ID]
		closeAgrees := string(r.BehaviorClose) == w.behaviorClose || w.behaviorClose == string(cases.CloseUnclean) && r.BehaviorClose == cases.CloseOK
		if string(r.Behavior) != w.behavior || !closeAgrees {
			t.Errorf("Autobahn says %s/%s: %s", w.behavior, w.behaviorClose, describeResult(r))
		}
		if r.Perf != nil {
			t.Logf("%s: %v, ratio %.3f (ours %.3f)", c.ID, r.Duration.Round(time.Millisecond), r.Perf.CompressionRatio, r.Perf.SentCompressionRatio)
		}
	}
}

// TestCompressionVerdicts: a target without permessage-deflate is
// UNIMPLEMENTED (closing normally), and one that agrees to
// server_no_context_takeover but keeps its context FAILS the offer sets
// that ask for it while passing those that do not. 13.7's first offer also
// limits the server's window to 9 bits, so the server compresses without
// back-references and the kept context is never referred to: OK.
func TestCompressionVerdicts(t *testing.T) {
	tests := []struct {
		name string
		cfg  server.Config
		want map[string]cases.Verdict
	}{
		{"deflate disabled", server.Config{DisableDeflate: true},
			map[string]cases.Verdict{"12.1.1": cases.Unimplemented, "12.3.2": cases.Unimplemented, "13.7.1": cases.Unimplemented}},
		{"server_no_context_takeover ignored", server.Config{Faults: server.Faults{DeflateKeepContext: true}},
			map[string]cases.Verdict{"13.1.3": cases.OK, "13.2.3": cases.Failed, "13.6.3": cases.Failed, "13.7.3": cases.OK}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := startReference(t, tt.cfg)
			var ids []string
			for id := range tt.want {
				ids = append(ids, id)
			}
			results := runCases(t, url, selectCases(t, ids, nil))
			requireRuleOnEveryFailure(t, results)
			for id, want := range tt.want {
				r := results[id]
				// When we fail the connection, the close verdict is that of any
				// case the target broke (the code it echoes is ours).
				if r.Behavior != want || want != cases.Failed && r.BehaviorClose != cases.CloseOK {
					t.Errorf("want %s: %s", want, describeResult(r))
				}
				if want == cases.Failed && !strings.Contains(r.Reason, "pmd-invalid-compressed-data") {
					t.Errorf("%s: reason %q does not name the broken rule", id, r.Reason)
				}
			}
		})
	}
}

// plainDeflateServer accepts every connection with a bare
// "permessage-deflate", whatever was offered (what eight of eleven
// deflate-capable servers tried answered 13.2-13.6), then reads until the
// client goes.
func plainDeflateServer(t *testing.T) string {
	return serveWS(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		if _, ok, _ := handshake.Answer(c, br, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: "permessage-deflate"}); ok {
			io.Copy(io.Discard, br)
		}
	})
}

// An acceptance that does not echo server_no_context_takeover or answer
// server_max_window_bits answers no offer (RFC 7692 §7.1.1.1, §7.1.2.1):
// FAILED at the opening handshake, with the clause, in 13.2-13.6.
func TestCompressionAnswerWithoutServerParams(t *testing.T) {
	url := plainDeflateServer(t)
	want := map[string]string{
		"13.2.1": "RFC 7692 §7.1.1.1", "13.3.1": "RFC 7692 §7.1.2.1", "13.4.1": "RFC 7692 §7.1.2.1",
		"13.5.1": "RFC 7692 §7.1.1.1", "13.6.1": "RFC 7692 §7.1.1.1",
	}
	var ids []string
	for id := range want {
		ids = append(ids, id)
	}
	results := runCases(t, url, selectCases(t, ids, nil))
	for id, clause := range want {
		r := results[id]
		if r.Behavior != cases.Failed || r.BehaviorClose != cases.CloseFailed || !strings.Contains(r.Reason, clause) || !strings.Contains(r.Reason, `"permessage-deflate"`) {
			t.Errorf("want FAILED naming %s and the answer: %s", clause, describeResult(r))
		}
		if r.Perf != nil || r.Handshake == nil || r.Handshake.Status != 101 {
			t.Errorf("%s: perf %+v, handshake %+v", id, r.Perf, r.Handshake)
		}
	}
}

// recordingDeflateServer answers with answer, then inflates every
// compressed message (keeping its window across messages unless
// noContext), records its compressed octets, and echoes it uncompressed;
// it answers a close and ends.
func recordingDeflateServer(t *testing.T, answer string, noContext bool, record func(compressed []byte)) probe.Target {
	return answeringServer(t, answer, func(c net.Conn, r *frame.Reader) {
		in := deflate.NewDecompressor(noContext, 1<<20)
		var msg []byte
		var op frame.Opcode
		for {
			f, err := frame.ReadFrame(r, 1<<20)
			if err != nil {
				return
			}
			switch {
			case f.Opcode == frame.OpClose:
				c.Write(frame.New(frame.OpClose, f.Payload).Append(nil))
				return
			case f.Opcode != frame.OpContinuation:
				op, msg = f.Opcode, msg[:0]
			}
			msg = append(msg, f.Payload...)
			if !f.Fin {
				continue
			}
			record(append([]byte(nil), msg...))
			plain, err := in.Decompress(nil, msg)
			if err != nil {
				t.Errorf("inflating message: %v", err)
				return
			}
			c.Write(frame.New(op, plain).Append(nil))
		}
	})
}

// A compression plan repeats its walk through the document. With no
// context takeover on our side each distinct message is compressed once
// and sent again as the same octets; with context takeover every message
// is compressed anew against the window (a repeat differs), and the
// target's inflater keeping its window decodes it. Either way every echo
// matches and every message counts in the statistics.
func TestCompressionRepeatsTheWalk(t *testing.T) {
	base, ok := cases.Lookup("12.1.6") // 8 KiB messages of the JSON document
	if !ok {
		t.Fatal("no case 12.1.6")
	}
	walk := len(base.Compression.Walk())
	for _, tt := range []struct {
		name      string
		offer     deflate.Params
		answer    string
		noContext bool
		same      bool // a repeat is sent as the same octets
	}{
		{"client_no_context_takeover", deflate.Params{ClientNoContextTakeover: true}, "permessage-deflate; client_no_context_takeover", true, true},
		{"context takeover", deflate.Params{}, "permessage-deflate", false, false},
		// RFC 7692 §7.1.1.2: the hint in our offer is a promise even when
		// the answer leaves it out; this server relies on it.
		{"client_no_context_takeover offered, not answered", deflate.Params{ClientNoContextTakeover: true}, "permessage-deflate", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := *base
			p := *c.Compression
			p.Offers, p.Count = []deflate.Params{tt.offer}, walk+3
			c.Compression = &p
			var mu sync.Mutex
			var sent [][]byte
			target := recordingDeflateServer(t, tt.answer, tt.noContext, func(z []byte) {
				mu.Lock()
				sent = append(sent, z)
				mu.Unlock()
			})
			r := probe.Run(t.Context(), &c, probe.Env{Target: target, Timeouts: fastTimeouts(), Scale: 1})
			if r.Behavior != cases.OK {
				t.Fatalf("want OK: %s", describeResult(r))
			}
			octets := 0
			for _, msg := range p.Messages() {
				octets += len(msg)
			}
			if r.Perf == nil || r.Perf.Messages != p.Count || r.Perf.OctetsSent != int64(octets) {
				t.Errorf("perf %+v; want %d messages of %d octets in all", r.Perf, p.Count, octets)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sent) != p.Count {
				t.Fatalf("server got %d messages, want %d", len(sent), p.Count)
			}
			for i := walk; i < p.Count; i++ {
				if same := bytes.Equal(sent[i], sent[i-walk]); same != tt.same {
					t.Errorf("message %d sent as message %d was: %t, want %t", i+1, i-walk+1, same, tt.same)
				}
			}
		})
	}
}
