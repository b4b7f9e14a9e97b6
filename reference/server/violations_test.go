package server

import (
	"bytes"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/frame"
)

func unmasked(op frame.Opcode, payload []byte) frame.Frame { return frame.New(op, payload) }

func withRSV(f frame.Frame, rsv uint8) frame.Frame { f.Rsv = rsv; return f }

func withEncoding(f frame.Frame, e frame.LengthEncoding) frame.Frame { f.Encoding = e; return f }

func closeFrame(code frame.CloseCode, reason string) frame.Frame {
	return masked(frame.OpClose, frame.ClosePayload(code, reason))
}

var (
	kosme   = []byte("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5") // κόσμε, Autobahn 6.x
	ping126 = bytes.Repeat([]byte("p"), 126)
)

// scenario is frames a client sends, what the strict server must answer,
// and, for the scenarios that show a Faults switch is caught, what the
// server answers with that one check switched off.
type scenario struct {
	name   string
	frames []frame.Frame
	want   []string // transcript of the strict server
	fault  Faults
	faulty []string // transcript with fault set
}

var scenarios = []scenario{
	// Happy paths.
	{name: "text echo", frames: []frame.Frame{masked(frame.OpText, []byte("hello"))},
		want: []string{"text:hello", "close:1000"}},
	{name: "binary echo", frames: []frame.Frame{masked(frame.OpBinary, []byte{0xfe, 0xff})},
		want: []string{"binary:\xfe\xff", "close:1000"}},
	{name: "fragmented text split inside a code point (6.2.3)",
		frames: []frame.Frame{fragment(frame.OpText, kosme[:3], false), fragment(frame.OpContinuation, kosme[3:4], false),
			fragment(frame.OpContinuation, kosme[4:], true)},
		want: []string{"text:" + string(kosme), "close:1000"}},
	{name: "ping inside a fragmented message (5.6)",
		frames: []frame.Frame{fragment(frame.OpText, []byte("frag"), false), masked(frame.OpPing, []byte("p")),
			fragment(frame.OpContinuation, []byte("ment"), true)},
		want: []string{"pong:p", "text:fragment", "close:1000"}},
	{name: "unsolicited pong is ignored (2.7)", frames: []frame.Frame{masked(frame.OpPong, []byte("x"))},
		want: []string{"close:1000"}},
	{name: "frames after close are ignored (7.1.3)",
		frames: []frame.Frame{closeFrame(frame.CloseNormal, ""), masked(frame.OpPing, []byte("late"))},
		want:   []string{"close:1000"}},

	// Violations, each with the fault that hides it.
	{name: "unmasked client frame", frames: []frame.Frame{unmasked(frame.OpText, []byte("x"))},
		want: []string{"close:1002"}, fault: Faults{SkipMaskCheck: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "RSV2 without extension (3.2)", frames: []frame.Frame{withRSV(masked(frame.OpText, []byte("x")), frame.RSV2)},
		want: []string{"close:1002"}, fault: Faults{AcceptRSV: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "reserved opcode 3 (4.1.1)", frames: []frame.Frame{masked(3, nil), masked(frame.OpText, []byte("x"))},
		want: []string{"close:1002"}, fault: Faults{AcceptReservedOpcodes: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "reserved control opcode 11 (4.2.1)", frames: []frame.Frame{masked(11, nil)},
		want: []string{"close:1002"}, fault: Faults{AcceptReservedOpcodes: true}, faulty: []string{"close:1000"}},
	{name: "ping of 126 octets (2.5)", frames: []frame.Frame{masked(frame.OpPing, ping126)},
		want: []string{"close:1002"}, fault: Faults{AcceptLongControl: true}, faulty: []string{"pong:" + string(ping126), "close:1000"}},
	{name: "fragmented ping (5.1)", frames: []frame.Frame{fragment(frame.OpPing, []byte("p"), false)},
		want: []string{"close:1002"}, fault: Faults{AllowControlFragmentation: true}, faulty: []string{"pong:p", "close:1000"}},
	{name: "continuation without start (5.9)",
		frames: []frame.Frame{fragment(frame.OpContinuation, []byte("a"), true), masked(frame.OpText, []byte("x"))},
		want:   []string{"close:1002"}, fault: Faults{SkipFragmentationCheck: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "text frame inside a fragmented message (5.18)",
		frames: []frame.Frame{fragment(frame.OpText, []byte("a"), false), fragment(frame.OpText, []byte("b"), true)},
		want:   []string{"close:1002"}},
	{name: "non-minimal length field", frames: []frame.Frame{withEncoding(masked(frame.OpText, []byte("x")), frame.Length16)},
		want: []string{"close:1002"}, fault: Faults{AcceptNonMinimalLength: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "ping is answered (2.2)", frames: []frame.Frame{masked(frame.OpPing, []byte("p")), masked(frame.OpText, []byte("x"))},
		want: []string{"pong:p", "text:x", "close:1000"}, fault: Faults{IgnorePing: true}, faulty: []string{"text:x", "close:1000"}},
	{name: "text with a surrogate (6.20.1)", frames: []frame.Frame{masked(frame.OpText, []byte("\xed\xa0\x80"))},
		want: []string{"close:1007"}, fault: Faults{SkipUTF8Validation: true}, faulty: []string{"text:\xed\xa0\x80", "close:1000"}},
	{name: "text ending inside a code point (6.6.1)", frames: []frame.Frame{masked(frame.OpText, []byte("\xce"))},
		want: []string{"close:1007"}},
	{name: "invalid UTF-8 split across fragments (6.4.2)",
		frames: []frame.Frame{fragment(frame.OpText, append(append([]byte{}, kosme...), 0xf4), false),
			fragment(frame.OpContinuation, []byte{0x90}, false), fragment(frame.OpContinuation, []byte("\x80\x80edited"), true)},
		want: []string{"close:1007"}},
	{name: "valid message before a bad frame is echoed first (3.2)",
		frames: []frame.Frame{masked(frame.OpText, []byte("ok")), withRSV(masked(frame.OpText, []byte("x")), frame.RSV1)},
		want:   []string{"text:ok", "close:1002"}},
	{name: "close with 1-octet body (7.3.2)", frames: []frame.Frame{masked(frame.OpClose, []byte{0x03})},
		want: []string{"close:1002"}, fault: Faults{SkipCloseCodeValidation: true}, faulty: []string{"close:1000"}},
	{name: "close code 999 (7.9.2)", frames: []frame.Frame{closeFrame(999, "")},
		want: []string{"close:1002"}, fault: Faults{SkipCloseCodeValidation: true}, faulty: []string{"close:1000"}},
	{name: "close code 1005 (7.9.4)", frames: []frame.Frame{closeFrame(frame.CloseNoStatus, "")},
		want: []string{"close:1002"}},
	{name: "close code 0 (7.9.1)", frames: []frame.Frame{masked(frame.OpClose, []byte{0, 0})},
		want: []string{"close:1002"}, fault: Faults{SkipCloseCodeValidation: true}, faulty: []string{"close:1000"}},
	{name: "close reason not UTF-8 (7.5.1)", frames: []frame.Frame{closeFrame(frame.CloseNormal, "\xce\xba\xe1\xbd")},
		want: []string{"close:1007"}, fault: Faults{SkipUTF8Validation: true}, faulty: []string{"close:1000"}},
	{name: "valid close code is echoed (7.7.10)", frames: []frame.Frame{closeFrame(3000, "bye")},
		want: []string{"close:3000"}},
	{name: "empty close gets an empty close (7.3.1)", frames: []frame.Frame{masked(frame.OpClose, nil)},
		want: []string{"close:"}},
	{name: "close payload of 126 octets (7.3.6)", frames: []frame.Frame{closeFrame(frame.CloseNormal, strings.Repeat("*", 124))},
		want: []string{"close:1002"}},
	{name: "close with RSV bits (3.7)", frames: []frame.Frame{withRSV(closeFrame(frame.CloseNormal, ""), 7)},
		want: []string{"close:1002"}},
	{name: "close inside a fragmented message (7.1.5)",
		frames: []frame.Frame{fragment(frame.OpText, []byte("fragment1"), false), closeFrame(frame.CloseNormal, ""),
			fragment(frame.OpContinuation, []byte("fragment2"), true)},
		want: []string{"close:1000"}},
	{name: "stray continuation after a complete message (5.15)",
		frames: []frame.Frame{fragment(frame.OpText, []byte("fragment1"), false), fragment(frame.OpContinuation, []byte("fragment2"), true),
			fragment(frame.OpContinuation, []byte("fragment3"), false), fragment(frame.OpText, []byte("fragment4"), true)},
		want: []string{"text:fragment1fragment2", "close:1002"}},
	{name: "pings between many fragments (5.19)",
		frames: []frame.Frame{fragment(frame.OpText, []byte("f1"), false), fragment(frame.OpContinuation, []byte("f2"), false),
			masked(frame.OpPing, []byte("pongme 1!")), fragment(frame.OpContinuation, []byte("f3"), false),
			fragment(frame.OpContinuation, []byte("f4"), false), masked(frame.OpPing, []byte("pongme 2!")),
			fragment(frame.OpContinuation, []byte("f5"), true)},
		want: []string{"pong:pongme 1!", "pong:pongme 2!", "text:f1f2f3f4f5", "close:1000"}},
	{name: "empty fragments (6.1.2)",
		frames: []frame.Frame{fragment(frame.OpText, nil, false), fragment(frame.OpContinuation, nil, false),
			fragment(frame.OpContinuation, nil, true)},
		want: []string{"text:", "close:1000"}},
}

// TestScenarios drives each scenario over a raw socket against the strict
// server, then against the server with the scenario's fault, and shows the
// two differ: the scenario catches the bug the fault plants.
func TestScenarios(t *testing.T) {
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if got := runScenario(t, Config{}, sc.frames); !equal(got, sc.want) {
				t.Errorf("strict server answered %q, want %q", got, sc.want)
			}
			if sc.faulty == nil {
				return
			}
			got := runScenario(t, Config{Faults: sc.fault}, sc.frames)
			if !equal(got, sc.faulty) {
				t.Errorf("with %+v the server answered %q, want %q", sc.fault, got, sc.faulty)
			}
			if equal(sc.faulty, sc.want) {
				t.Errorf("fault %+v is not observable in this scenario", sc.fault)
			}
		})
	}
}

// runScenario sends the frames and then a normal close, so that a server
// that let everything through still ends the conversation.
func runScenario(t *testing.T, cfg Config, frames []frame.Frame) []string {
	u := startServer(t, cfg)
	c := dialRaw(t, u).handshake(u)
	c.send(frames...)
	c.sendQuietly(closeFrame(frame.CloseNormal, ""))
	return c.transcript()
}

func TestMessageTooBig(t *testing.T) {
	u := startServer(t, Config{MaxMessageSize: 1000})
	tests := []struct {
		name   string
		frames []frame.Frame
	}{
		{"one frame", []frame.Frame{masked(frame.OpBinary, make([]byte, 1001))}},
		{"fragments adding up", []frame.Frame{fragment(frame.OpText, []byte(strings.Repeat("a", 600)), false),
			fragment(frame.OpContinuation, []byte(strings.Repeat("b", 401)), true)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialRaw(t, u).handshake(u)
			c.sendQuietly(tt.frames...)
			if got, want := c.transcript(), []string{"close:1009"}; !equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	t.Run("at the limit", func(t *testing.T) {
		c := dialRaw(t, u).handshake(u)
		c.send(masked(frame.OpBinary, make([]byte, 1000)), closeFrame(frame.CloseNormal, ""))
		if got := c.transcript(); len(got) != 2 || got[1] != "close:1000" || len(got[0]) != len("binary:")+1000 {
			t.Errorf("message of exactly MaxMessageSize octets: got %d frames", len(got))
		}
	})
}

// TestOneOctetWrites is Autobahn's chopsize 1 (2.6, 3.4, 5.8, 6.2.3): the
// parser must not care how TCP segments the stream.
func TestOneOctetWrites(t *testing.T) {
	u := startServer(t, Config{})
	c := dialRaw(t, u).handshake(u)
	var wire []byte
	for _, f := range []frame.Frame{
		masked(frame.OpPing, bytes.Repeat([]byte{0xfe}, 125)),
		fragment(frame.OpText, kosme[:5], false), fragment(frame.OpContinuation, kosme[5:], true),
		closeFrame(frame.CloseNormal, ""),
	} {
		wire = f.Append(wire)
	}
	for i := range wire {
		c.write(wire[i : i+1])
	}
	want := []string{"pong:" + strings.Repeat("\xfe", 125), "text:" + string(kosme), "close:1000"}
	if got := c.transcript(); !equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}
