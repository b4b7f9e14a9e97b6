package probe_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

// fakeProxy is a reverse proxy written for the test: it relays one
// WebSocket connection per client to the origin, and can break it the
// ways real intermediaries do. With no edit at all it copies octets.
type fakeProxy struct {
	origin string
	// editRequest and editResponse rewrite the handshake heads.
	editRequest, editResponse func(string) string
	// up and down rewrite each frame (payload unmasked); nil copies octets.
	up, down func(frame.Frame) []frame.Frame
	// idle ends the connection after this long without traffic (0: never).
	idle time.Duration
}

func (p *fakeProxy) start(t *testing.T) string {
	t.Helper()
	return serveWS(t, p.serve)
}

func (p *fakeProxy) serve(client net.Conn) {
	defer client.Close()
	origin, err := net.DialTimeout("tcp", p.origin, 5*time.Second)
	if err != nil {
		return
	}
	defer origin.Close()
	deadline := time.Now().Add(20 * time.Second) // bounds every test connection
	client.SetDeadline(deadline)
	origin.SetDeadline(deadline)
	cr, or := bufio.NewReader(client), bufio.NewReader(origin)
	if !relayHead(cr, origin, p.editRequest) || !relayHead(or, client, p.editResponse) {
		return
	}
	var activity sync.Mutex
	last := time.Now()
	touch := func() { activity.Lock(); last = time.Now(); activity.Unlock() }
	done := make(chan struct{}, 2)
	go func() { relayFrames(cr, origin, p.up, true, touch); done <- struct{}{} }()
	go func() { relayFrames(or, client, p.down, false, touch); done <- struct{}{} }()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ended := 0; ended < 2; {
		select {
		case <-done:
			ended++
			// One side ended: pass its FIN on, as a proxy does.
			client.(*net.TCPConn).CloseWrite()
			origin.(*net.TCPConn).CloseWrite()
		case <-tick.C:
			activity.Lock()
			idle := time.Since(last)
			activity.Unlock()
			if p.idle > 0 && idle > p.idle {
				return
			}
		}
	}
}

func relayHead(r *bufio.Reader, w io.Writer, edit func(string) string) bool {
	var head strings.Builder
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return false
		}
		head.WriteString(line)
		if line == "\r\n" {
			break
		}
	}
	h := head.String()
	if edit != nil {
		h = edit(h)
	}
	_, err := io.WriteString(w, h)
	return err == nil
}

func relayFrames(r *bufio.Reader, w io.Writer, edit func(frame.Frame) []frame.Frame, masked bool, touch func()) {
	if edit == nil {
		buf := make([]byte, 32<<10)
		for {
			n, err := r.Read(buf)
			if n > 0 {
				touch()
				if _, werr := w.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	fr := frame.NewReader(r)
	for {
		h, err := fr.Next()
		if err != nil {
			return
		}
		touch()
		payload := make([]byte, h.Length)
		if _, err := io.ReadFull(fr, payload); err != nil && !errors.Is(err, io.EOF) {
			return
		}
		for _, f := range edit(frame.Frame{Header: frame.Header{Fin: h.Fin, Rsv: h.Rsv, Opcode: h.Opcode}, Payload: payload}) {
			if masked {
				var key [4]byte
				rand.Read(key[:])
				f = f.Masked(key)
			}
			if _, err := w.Write(f.Bytes()); err != nil {
				return
			}
		}
	}
}

// splitData cuts every data frame of more than one octet in two.
func splitData(f frame.Frame) []frame.Frame {
	if f.Opcode.IsControl() || len(f.Payload) < 2 {
		return []frame.Frame{f}
	}
	half := len(f.Payload) / 2
	a, b := f, f
	a.Payload, a.Fin = f.Payload[:half], false
	b.Payload, b.Opcode, b.Rsv = f.Payload[half:], frame.OpContinuation, 0
	return []frame.Frame{a, b}
}

// swapMessages holds the first single-frame data message back and sends
// it after the next one.
func swapMessages() func(frame.Frame) []frame.Frame {
	var held *frame.Frame
	swapped := false
	return func(f frame.Frame) []frame.Frame {
		if swapped || f.Opcode.IsControl() || !f.Fin || f.Opcode == frame.OpContinuation {
			return []frame.Frame{f}
		}
		if held == nil {
			held = &f
			return nil
		}
		swapped = true
		return []frame.Frame{f, *held}
	}
}

// dropPings loses every ping and passes everything else.
func dropPings(f frame.Frame) []frame.Frame {
	if f.Opcode == frame.OpPing {
		return nil
	}
	return []frame.Frame{f}
}

// rewriteClose gives every close frame with a code the code 1000.
func rewriteClose(f frame.Frame) []frame.Frame {
	if f.Opcode == frame.OpClose && len(f.Payload) >= 2 {
		f.Payload = frame.ClosePayload(frame.CloseNormal, string(f.Payload[2:]))
	}
	return []frame.Frame{f}
}

func dropField(name string) func(string) string {
	return func(head string) string {
		var out []string
		for _, line := range strings.SplitAfter(head, "\r\n") {
			if !strings.HasPrefix(strings.ToLower(line), strings.ToLower(name)+":") {
				out = append(out, line)
			}
		}
		return strings.Join(out, "")
	}
}

// TestIntermediaryCasesJudgeTheProxy runs section 19 cases through fake
// proxies in front of the origin: a faithful one passes, and each fault a
// real intermediary can have fails (or is recorded by) exactly the cases
// that look at it, naming the rule.
func TestIntermediaryCasesJudgeTheProxy(t *testing.T) {
	ref := server.New(server.Embedded())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := probe.NewOrigin(l, ref.ServeConn, probe.DefaultTimeouts())
	t.Cleanup(func() { ref.Close(); origin.Close() })

	type want struct {
		verdict cases.Verdict
		rule    string
	}
	ok := want{cases.OK, ""}
	tests := []struct {
		name  string
		proxy fakeProxy
		scale float64 // shortens the wait for what never comes
		want  map[string]want
	}{
		{"faithful", fakeProxy{}, 1, map[string]want{
			"19.1.3": ok, "19.1.5": ok, "19.2.1": ok, "19.2.2": ok, "19.3.2": ok, "19.3.3": ok, "19.3.8": ok, "19.4.1": ok, "19.4.2": ok, "19.4.3": ok, "19.4.4": ok, "19.5.3": ok,
		}},
		{"idle timeout of 500ms", fakeProxy{idle: 500 * time.Millisecond}, 1, map[string]want{
			"19.6.1": {cases.Informational, "intermediary-idle-timeout"},
		}},
		{"re-fragmenting both ways", fakeProxy{up: splitData, down: splitData}, 1, map[string]want{
			"19.1.2": {cases.Informational, "intermediary-refragmented"}, "19.1.4": {cases.Informational, "intermediary-refragmented"},
			"19.2.1": {cases.Informational, "intermediary-refragmented"},
			"19.4.3": {cases.NonStrict, "intermediary-refragmented-under-extension"}, "19.4.4": {cases.NonStrict, "intermediary-refragmented-under-extension"},
		}},
		{"reordering messages", fakeProxy{up: swapMessages(), down: swapMessages()}, 1, map[string]want{
			"19.1.3": {cases.Failed, "intermediary-message-reordered"},
		}},
		{"dropping pings", fakeProxy{up: dropPings}, 0.3, map[string]want{
			"19.2.1": {cases.Failed, "intermediary-ping-unanswered"}, "19.1.1": ok,
		}},
		{"rewriting close codes", fakeProxy{up: rewriteClose, down: rewriteClose}, 1, map[string]want{
			"19.3.2": {cases.Failed, "intermediary-close-code-changed"}, "19.3.6": {cases.Failed, "intermediary-close-code-changed"}, "19.3.1": ok, "19.3.8": ok,
		}},
		{"stripping the subprotocol offer", fakeProxy{editRequest: dropField("Sec-WebSocket-Protocol")}, 1, map[string]want{
			"19.4.1": {cases.Informational, "intermediary-subprotocol-stripped"},
		}},
		{"stripping the subprotocol answer", fakeProxy{editResponse: dropField("Sec-WebSocket-Protocol")}, 1, map[string]want{
			"19.4.1": {cases.Failed, "intermediary-subprotocol-incoherent"},
		}},
		{"stripping the extension answer", fakeProxy{editResponse: dropField("Sec-WebSocket-Extensions")}, 1, map[string]want{
			"19.4.2": {cases.Failed, "intermediary-extension-incoherent"}, "19.4.4": {cases.Failed, "intermediary-extension-incoherent"},
		}},
		{"stripping the extension offer", fakeProxy{editRequest: dropField("Sec-WebSocket-Extensions")}, 1, map[string]want{
			"19.4.2": {cases.Informational, "intermediary-extension-stripped"}, "19.4.3": {cases.Informational, "intermediary-extension-stripped"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.proxy.origin = l.Addr().String()
			target, err := probe.ParseTarget(tt.proxy.start(t))
			if err != nil {
				t.Fatal(err)
			}
			env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Origin: origin, Scale: tt.scale}
			var wg sync.WaitGroup
			for id, w := range tt.want {
				c, _ := cases.Lookup(id)
				wg.Add(1)
				go func() {
					defer wg.Done()
					r := probe.Run(context.Background(), c, env)
					if r.Behavior != w.verdict || r.Rule != w.rule {
						t.Errorf("%s: %s (rule %q), want %s (%q): %s\n%v", id, r.Behavior, r.Rule, w.verdict, w.rule, r.Reason, r.Observed)
					}
				}()
			}
			wg.Wait()
		})
	}
}

// Without an origin of ours, section 19 is NOT RUN, and a connection
// that bypasses the origin is caught by CheckOrigin.
func TestIntermediaryNeedsTheOrigin(t *testing.T) {
	ref, url, err := server.Start("127.0.0.1:0", server.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	target, _ := probe.ParseTarget(url)
	c, _ := cases.Lookup("19.1.1")
	if r := probe.Run(context.Background(), c, probe.Env{Target: target}); r.Behavior != cases.NotRun {
		t.Errorf("19.1.1 without an origin: %s, want NOT RUN", r.Behavior)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := probe.NewOrigin(l, ref.ServeConn, probe.DefaultTimeouts())
	defer origin.Close()
	// The target answers by itself (it is the reference server, not a
	// proxy to the origin): nothing reaches the origin.
	env := probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Origin: origin, Scale: 0.4}
	if err := probe.CheckOrigin(context.Background(), env); !errors.Is(err, probe.ErrOriginMissed) {
		t.Errorf("CheckOrigin on a target that is not in front of the origin: %v, want ErrOriginMissed", err)
	}
	if r := probe.Run(context.Background(), c, env); r.Behavior != cases.NotRun || r.Rule != cases.RuleOriginMissed.ID {
		t.Errorf("19.1.1 against a target that bypasses the origin: %s (%s)", r.Behavior, r.Reason)
	}
	// Pointed at the origin itself, every connection reaches it.
	direct, _ := probe.ParseTarget("ws://" + l.Addr().String() + "/")
	env.Target = direct
	if err := probe.CheckOrigin(context.Background(), env); err != nil {
		t.Errorf("CheckOrigin straight at the origin: %v", err)
	}
}
