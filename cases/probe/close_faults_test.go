package probe_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// closeBender is an echo server whose answer to a close frame is bent on
// purpose. It reads every frame octet by octet from the socket (no
// buffering), and closes its socket as soon as it has answered a close: if
// octets of ours are still unread then, its kernel sends RST, as real
// servers' kernels do.
type closeBender struct {
	// reply is the body of the close frame sent back for ours.
	reply func(ours []byte) []byte
	// stall makes the server stop reading after the handshake.
	stall bool
}

func startCloseBender(t *testing.T, b closeBender) string {
	quit := make(chan struct{})
	url := serveWS(t, func(c net.Conn) { b.session(c, quit) })
	t.Cleanup(func() { close(quit) }) // runs first: stalled sessions end before the listener waits for them
	return url
}

func (b closeBender) session(c net.Conn, quit <-chan struct{}) {
	c.SetDeadline(time.Now().Add(30 * time.Second))
	// The smallest bufio buffer: the probe sends nothing before our 101,
	// so the handshake leaves no frame octets in it.
	br := bufio.NewReaderSize(c, 16)
	if _, ok, _ := handshake.Answer(c, br); !ok || br.Buffered() > 0 {
		return
	}
	if b.stall {
		<-quit
		return
	}
	var msg []byte
	var msgOp frame.Opcode
	for {
		h, payload, err := readFrameExact(c)
		if err != nil {
			return
		}
		switch h.Opcode {
		case frame.OpClose:
			c.Write(frame.New(frame.OpClose, b.reply(payload)).Bytes())
			return
		case frame.OpPing:
			c.Write(frame.New(frame.OpPong, payload).Bytes())
		case frame.OpText, frame.OpBinary, frame.OpContinuation:
			if h.Opcode != frame.OpContinuation {
				msgOp, msg = h.Opcode, nil
			}
			msg = append(msg, payload...)
			if h.Fin {
				c.Write(frame.New(msgOp, msg).Bytes())
			}
		}
	}
}

// readFrameExact reads one frame and not an octet more.
func readFrameExact(r io.Reader) (frame.Header, []byte, error) {
	head := make([]byte, 2, frame.MaxHeaderSize)
	if _, err := io.ReadFull(r, head); err != nil {
		return frame.Header{}, nil, err
	}
	n := 0
	switch head[1] & 0x7f {
	case 126:
		n = 2
	case 127:
		n = 8
	}
	if head[1]&0x80 != 0 {
		n += 4
	}
	head = head[:2+n]
	if _, err := io.ReadFull(r, head[2:]); err != nil {
		return frame.Header{}, nil, err
	}
	h, _, err := frame.ParseHeader(head)
	if err != nil || h.Length > 1<<20 {
		return frame.Header{}, nil, io.ErrUnexpectedEOF
	}
	payload := make([]byte, h.Length)
	if _, err := io.ReadFull(r, payload); err != nil {
		return frame.Header{}, nil, err
	}
	if h.Masked {
		frame.MaskBytes(h.Mask, 0, payload)
	}
	return h, payload, nil
}

// echoCode answers a close with the code we sent (whatever it is) or, for
// an empty close, an empty one.
func echoCode(ours []byte) []byte { return ours[:min(2, len(ours))] }

// closeCasesSelection: cases whose script ends with our close and nothing
// else, so the close reply is what is judged.
var closeCasesSelection = []string{"1.1.1", "1.1.2", "2.2", "7.1.1", "7.3.1", "7.3.3", "7.3.4", "7.3.5",
	"7.7.1", "7.7.4", "7.7.13", "7.9.1", "7.9.2", "7.9.3", "7.9.4", "7.9.6"}

// Every close frame the target sends is judged, also when it is the reply
// to ours: a malformed one fails the close (and, in section 7, where the
// close is the test, the case), and a code no endpoint may send is WRONG
// CODE, code 0 included.
func TestMalformedCloseRepliesAreJudged(t *testing.T) {
	if testing.Short() {
		t.Skip("runs section 7 against four servers")
	}
	sel := selectCases(t, closeCasesSelection, nil)
	// sentCode is the code our script's close frame carries.
	sentCode := func(c *cases.Case) (frame.CloseCode, bool) {
		for _, s := range c.Steps {
			if s.Close != nil {
				body, _ := frame.ParseClosePayload(s.Close)
				return body.Code, body.HasCode
			}
		}
		return frame.CloseNormal, true // closed by the runner once the echo is back
	}
	// malformed is the verdict for a close reply that breaks a rule: WRONG
	// CODE when it carries a code the case does not accept (as Autobahn
	// has it), else FAILED; in section 7 the case fails with it.
	malformed := func(code *frame.CloseCode) func(c *cases.Case) (cases.Verdict, cases.CloseVerdict) {
		return func(c *cases.Case) (cases.Verdict, cases.CloseVerdict) {
			cv := cases.CloseFailed
			if code != nil && !slicesContains(c.Close.Codes, *code) && !slicesContains(c.Close.NonStrictCodes, *code) {
				cv = cases.CloseWrongCode
			}
			if c.Close.WrongCodeFails {
				return cases.Failed, cv
			}
			return cases.OK, cv
		}
	}
	tests := []struct {
		name  string
		reply func(ours []byte) []byte
		want  func(c *cases.Case) (cases.Verdict, cases.CloseVerdict)
		// rule is the id the result names as broken (see wantRule).
		rule string
	}{
		{"echoes every code, even one no endpoint may send", echoCode, func(c *cases.Case) (cases.Verdict, cases.CloseVerdict) {
			code, ok := sentCode(c)
			switch {
			case !ok || code.ValidOnWire():
				return cases.OK, cases.CloseOK
			case slicesContains(c.Close.NonStrictCodes, code):
				return cases.NonStrict, cases.CloseOK
			}
			return cases.Failed, cases.CloseWrongCode
		}, frame.RuleCloseCodeInvalid},
		{"answers with a one-octet body", func([]byte) []byte { return []byte("a") }, malformed(nil), frame.RuleCloseOneOctet},
		{"answers with a reason that is not UTF-8", func([]byte) []byte {
			return append(frame.ClosePayload(frame.CloseNormal, ""), 0xce, 0xba, 0xe1, 0xbd)
		}, malformed(observed.Code(frame.CloseNormal)), frame.RuleCloseReasonUTF8},
		{"answers with 126 octets", func([]byte) []byte {
			return frame.ClosePayload(frame.CloseNormal, strings.Repeat("*", 124))
		}, malformed(observed.Code(frame.CloseNormal)), frame.RuleControlTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			results := runCases(t, startCloseBender(t, closeBender{reply: tc.reply}), sel)
			for _, c := range sel {
				r := results[c.ID]
				wantB, wantC := tc.want(c)
				if r.Behavior != wantB || r.BehaviorClose != wantC {
					t.Errorf("want %s/%s: %s", wantB, wantC, describeResult(r))
				}
				// The rule id travels from the receiver into the result
				// and wsconform.json, not only into the sentence.
				wantRule := tc.rule
				if code, ok := sentCode(c); tc.rule == frame.RuleCloseCodeInvalid && (!ok || code.ValidOnWire()) {
					wantRule = ""
				}
				js, err := json.Marshal(r)
				if err != nil {
					t.Fatal(err)
				}
				var written struct{ Rule string }
				json.Unmarshal(js, &written)
				if r.Rule != wantRule || written.Rule != wantRule {
					t.Errorf("%s: rule %q (json %q), want %q", c.ID, r.Rule, written.Rule, wantRule)
				}
			}
		})
	}
}

func slicesContains(list []frame.CloseCode, c frame.CloseCode) bool {
	for _, x := range list {
		if x == c {
			return true
		}
	}
	return false
}

// A server that closes its socket right after answering our close, with
// the frames we sent after our close unread, makes its kernel send RST.
// The closing handshake was complete: the close is clean, and the reset
// is a note in the wire log.
func TestResetAfterClosingHandshakeIsClean(t *testing.T) {
	if testing.Short() {
		t.Skip("real sockets")
	}
	sel := selectCases(t, []string{"7.1.2", "7.1.3", "7.1.4", "7.1.5"}, nil)
	results := runCases(t, startCloseBender(t, closeBender{reply: echoCode}), sel)
	for _, c := range sel {
		r := results[c.ID]
		if r.Behavior != cases.OK || r.BehaviorClose != cases.CloseOK || r.Close == nil || !r.Close.Clean {
			t.Errorf("want OK/OK and a clean close: %s", describeResult(r))
		}
		if !wireLogHas(r, "TCP reset by the target after the closing handshake") {
			t.Errorf("%s: no reset noted in the wire log (did the server's kernel send RST?)", c.ID)
		}
	}
}

func wireLogHas(r cases.Result, s string) bool {
	for _, e := range r.WireLog {
		if strings.Contains(e.Text, s) {
			return true
		}
	}
	return false
}

// When we give up at our case deadline, the close text says so and what
// was outstanding; it does not blame the target for closing.
func TestDeadlineAbandonSaysWhatHappened(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for a case deadline")
	}
	target, err := probe.ParseTarget(startCloseBender(t, closeBender{stall: true}))
	if err != nil {
		t.Fatal(err)
	}
	// 64 MiB to a server that reads nothing fills every socket buffer.
	big := bytes.Repeat([]byte("*"), 64<<20)
	c := &cases.Case{
		ID: "0.1", Title: "Binary message of 64 MiB",
		Clauses: []string{"RFC 6455 §5.6"},
		Steps:   []cases.Step{{Frame: ptr(frame.New(frame.OpBinary, big))}},
		Timer:   cases.Timer{Kind: cases.KillAfter, After: time.Second},
		Expect:  []cases.Outcome{{Verdict: cases.OK, Events: []observed.Event{{Kind: observed.Message, Binary: true, Payload: big}}}},
		Close:   cases.CloseExpect{ClosedByMe: true, Codes: []frame.CloseCode{1000}, RequireClean: true},
		Timeout: 2 * time.Second,
	}
	r := probe.Run(context.Background(), c, probe.Env{Target: target, Timeouts: probe.DefaultTimeouts(), Scale: 1})
	if r.Behavior != cases.Failed || r.BehaviorClose != cases.CloseFailed {
		t.Errorf("want FAILED/FAILED: %s", describeResult(r))
	}
	if !strings.Contains(r.CloseReason, "we gave up at our case deadline of 2s while our frames were still being sent") ||
		strings.Contains(r.CloseReason, "the target closed") {
		t.Errorf("close reason %q does not say we gave up at our deadline while sending", r.CloseReason)
	}
	if r.Close == nil || r.Close.Abandoned == "" {
		t.Errorf("close state %+v does not record the abandon", r.Close)
	}
}

func ptr[T any](v T) *T { return &v }
