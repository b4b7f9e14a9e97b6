package serverfuzz

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
)

// judgeLimit bounds a message the judge reads back (as sent and inflated):
// past it the judge stops reading, without a finding, so its own memory
// stays small whatever the server sends.
const judgeLimit = 1 << 20

// RuleDataAfterClose: the server sent a data frame after its close frame.
// RFC 6455 §5.5.1: "The application MUST NOT send any more data frames after
// sending a Close frame." The receiver (reference/receive) judges it.
const RuleDataAfterClose = frame.RuleDataAfterClose

// judge reads what the server sends, as a client would, and reports the
// first rule it breaks: in the answer to a valid opening handshake
// (reference/handshake), and in every frame after it (reference/receive,
// the receiving rules composed once). What a server sends in answer to a
// broken request, or after it accepted one, is judged the same way: the
// octets on the wire must be a valid server's whatever came in.
type judge struct {
	s        *Session
	waive    func(rule string) bool
	valid    bool // the request is a valid §4.1 opening handshake
	status   int  // the answer's status, 0 if none came
	received int  // messages and control frames read back
	finding  *Finding
}

func newJudge(s *Session, waive func(string) bool) *judge {
	status, _, _ := handshake.ValidateRequest(s.Request)
	return &judge{s: s, waive: waive, valid: status == 101}
}

func (j *judge) report(rule, format string, args ...any) bool {
	if j.waive != nil && j.waive(rule) {
		return false
	}
	j.finding = &Finding{Kind: "violation", Rule: rule, Detail: fmt.Sprintf(format, args...)}
	return true
}

// run judges everything read from c, then reads on until EOF so the server
// never blocks on a write. answered is closed once the answer's head is in
// (or will never be).
func (j *judge) run(c io.Reader, answered chan<- struct{}) {
	br := bufio.NewReaderSize(c, 4096)
	defer io.Copy(io.Discard, br)
	resp, err := handshake.ReadResponseLimit(br, handshake.MaxHeaderBytes)
	close(answered)
	if err != nil {
		return
	}
	j.status = resp.Status
	if resp.Status != 101 {
		return
	}
	if j.valid {
		for _, v := range handshake.ValidateResponse(j.s.Request, resp) {
			if v.Level == handshake.LevelMust && j.report(v.Rule,
				"the server accepted a valid opening handshake with an answer that breaks %s (%s): %s", v.Rule, v.Section, v.Detail) {
				return
			}
		}
	}
	agreed, err := deflate.Agreement(j.offers(), resp.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		var de *deflate.Error
		if errors.As(err, &de) && j.valid {
			j.report(de.Rule, "the server's permessage-deflate answer breaks %s (%s): %s", de.Rule, de.Section, de.Detail)
		}
		return // nothing after it can be judged
	}
	j.frames(br, agreed)
}

func (j *judge) offers() []deflate.Params {
	var exts []handshake.Extension
	for _, v := range j.s.Request.Values("Sec-WebSocket-Extensions") {
		e, err := handshake.ParseExtensions(v)
		if err == nil {
			exts = append(exts, e...)
		}
	}
	offers, _ := deflate.Offers(exts)
	return offers
}

func (j *judge) frames(br *bufio.Reader, agreed *deflate.Params) {
	cfg := receive.Config{From: frame.FromServer, MaxMessage: judgeLimit, TextAtEnd: true}
	var inflater *deflate.Decompressor
	if agreed != nil {
		cfg.Extensions = frame.PerMessageDeflate
		inflater = deflate.NewDecompressor(agreed.ServerNoContextTakeover, judgeLimit)
	}
	rr := receive.NewReader(frame.NewReader(br), cfg, inflater)
	for {
		_, err := rr.Next()
		var v *frame.Violation
		switch {
		case errors.As(err, &v):
			if v.Rule == frame.RuleMessageTooBig || v.Rule == deflate.RuleInflatedTooBig {
				return // our limit, not the server's fault
			}
			j.report(v.Rule, "frame %d from the server (%v) breaks %s (%s): %s",
				rr.Frames(), rr.Header(), v.Rule, v.Section, v.Detail)
			return
		case err != nil: // EOF, or the server closed inside a frame
			return
		}
		j.received++
	}
}
