package receive

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

var key = [4]byte{1, 2, 3, 4}

// client builds a masked frame as a client sends it.
func client(op frame.Opcode, payload string, fin bool) frame.Frame {
	f := frame.New(op, []byte(payload)).Masked(key)
	f.Fin = fin
	return f
}

func server(op frame.Opcode, payload string) frame.Frame { return frame.New(op, []byte(payload)) }

func rsv(f frame.Frame, bits uint8) frame.Frame { f.Rsv = bits; return f }

func closeFrame(code frame.CloseCode, reason string) frame.Frame {
	return frame.New(frame.OpClose, frame.ClosePayload(code, reason)).Masked(key)
}

func wire(fs ...frame.Frame) []byte {
	var b []byte
	for _, f := range fs {
		b = f.Append(b)
	}
	return b
}

// items reads everything r yields, as "text:payload", "ping:payload",
// "close:1000:reason", and the error that ended it: a rule id, "EOF" or
// "unexpected EOF".
func items(r *Reader) (got []string, end string) {
	end = collect(r, &got)
	return got, end
}

// handled is items with the control frames going to a handler
// (HandleControl), listed as the handler sees them.
func handled(r *Reader) (got []string, end string) {
	r.HandleControl(func(it Item) error {
		got = append(got, itemString(it))
		return nil
	})
	end = collect(r, &got)
	return got, end
}

func collect(r *Reader, got *[]string) string {
	for {
		it, err := r.Next()
		if err != nil {
			var v *frame.Violation
			switch {
			case errors.As(err, &v):
				if v.Section == "" || v.Code == 0 || v.Detail == "" {
					return "incomplete violation " + v.Error()
				}
				return v.Rule + "/" + fmt.Sprint(int(v.Code))
			case err == io.ErrUnexpectedEOF:
				return "unexpected EOF"
			case err == io.EOF:
				return "EOF"
			}
			return err.Error()
		}
		*got = append(*got, itemString(it))
	}
}

func itemString(it Item) string {
	if it.Opcode == frame.OpClose {
		s := "close"
		if it.Close.HasCode {
			s += fmt.Sprintf(":%d:%s", it.Close.Code, it.Close.Reason)
		}
		return s
	}
	return strings.Fields(it.Opcode.String())[0] + ":" + string(it.Payload)
}

func waive(rules ...string) func(string) bool {
	return func(r string) bool {
		for _, w := range rules {
			if w == r {
				return true
			}
		}
		return false
	}
}

func TestReader(t *testing.T) {
	asServer := Config{From: frame.FromClient, MaxMessage: Unlimited}
	asClient := Config{From: frame.FromServer, MaxMessage: Unlimited}
	with := func(c Config, f func(*Config)) Config { f(&c); return c }
	long := strings.Repeat("x", 126)
	tests := []struct {
		name string
		cfg  Config
		wire []byte
		want []string
		end  string
	}{
		{"text, binary, ping, pong, close", asServer,
			wire(client(frame.OpText, "héllo", true), client(frame.OpBinary, "\xff", true), client(frame.OpPing, "p", true),
				client(frame.OpPong, "q", true), closeFrame(1000, "bye")),
			[]string{"text:héllo", "binary:\xff", "ping:p", "pong:q", "close:1000:bye"}, "EOF"},
		{"fragments joined, a ping between them first", asServer,
			wire(client(frame.OpText, "a", false), client(frame.OpPing, "", true), client(frame.OpContinuation, "b", false), client(frame.OpContinuation, "c", true)),
			[]string{"ping:", "text:abc"}, "EOF"},
		{"empty close body has no code", asServer, wire(client(frame.OpClose, "", true)), []string{"close"}, "EOF"},
		{"unmasked client frame", asServer, wire(server(frame.OpText, "a")), nil, frame.RuleClientFrameUnmasked + "/1002"},
		{"masked server frame", asClient, wire(client(frame.OpText, "a", true)), nil, frame.RuleServerFrameMasked + "/1002"},
		{"client receives unmasked", asClient, wire(server(frame.OpText, "a")), []string{"text:a"}, "EOF"},
		{"RSV1 without extension", asServer, wire(rsv(client(frame.OpText, "a", true), frame.RSV1)), nil, frame.RuleRSVWithoutExtension + "/1002"},
		{"reserved opcode", asServer, wire(client(3, "", true)), nil, frame.RuleReservedOpcode + "/1002"},
		{"reserved opcode waived is skipped", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleReservedOpcode) }),
			wire(client(3, "zz", true), client(frame.OpText, "a", true)), []string{"text:a"}, "EOF"},
		{"long ping", asServer, wire(client(frame.OpPing, long, true)), nil, frame.RuleControlTooLong + "/1002"},
		{"long ping waived", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleControlTooLong) }),
			wire(client(frame.OpPing, long, true)), []string{"ping:" + long}, "EOF"},
		{"fragmented ping", asServer, wire(client(frame.OpPing, "", false)), nil, frame.RuleControlFragmented + "/1002"},
		{"continuation without start", asServer, wire(client(frame.OpContinuation, "a", true)), nil, frame.RuleContinuationNoStart + "/1002"},
		{"stray continuation waived is skipped", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleContinuationNoStart) }),
			wire(client(frame.OpContinuation, "a", true), client(frame.OpBinary, "b", true)), []string{"binary:b"}, "EOF"},
		{"text inside a fragmented message", asServer,
			wire(client(frame.OpText, "a", false), client(frame.OpText, "b", true)), nil, frame.RuleDataInsideFragmented + "/1002"},
		{"message over the limit across fragments", with(asServer, func(c *Config) { c.MaxMessage = 3 }),
			wire(client(frame.OpBinary, "ab", false), client(frame.OpContinuation, "cd", true)), nil, frame.RuleMessageTooBig + "/1009"},
		{"message at the limit", with(asServer, func(c *Config) { c.MaxMessage = 4 }),
			wire(client(frame.OpBinary, "ab", false), client(frame.OpContinuation, "cd", true)), []string{"binary:abcd"}, "EOF"},
		{"control frame over the limit", with(asServer, func(c *Config) { c.MaxMessage = 1 }),
			wire(client(frame.OpPing, "ab", true)), nil, frame.RuleMessageTooBig + "/1009"},
		{"invalid UTF-8 text", asServer, wire(client(frame.OpText, "a\xffb", true)), nil, frame.RuleTextInvalidUTF8 + "/1007"},
		{"text ending inside a code point", asServer,
			wire(client(frame.OpText, "a\xc3", false), client(frame.OpContinuation, "\xa9", false), client(frame.OpContinuation, "\xc3", true)),
			nil, frame.RuleTextInvalidUTF8 + "/1007"},
		{"one frame ending inside a code point", asServer, wire(client(frame.OpText, "\xce\xba\xe1", true)), nil, frame.RuleTextInvalidUTF8 + "/1007"},
		{"code point split across fragments", asServer,
			wire(client(frame.OpText, "a\xc3", false), client(frame.OpContinuation, "\xa9", true)), []string{"text:aé"}, "EOF"},
		{"invalid UTF-8 waived", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleTextInvalidUTF8) }),
			wire(client(frame.OpText, "\xff", true)), []string{"text:\xff"}, "EOF"},
		{"binary is not UTF-8 checked", asServer, wire(client(frame.OpBinary, "\xff", true)), []string{"binary:\xff"}, "EOF"},
		{"one-octet close body", asServer, wire(client(frame.OpClose, "\x03", true)), nil, frame.RuleCloseOneOctet + "/1002"},
		{"close code 0", asServer, wire(closeFrame(0, "")), nil, frame.RuleCloseCodeInvalid + "/1002"},
		{"close code 1005", asServer, wire(closeFrame(1005, "")), nil, frame.RuleCloseCodeInvalid + "/1002"},
		{"close code 0 waived", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleCloseCodeInvalid) }),
			wire(closeFrame(0, "")), []string{"close:0:"}, "EOF"},
		{"close reason not UTF-8", asServer, wire(closeFrame(1000, "\xff")), nil, frame.RuleCloseReasonUTF8 + "/1007"},
		{"data frame after the close frame", asServer, wire(closeFrame(1000, ""), client(frame.OpText, "a", true)),
			[]string{"close:1000:"}, frame.RuleDataAfterClose + "/1002"},
		{"continuation after the close frame", asServer, wire(client(frame.OpText, "a", false), closeFrame(1000, ""), client(frame.OpContinuation, "b", true)),
			[]string{"close:1000:"}, frame.RuleDataAfterClose + "/1002"},
		{"ping after the close frame is no data frame", asServer, wire(closeFrame(1000, ""), client(frame.OpPing, "p", true)),
			[]string{"close:1000:", "ping:p"}, "EOF"},
		{"data after close waived", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleDataAfterClose) }),
			wire(closeFrame(1000, ""), client(frame.OpBinary, "b", true)), []string{"close:1000:", "binary:b"}, "EOF"},
		{"close frame cut short", asServer, wire(closeFrame(1000, "bye"))[:8], nil, "unexpected EOF"},
		{"non-minimal length", asServer,
			[]byte{0x81, 0xfe, 0, 1, 1, 2, 3, 4, 'a' ^ 1}, nil, frame.RuleLengthNotMinimal + "/1002"},
		{"non-minimal length waived", with(asServer, func(c *Config) { c.Waive = waive(frame.RuleLengthNotMinimal) }),
			[]byte{0x81, 0xfe, 0, 1, 1, 2, 3, 4, 'a' ^ 1}, []string{"text:a"}, "EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(frame.NewReader(iotest.HalfReader(bytes.NewReader(tt.wire))), tt.cfg, nil)
			got, end := items(r)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) || end != tt.end {
				t.Errorf("got %q then %s, want %q then %s", got, end, tt.want, tt.end)
			}
		})
	}
}

// TestTextFailFast: invalid UTF-8 fails the message as soon as it arrives,
// before the rest of the frame (which here never comes); with TextAtEnd
// the receiver waits for the end of the message.
func TestTextFailFast(t *testing.T) {
	f := client(frame.OpText, "ok\xffand more to come", true)
	cut := wire(f)[:6+4] // header, mask key, "ok\xff" and one more octet
	for _, tt := range []struct {
		atEnd bool
		end   string
	}{
		{false, frame.RuleTextInvalidUTF8 + "/1007"},
		{true, "unexpected EOF"},
	} {
		cfg := Config{From: frame.FromClient, MaxMessage: Unlimited, TextAtEnd: tt.atEnd}
		got, end := items(NewReader(frame.NewReader(iotest.OneByteReader(bytes.NewReader(cut))), cfg, nil))
		if len(got) != 0 || end != tt.end {
			t.Errorf("TextAtEnd=%v: got %q then %s, want %s", tt.atEnd, got, end, tt.end)
		}
	}
}

func TestCompressed(t *testing.T) {
	params := deflate.Params{}
	sender, err := deflate.NewCodec(params, deflate.ClientRole, flate.BestSpeed, 0)
	if err != nil {
		t.Fatal(err)
	}
	compress := func(s string) string {
		b, err := sender.Out.Compress(nil, []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	hello := compress("hello, hello, hello")
	bad := compress("a\xffb")
	bomb := compress(strings.Repeat("\x00", 8<<20))
	var early bytes.Buffer // DEFLATE data that ends (a final block) before the message does
	fw, _ := flate.NewWriter(&early, flate.BestSpeed)
	fw.Write([]byte("abc"))
	fw.Close()
	early.WriteString("ignored")
	cfg := Config{From: frame.FromClient, MaxMessage: Unlimited, Extensions: frame.PerMessageDeflate}
	tests := []struct {
		name     string
		cfg      Config
		inflater bool
		wire     []byte
		want     []string
		end      string
	}{
		{"inflated, fragmented, plain message after", cfg, true,
			wire(rsv(client(frame.OpText, hello[:3], false), frame.RSV1), client(frame.OpContinuation, hello[3:], true), client(frame.OpText, "plain", true)),
			[]string{"text:hello, hello, hello", "text:plain"}, "EOF"},
		{"inflated text not UTF-8", cfg, true, wire(rsv(client(frame.OpText, bad, true), frame.RSV1)), nil, frame.RuleTextInvalidUTF8 + "/1007"},
		{"pings between compressed fragments", cfg, true,
			wire(rsv(client(frame.OpText, hello[:3], false), frame.RSV1), client(frame.OpPing, "p", true), client(frame.OpContinuation, hello[3:6], false),
				client(frame.OpPong, "q", true), client(frame.OpContinuation, "", false), client(frame.OpContinuation, hello[6:], true)),
			[]string{"ping:p", "pong:q", "text:hello, hello, hello"}, "EOF"},
		{"compressed fragment after a close frame", cfg, true,
			wire(rsv(client(frame.OpText, hello[:3], false), frame.RSV1), closeFrame(frame.CloseNormal, "bye"), client(frame.OpContinuation, hello[3:], true)),
			[]string{"close:1000:bye"}, frame.RuleDataAfterClose + "/1002"},
		{"inflates past the limit", cfg, true, wire(rsv(client(frame.OpBinary, bomb, true), frame.RSV1)), nil, deflate.RuleInflatedTooBig + "/1009"},
		{"DEFLATE data ends before the message", cfg, true,
			wire(rsv(client(frame.OpText, early.String()[:4], false), frame.RSV1), client(frame.OpContinuation, early.String()[4:], true), client(frame.OpText, "plain", true)),
			[]string{"text:abc", "text:plain"}, "EOF"},
		{"stream ends inside a compressed message", cfg, true, wire(rsv(client(frame.OpText, hello[:3], false), frame.RSV1)), nil, "unexpected EOF"},
		{"not DEFLATE data", cfg, true, wire(rsv(client(frame.OpBinary, "\xff\xff\xff", true), frame.RSV1)), nil, deflate.RuleInvalidData + "/1007"},
		{"RSV1 on a continuation", cfg, true,
			wire(rsv(client(frame.OpText, hello[:3], false), frame.RSV1), rsv(client(frame.OpContinuation, hello[3:], true), frame.RSV1)),
			nil, frame.RuleCompressedContinued + "/1002"},
		{"RSV1 on a ping", cfg, true, wire(rsv(client(frame.OpPing, "", true), frame.RSV1)), nil, frame.RuleCompressedControl + "/1002"},
		{"no inflater: RSV1 means nothing", cfg, false, wire(rsv(client(frame.OpText, hello, true), frame.RSV1)), nil, frame.RuleRSVWithoutExtension + "/1002"},
	}
	// Whole: control frames come out of Next, a compressed message is
	// inflated once complete. Streamed (HandleControl): inflated as its
	// frames arrive. Both must read the same.
	for _, mode := range []struct {
		name string
		read func(*Reader) ([]string, string)
	}{{"whole", items}, {"streamed", handled}} {
		for _, tt := range tests {
			t.Run(mode.name+"/"+tt.name, func(t *testing.T) {
				var in *deflate.Decompressor
				if tt.inflater {
					receiver, err := deflate.NewCodec(params, deflate.ServerRole, flate.BestSpeed, 1<<20)
					if err != nil {
						t.Fatal(err)
					}
					in = receiver.In
				}
				got, end := mode.read(NewReader(frame.NewReader(iotest.HalfReader(bytes.NewReader(tt.wire))), tt.cfg, in))
				if fmt.Sprint(got) != fmt.Sprint(tt.want) || end != tt.end {
					t.Errorf("got %q then %s, want %q then %s", got, end, tt.want, tt.end)
				}
			})
		}
	}
}

// TestStreamedInflationFailsFast: streamed, compressed text that is not
// UTF-8 fails as soon as it is inflated (RFC 6455 §8.1 allows failing
// once the octets seen cannot be UTF-8), before the rest of the message
// arrives; inflated whole, the reader is still waiting for it when the
// stream ends.
func TestStreamedInflationFailsFast(t *testing.T) {
	sender, _ := deflate.NewCodec(deflate.Params{}, deflate.ClientRole, flate.BestSpeed, 0)
	bad, _ := sender.Out.Compress(nil, []byte("a\xffb"))
	cut := wire(rsv(client(frame.OpText, string(bad), false), frame.RSV1)) // the rest never comes
	cfg := Config{From: frame.FromClient, MaxMessage: Unlimited, Extensions: frame.PerMessageDeflate}
	for _, tt := range []struct {
		name string
		read func(*Reader) ([]string, string)
		end  string
	}{{"whole", items, "unexpected EOF"}, {"streamed", handled, frame.RuleTextInvalidUTF8 + "/1007"}} {
		receiver, _ := deflate.NewCodec(deflate.Params{}, deflate.ServerRole, flate.BestSpeed, 1<<20)
		got, end := tt.read(NewReader(frame.NewReader(bytes.NewReader(cut)), cfg, receiver.In))
		if len(got) != 0 || end != tt.end {
			t.Errorf("%s: got %q then %s, want %s", tt.name, got, end, tt.end)
		}
	}
}

// TestReceiverLeavesStateOnViolation: a refused frame does not advance the
// sequence, so a waiver-free caller that goes on (the probe, which keeps
// reading for the close) still sees the message it was in.
func TestReceiverLeavesStateOnViolation(t *testing.T) {
	r := New(Config{From: frame.FromServer, MaxMessage: Unlimited})
	steps := []struct {
		h    frame.Header
		kind Kind
		rule string
	}{
		{frame.Header{Opcode: frame.OpText}, Data, ""},
		{frame.Header{Fin: true, Opcode: frame.OpBinary}, Data, frame.RuleDataInsideFragmented},
		{frame.Header{Fin: true, Opcode: frame.OpPing}, Control, ""},
		{frame.Header{Fin: true, Opcode: frame.OpContinuation}, Data, ""},
		{frame.Header{Fin: true, Opcode: frame.OpContinuation}, Data, frame.RuleContinuationNoStart},
	}
	for i, s := range steps {
		kind, v := r.Frame(s.h)
		rule := ""
		if v != nil {
			rule = v.Rule
		}
		if kind != s.kind || rule != s.rule {
			t.Errorf("step %d (%v): %v %q, want %v %q", i, s.h, kind, rule, s.kind, s.rule)
		}
	}
	if r.Opcode() != frame.OpText || !r.Final() {
		t.Errorf("message opcode %v final %v, want text, final", r.Opcode(), r.Final())
	}
}

// TestWaiveIsAskedOnlyAboutBrokenRules: a double can count what it let
// through by what Waive was asked.
func TestWaiveIsAskedOnlyAboutBrokenRules(t *testing.T) {
	var asked []string
	cfg := Config{From: frame.FromClient, MaxMessage: Unlimited, Waive: func(rule string) bool {
		asked = append(asked, rule)
		return true
	}}
	in := wire(client(frame.OpText, "ok", false), client(frame.OpPing, "", true), client(frame.OpContinuation, "\xff", true),
		server(frame.OpBinary, "b"), closeFrame(0, ""))
	got, end := items(NewReader(frame.NewReader(bytes.NewReader(in)), cfg, nil))
	want := []string{"ping:", "text:ok\xff", "binary:b", "close:0:"}
	if fmt.Sprint(got) != fmt.Sprint(want) || end != "EOF" {
		t.Errorf("got %q then %s, want %q then EOF", got, end, want)
	}
	wantAsked := []string{frame.RuleTextInvalidUTF8, frame.RuleClientFrameUnmasked, frame.RuleCloseCodeInvalid}
	if fmt.Sprint(asked) != fmt.Sprint(wantAsked) {
		t.Errorf("Waive asked about %q, want %q", asked, wantAsked)
	}
}

// TestAnnouncedSizeCostsNothing: a header announcing a large frame whose
// octets never come does not make the reader allocate for it.
func TestAnnouncedSizeCostsNothing(t *testing.T) {
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: key, Length: 48 << 20}
	in := append(frame.AppendHeader(nil, h), "only a few octets"...)
	cfg := Config{From: frame.FromClient, MaxMessage: 64 << 20}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	got, end := items(NewReader(frame.NewReader(bytes.NewReader(in)), cfg, nil))
	runtime.ReadMemStats(&after)
	if len(got) != 0 || end != "unexpected EOF" {
		t.Errorf("got %q then %s, want unexpected EOF", got, end)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
		t.Errorf("allocated %d octets for 17 octets of a frame announcing 48 MiB", alloc)
	}
}

// A message buffer is no larger than the message, and a compressed
// message at the inflater's limit costs the limit: growing by append would
// overshoot by up to a quarter (megabytes held for a message near a large
// limit).
func TestMessageBufferFitsTheMessage(t *testing.T) {
	const limit = 3<<20 + 5
	sender, _ := deflate.NewCodec(deflate.Params{}, deflate.ClientRole, flate.BestSpeed, 0)
	atLimit, _ := sender.Out.Compress(nil, bytes.Repeat([]byte("at the limit "), limit/13+1)[:limit])
	cfg := Config{From: frame.FromClient, MaxMessage: Unlimited, Extensions: frame.PerMessageDeflate}
	for _, tt := range []struct {
		name string
		wire []byte
		size int
	}{
		{"single frame", wire(client(frame.OpBinary, strings.Repeat("x", 5<<20+3), true)), 5<<20 + 3},
		{"compressed, streamed", wire(rsv(client(frame.OpBinary, string(atLimit), true), frame.RSV1)), limit},
	} {
		t.Run(tt.name, func(t *testing.T) {
			receiver, _ := deflate.NewCodec(deflate.Params{}, deflate.ServerRole, flate.BestSpeed, limit)
			r := NewReader(frame.NewReader(bytes.NewReader(tt.wire)), cfg, receiver.In)
			r.HandleControl(func(Item) error { return nil })
			it, err := r.Next()
			if err != nil || len(it.Payload) != tt.size || cap(it.Payload) > tt.size+1 {
				t.Errorf("message of %d octets (%v) in a buffer of %d; want %d in at most %d", len(it.Payload), err, cap(it.Payload), tt.size, tt.size+1)
			}
		})
	}
}

// A message in many small frames grows its buffer geometrically, not by a
// frame at a time (which would copy it once per frame).
func TestManySmallFramesGrowGeometrically(t *testing.T) {
	const size, piece = 4 << 20, 4 << 10
	var fs []frame.Frame
	for off := 0; off < size; off += piece {
		op := frame.OpBinary
		if off > 0 {
			op = frame.OpContinuation
		}
		fs = append(fs, client(op, strings.Repeat("y", piece), off+piece == size))
	}
	in := wire(fs...)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	it, err := NewReader(frame.NewReader(bytes.NewReader(in)), Config{From: frame.FromClient, MaxMessage: Unlimited}, nil).Next()
	runtime.ReadMemStats(&after)
	if err != nil || len(it.Payload) != size {
		t.Fatalf("message of %d octets (%v), want %d", len(it.Payload), err, size)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8*size {
		t.Errorf("allocated %d octets for a message of %d in %d frames", alloc, size, size/piece)
	}
}
