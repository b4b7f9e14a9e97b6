package netfuzz

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

// verdict is what a conforming server must do after reading the octets of
// one session.
type verdict struct {
	MustEnd bool // answer a close frame or fail the connection
	// Boundary: nothing is owed and the octets end between frames, so a
	// close frame sent next would be read as one (and owed an answer).
	Boundary bool
	Rule     string // the rule that obliges it (a frame.Rule* id or one below)
	Why      string // which frame, for the reproducer
}

// Rules a server must follow that are not header rules of reference/frame.
const (
	RuleAnswerClose = "close-must-be-answered"  // §5.5.1
	RuleTextUTF8    = frame.RuleTextInvalidUTF8 // §8.1
)

// judgeInflateLimit bounds what the oracle inflates of one message: past
// it a server may fail with 1009 or go on, both conforming, so the oracle
// goes on with the next frame.
const judgeInflateLimit = 4 << 20

// judge reads the octets the fuzzer sent as a conforming server would and
// says whether that server must end the connection: it owes an answer to a
// close frame (§5.5.1) and must fail the connection on a broken rule
// (§7.1.7). It reads up to the first close frame or the first rule a server
// must enforce. When the octets run out inside a frame (a length that lies
// upwards), a server may rightly wait for the rest, so nothing is owed.
// compressed says permessage-deflate was agreed: RSV1 then starts a
// compressed message, which must inflate (RFC 7692 §7.2.2) and, for text,
// be UTF-8 once inflated.
//
// A length wider than needed is passed over: §5.2 asks senders for the
// minimal encoding, and receivers commonly tolerate the rest.
func judge(wire []byte, compressed bool) verdict {
	r := frame.NewReader(bytes.NewReader(wire))
	cfg := receive.Config{
		From:       frame.FromClient,
		MaxMessage: receive.Unlimited,
		Waive:      func(rule string) bool { return rule == frame.RuleLengthNotMinimal },
		// §8.1: a server may wait for the end of a text message to judge it.
		TextAtEnd: true,
	}
	if compressed {
		cfg.Extensions = frame.PerMessageDeflate
	}
	rc := receive.New(cfg)
	var deflated []byte // the compressed message so far
	var inflater *deflate.Decompressor
	for i := 0; ; i++ {
		h, err := r.Next()
		if err == io.EOF {
			return verdict{Boundary: true, Why: fmt.Sprintf("the octets end after frame %d without a close frame", i-1)}
		}
		if err != nil {
			return verdict{Why: fmt.Sprintf("the octets end inside the header of frame %d", i)}
		}
		kind, v := rc.Frame(h)
		if v != nil {
			return verdict{MustEnd: true, Rule: v.Rule, Why: fmt.Sprintf("frame %d (%v) breaks %s, %s: fail with %v", i, h, v.Rule, v.Section, v.Code)}
		}
		payload, err := io.ReadAll(r)
		if err != nil {
			return verdict{Why: fmt.Sprintf("the octets end inside frame %d (%v), %d of its payload octets sent", i, h, len(payload))}
		}
		switch {
		case h.Opcode == frame.OpClose:
			if _, v := rc.Close(payload); v != nil {
				return verdict{MustEnd: true, Rule: v.Rule, Why: fmt.Sprintf("frame %d is a close frame that breaks %s, %s: fail with %v", i, v.Rule, v.Section, v.Code)}
			}
			return verdict{MustEnd: true, Rule: RuleAnswerClose, Why: fmt.Sprintf("frame %d is a close frame, which must be answered (RFC 6455 §5.5.1)", i)}
		case kind != receive.Data:
			continue
		}
		if rc.Compressed() {
			deflated = append(deflated, payload...)
			if !rc.Final() {
				continue
			}
			if inflater == nil {
				inflater = inflaters.Get().(*deflate.Decompressor)
				defer inflaters.Put(inflater)
			}
			var sink utf8Sink
			_, err := inflater.DecompressTo(&sink, bytes.NewReader(deflated))
			deflated = deflated[:0]
			var tooBig *deflate.Error
			switch {
			case errors.As(err, &tooBig) && tooBig.Rule == deflate.RuleInflatedTooBig:
				continue // the server may take it or fail with 1009
			case err != nil:
				v := receive.InflateViolation(err)
				return verdict{MustEnd: true, Rule: v.Rule, Why: fmt.Sprintf("frame %d ends a compressed message that does not inflate (%s): fail with %v", i, v.Section, v.Code)}
			case rc.Opcode() == frame.OpText && sink.v.Finish() >= 0:
				return verdict{MustEnd: true, Rule: RuleTextUTF8, Why: fmt.Sprintf("frame %d ends a compressed text message that is not UTF-8 once inflated (RFC 6455 §8.1): fail with 1007", i)}
			}
			continue
		}
		rc.Data(payload) // judged at the end (TextAtEnd)
		if !rc.Final() {
			continue
		}
		if v := rc.End(); v != nil {
			return verdict{MustEnd: true, Rule: v.Rule, Why: fmt.Sprintf("frame %d ends a text message that is not UTF-8 (%s): fail with %v", i, v.Section, v.Code)}
		}
	}
}

// inflaters are the oracle's decompressors, one per message (no context
// takeover: the oracle's sessions compress every message on its own), kept
// because setting one up costs more than inflating most messages.
var inflaters = sync.Pool{New: func() any { return deflate.NewDecompressor(true, judgeInflateLimit) }}

// utf8Sink validates inflated output as it comes, instead of holding up to
// judgeInflateLimit octets of it.
type utf8Sink struct{ v utf8stream.Validator }

func (s *utf8Sink) Write(p []byte) (int, error) {
	s.v.Write(p)
	return len(p), nil
}
