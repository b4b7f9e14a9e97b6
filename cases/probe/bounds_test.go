package probe_test

import (
	"bytes"
	"compress/flate"
	"fmt"
	"io"
	"math"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// discardReads reads what the probe sends (pongs, the close) so that its
// writes never block; untilClosed waits until the probe has closed TCP.
func discardReads(c net.Conn) (untilClosed func()) {
	done := make(chan struct{})
	go func() { io.Copy(io.Discard, c); close(done) }()
	return func() { <-done }
}

// awaitMessage waits until the probe has recorded n messages.
func awaitMessage(t *testing.T, conn *probe.Conn, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for conn.MessageCount() < n {
		select {
		case <-conn.Wake():
		case <-deadline:
			t.Fatalf("%d of %d messages after 10 s", conn.MessageCount(), n)
		}
	}
}

// allocated is how many octets the process allocates while f runs.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestEventRecordKeepsFirstAndLast: a target that sends thousands of pings
// leaves the first EventHead events and the last EventTail in the record,
// with one observed.Omitted event counting the rest between them; the wire log keeps
// its own first and last entries the same way.
func TestEventRecordKeepsFirstAndLast(t *testing.T) {
	const extra = 1000
	pings := probe.EventHead + probe.EventTail + extra
	target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
		untilClosed := discardReads(c)
		var b []byte
		for i := range pings {
			b = frame.New(frame.OpPing, fmt.Appendf(nil, "%d", i)).Append(b)
		}
		b = frame.New(frame.OpText, []byte("last")).Append(b)
		c.Write(b)
		untilClosed()
	})
	conn := open(t, target)
	defer conn.Abort()
	awaitMessage(t, conn, 1)

	events := conn.Events()
	if n := len(events); n != probe.EventHead+1+probe.EventTail || n != conn.EventCount() {
		t.Fatalf("%d events (EventCount %d), want %d", n, conn.EventCount(), probe.EventHead+1+probe.EventTail)
	}
	if e := events[0]; e.Kind != observed.Ping || string(e.Payload) != "0" {
		t.Errorf("first event %v, want the first ping", e)
	}
	gap := events[probe.EventHead]
	if gap.Kind != observed.Omitted || gap.Omitted.Events != extra+1 || gap.Omitted.Pings != extra+1 {
		t.Errorf("event %d is %v, want %d pings omitted", probe.EventHead, gap, extra+1)
	}
	if e := events[len(events)-1]; e.Kind != observed.Message || string(e.Payload) != "last" {
		t.Errorf("last event %v, want the text message", e)
	}
	if e := events[len(events)-2]; string(e.Payload) != fmt.Sprint(pings-1) {
		t.Errorf("last but one event %v, want the last ping", e)
	}

	log := conn.Log.Entries()
	if len(log) > observed.LogHead+observed.LogTail+2 {
		t.Errorf("wire log of %d entries, want at most %d", len(log), observed.LogHead+observed.LogTail+2)
	}
	if !slicesContain(log, func(e observed.Entry) bool { return e.Omitted > 0 && strings.Contains(e.Text, "truncated") }) {
		t.Error("the wire log does not say it was truncated")
	}
}

func slicesContain[T any](s []T, f func(T) bool) bool {
	for _, x := range s {
		if f(x) {
			return true
		}
	}
	return false
}

// TestBigPayloadsKeptAsDigest: payloads are kept whole up to
// MaxKeptPayload octets and PayloadBudget in all; beyond, the event keeps
// the size, a SHA-256 and the first octets, and still compares equal to
// exactly the payload that was sent.
func TestBigPayloadsKeptAsDigest(t *testing.T) {
	pattern := func(n int, seed byte) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = seed + byte(i%251)
		}
		return b
	}
	tests := []struct {
		name  string
		sizes []int
		whole []bool
	}{
		{"small and at the limit", []int{100, probe.MaxKeptPayload}, []bool{true, true}},
		{"past the limit", []int{probe.MaxKeptPayload + 1, 5 << 20}, []bool{false, false}},
		{"past the budget", []int{256 << 10, 256 << 10, 256 << 10, 256 << 10, 256 << 10}, []bool{true, true, true, true, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var msgs [][]byte
			for i, n := range tc.sizes {
				msgs = append(msgs, pattern(n, byte(i)))
			}
			target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
				untilClosed := discardReads(c)
				for _, m := range msgs {
					// Three fragments, so that the message spans frames.
					third := len(m) / 3
					parts := [][]byte{m[:third], m[third : 2*third], m[2*third:]}
					for i, p := range parts {
						f := frame.New(frame.OpBinary, p)
						if i > 0 {
							f.Opcode = frame.OpContinuation
						}
						f.Fin = i == len(parts)-1
						c.Write(f.Bytes())
					}
				}
				untilClosed()
			})
			conn := open(t, target)
			defer conn.Abort()
			awaitMessage(t, conn, len(msgs))
			for i, e := range conn.Events() {
				m := msgs[i]
				if e.PayloadLen() != len(m) || !e.SamePayload(m) {
					t.Errorf("message %d: %v does not stand for the %d octets sent", i, e, len(m))
				}
				changed := bytes.Clone(m)
				changed[len(m)/2]++
				if e.SamePayload(changed) {
					t.Errorf("message %d: equal to a payload that differs", i)
				}
				if whole := e.Digest == nil; whole != tc.whole[i] {
					t.Errorf("message %d of %d octets: kept whole %t, want %t", i, len(m), whole, tc.whole[i])
				}
				if e.Digest != nil && len(e.Payload) > 64 {
					t.Errorf("message %d: %d octets kept beside the digest", i, len(e.Payload))
				}
			}
		})
	}
}

// TestEndlessFrameIsRefusedWithoutAllocating: a frame announcing 2^63-1
// octets, followed by octets for as long as the probe reads, is refused
// with 1009 at its header; what follows is counted, not logged or stored.
func TestEndlessFrameIsRefusedWithoutAllocating(t *testing.T) {
	target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
		discardReads(c)
		c.Write(frame.AppendHeader(nil, frame.Header{Fin: true, Opcode: frame.OpBinary, Length: math.MaxInt64}))
		zeros := make([]byte, 64<<10)
		for {
			if _, err := c.Write(zeros); err != nil {
				return
			}
		}
	})
	var st observed.CloseState
	var conn *probe.Conn
	alloc := allocated(func() {
		conn = open(t, target)
		st = waitDone(t, conn)
	})
	if !strings.Contains(st.PeerViolation, frame.RuleMessageTooBig) || (st.LocalCode == nil || *st.LocalCode != frame.CloseMessageTooBig) {
		t.Errorf("state %+v, want the connection failed with 1009 (%s)", st, frame.RuleMessageTooBig)
	}
	if alloc > 16<<20 {
		t.Errorf("%d MiB allocated while refusing one frame", alloc>>20)
	}
	log := conn.Log.Entries()
	if len(log) > 40 {
		t.Errorf("wire log of %d entries for one frame", len(log))
	}
	if !slicesContain(log, func(e observed.Entry) bool { return strings.Contains(e.Text, "counted, not logged") }) {
		t.Error("the wire log does not count what came after we failed the connection")
	}
}

// TestDecompressionBombCostsLittle: a compressed message that inflates past
// MaxMessage is refused with 1009 while inflating; the inflated data is
// never held.
func TestDecompressionBombCostsLittle(t *testing.T) {
	var z bytes.Buffer
	fw, _ := flate.NewWriter(&z, flate.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range probe.MaxMessage>>20 + 8 {
		fw.Write(zeros)
	}
	fw.Flush()
	bomb := frame.New(frame.OpBinary, bytes.TrimSuffix(z.Bytes(), []byte{0, 0, 0xff, 0xff}))
	bomb.Rsv = frame.RSV1
	target := scriptedServer(t, func(c net.Conn, r *frame.Reader) {
		untilClosed := discardReads(c)
		c.Write(bomb.Bytes())
		untilClosed()
	}, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: "permessage-deflate"})
	var st observed.CloseState
	alloc := allocated(func() {
		c, _, accepted, err := probe.OpenDeflate(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()), []deflate.Params{{}})
		if err != nil || accepted == nil {
			t.Fatalf("deflate not agreed: %v", err)
		}
		// Inflating 64 MiB takes seconds under the race detector.
		select {
		case <-c.Done():
		case <-time.After(time.Minute):
			t.Fatal("connection did not end")
		}
		st = c.State()
	})
	if !strings.Contains(st.PeerViolation, "pmd-inflated-too-big") || (st.LocalCode == nil || *st.LocalCode != frame.CloseMessageTooBig) {
		t.Errorf("state %+v, want the connection failed with 1009 (pmd-inflated-too-big)", st)
	}
	if alloc > 16<<20 {
		t.Errorf("%d MiB allocated inflating a bomb", alloc>>20)
	}
}

func TestWireLogKeepsFirstAndLast(t *testing.T) {
	log := probe.NewWireLog(time.Now())
	n := observed.LogHead + observed.LogTail + 10
	for i := range n {
		log.Note(fmt.Sprint(i))
	}
	got := log.Entries()
	if len(got) != observed.LogHead+1+observed.LogTail {
		t.Fatalf("%d entries, want %d", len(got), observed.LogHead+1+observed.LogTail)
	}
	if got[0].Text != "0" || got[len(got)-1].Text != fmt.Sprint(n-1) || got[observed.LogHead+1].Text != fmt.Sprint(observed.LogHead+10) {
		t.Errorf("entries %q … %q … %q, want the first, then the last %d", got[0].Text, got[observed.LogHead+1].Text, got[len(got)-1].Text, observed.LogTail)
	}
	if m := got[observed.LogHead]; m.Omitted != 10 || !strings.Contains(m.Text, "truncated") {
		t.Errorf("marker %+v, want 10 entries omitted", m)
	}
}
