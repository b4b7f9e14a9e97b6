package netfuzz

import (
	"bytes"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/wsconform/wsconform/reference/frame"
)

// verdict is what a conforming server must do after reading the octets of
// one iteration.
type verdict struct {
	MustEnd bool   // answer a close frame or fail the connection
	Rule    string // the rule that obliges it (a frame.Rule* id or one below)
	Why     string // which frame, for the reproducer
}

// Rules a server must follow that are not header rules of reference/frame.
const (
	RuleAnswerClose = "close-must-be-answered"  // §5.5.1
	RuleTextUTF8    = frame.RuleTextInvalidUTF8 // §8.1
)

// judge reads the octets the fuzzer sent as a conforming server would and
// says whether that server must end the connection: it owes an answer to a
// close frame (§5.5.1) and must fail the connection on a broken rule
// (§7.1.7). It reads up to the first close frame or the first rule a server
// must enforce. When the octets run out inside a frame (a length that lies
// upwards), a server may rightly wait for the rest, so nothing is owed.
//
// A length wider than needed is passed over: §5.2 asks senders for the
// minimal encoding, and receivers commonly tolerate the rest.
func judge(wire []byte) verdict {
	r := frame.NewReader(bytes.NewReader(wire))
	var seq frame.Sequence
	var text []byte
	inText := false
	for i := 0; ; i++ {
		h, err := r.Next()
		if err == io.EOF {
			return verdict{Why: fmt.Sprintf("the octets end after frame %d without a close frame", i-1)}
		}
		if err != nil {
			return verdict{Why: fmt.Sprintf("the octets end inside the header of frame %d", i)}
		}
		vs := frame.Check(h, frame.FromClient, frame.Extensions{})
		if v := seq.Check(h); v != nil {
			vs = append(vs, *v)
		}
		for _, v := range vs {
			if v.Rule != frame.RuleLengthNotMinimal {
				return verdict{true, v.Rule, fmt.Sprintf("frame %d (%v) breaks %s, %s: fail with %v", i, h, v.Rule, v.Section, v.Code)}
			}
		}
		payload, err := io.ReadAll(r)
		if err != nil {
			return verdict{Why: fmt.Sprintf("the octets end inside frame %d (%v), %d of its payload octets sent", i, h, len(payload))}
		}
		switch h.Opcode {
		case frame.OpClose:
			if _, v := frame.ParseClosePayload(payload); v != nil {
				return verdict{true, v.Rule, fmt.Sprintf("frame %d is a close frame that breaks %s, %s: fail with %v", i, v.Rule, v.Section, v.Code)}
			}
			return verdict{true, RuleAnswerClose, fmt.Sprintf("frame %d is a close frame, which must be answered (RFC 6455 §5.5.1)", i)}
		case frame.OpText:
			text, inText = append(text[:0], payload...), true
		case frame.OpBinary:
			inText = false
		case frame.OpContinuation:
			if inText {
				text = append(text, payload...)
			}
		}
		// §8.1: a text message that is not UTF-8 fails the connection
		// (1007). A server may wait for the end of the message to judge it.
		if h.Fin && inText && !h.Opcode.IsControl() {
			if !utf8.Valid(text) {
				return verdict{true, RuleTextUTF8, fmt.Sprintf("frame %d ends a text message that is not UTF-8 (RFC 6455 §8.1): fail with 1007", i)}
			}
			inText = false
		}
	}
}
