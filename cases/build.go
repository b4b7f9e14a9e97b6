package cases

import (
	"bytes"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// The small vocabulary the catalogue is written in. Frames always come from
// reference/frame; nothing here encodes octets by hand.

// dataFrame is a frame with every header bit chosen.
func dataFrame(op frame.Opcode, payload []byte, fin bool, rsv uint8) *frame.Frame {
	f := frame.New(op, payload)
	f.Fin, f.Rsv = fin, rsv
	return &f
}

func textFrame(s string) *frame.Frame   { f := frame.New(frame.OpText, []byte(s)); return &f }
func binaryFrame(b []byte) *frame.Frame { f := frame.New(frame.OpBinary, b); return &f }
func pingFrame(b []byte) *frame.Frame   { f := frame.New(frame.OpPing, b); return &f }
func pongFrame(b []byte) *frame.Frame   { f := frame.New(frame.OpPong, b); return &f }

// sendCloseRaw starts the closing handshake with any close payload.
func sendCloseRaw(payload []byte) Step { return Step{Close: payload} }

// send is a step that writes f in one TCP write.
func send(f *frame.Frame) Step { return Step{Frame: f} }

// chopped writes f chop octets at a time.
func chopped(f *frame.Frame, chop int) Step { return Step{Frame: f, Chop: chop} }

func wait(d time.Duration, marker string) Step { return Step{Pause: d, Marker: marker} }

func sendClose(code frame.CloseCode, reason string) Step {
	return Step{Close: frame.ClosePayload(code, reason)}
}

// repeat fills n octets with pattern (Autobahn's payload_len).
func repeat(pattern string, n int) []byte {
	if n == 0 {
		return []byte{}
	}
	return bytes.Repeat([]byte(pattern), n/len(pattern)+1)[:n]
}

func textEcho(s string) observed.Event {
	return observed.Event{Kind: observed.Message, Payload: []byte(s)}
}
func binaryEcho(b []byte) observed.Event {
	return observed.Event{Kind: observed.Message, Binary: true, Payload: b}
}
func pong(b []byte) observed.Event     { return observed.Event{Kind: observed.Pong, Payload: b} }
func marker(tag string) observed.Event { return observed.Event{Kind: observed.Marker, Tag: tag} }

func events(es ...observed.Event) []observed.Event {
	if es == nil {
		return []observed.Event{}
	}
	return es
}

// only is the single acceptable outcome.
func only(es ...observed.Event) []Outcome { return []Outcome{{Verdict: OK, Events: events(es...)}} }

// nothingBack: the target must send nothing (no echo, no pong).
var nothingBack = only()

func killAfter(d time.Duration) Timer  { return Timer{Kind: KillAfter, After: d} }
func closeAfter(d time.Duration) Timer { return Timer{Kind: CloseAfter, After: d} }

// normalClose: we close with 1000 once the expected events arrived, and the
// target must answer with 1000 (or no code) and end TCP cleanly.
var normalClose = CloseExpect{ClosedByMe: true, Codes: codes(1000), RequireClean: true}

// failedWith: the target must fail the connection itself (§7.1.7): a close
// frame with one of the codes (or none), or a plain TCP drop.
func failedWith(cs ...frame.CloseCode) CloseExpect {
	return CloseExpect{ClosedByMe: false, Codes: cs}
}

func codes(cs ...frame.CloseCode) []frame.CloseCode { return cs }

const (
	rfcFraming   = "RFC 6455 §5.2"
	rfcMasking   = "RFC 6455 §5.3"
	rfcFragments = "RFC 6455 §5.4"
	rfcControl   = "RFC 6455 §5.5"
	rfcClose     = "RFC 6455 §5.5.1"
	rfcPing      = "RFC 6455 §5.5.2"
	rfcPong      = "RFC 6455 §5.5.3"
	rfcData      = "RFC 6455 §5.6"
	rfcFailing   = "RFC 6455 §7.1.7"
	rfcCloseCode = "RFC 6455 §7.4"
	rfcUTF8      = "RFC 6455 §8.1"
)

// together sends the steps in one TCP write, as Autobahn's frames sent in
// one reactor turn without "sync" reach the peer in one segment.
func together(steps ...Step) []Step {
	for i := range steps[:len(steps)-1] {
		steps[i].Corked = true
	}
	return steps
}
