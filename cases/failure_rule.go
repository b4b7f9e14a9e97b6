package cases

import (
	"bytes"
	"errors"
	"io"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
)

// Rules a target breaks without breaking a frame rule: what it sent is
// well formed, but not what its part of the exchange requires. RFC 6455
// does not make a server echo; the echo is the suite's contract with the
// target (as Autobahn's), and a wrong or missing echo shows that the
// target did not receive the message §6.2 defines (the concatenated
// application data, with its type), or did not send it back (§6.1).
var (
	// RuleEchoMismatch: something came back that is not the message sent.
	RuleEchoMismatch = RuleRef{"echo-mismatch", "RFC 6455 §6.2"}
	// RuleEchoMissing: a valid message got no echo (the target closed,
	// or our timer ran out first).
	RuleEchoMissing = RuleRef{"echo-missing", "RFC 6455 §6.2"}
	// RulePongMissing: a ping got no pong (§5.5.2: an endpoint MUST send
	// a pong in response, as soon as practical).
	RulePongMissing = RuleRef{"pong-missing", "RFC 6455 §5.5.2"}
	// RulePongMismatch: the pong's application data is not the ping's
	// (§5.5.3: it MUST be identical).
	RulePongMismatch = RuleRef{"pong-mismatch", "RFC 6455 §5.5.3"}
	// RuleClosedUnprompted: the target closed or failed a connection on
	// which we sent nothing that breaks a rule and still had the close to
	// start (§7.1.7: failing the connection is for what the RFC says
	// requires it).
	RuleClosedUnprompted = RuleRef{"closed-unprompted", "RFC 6455 §7.1.7"}
	// RuleCloseUnanswered: a client left our close frame unanswered
	// (§5.5.1: it MUST send a close frame in response).
	RuleCloseUnanswered = RuleRef{"close-unanswered", "RFC 6455 §5.5.1"}
	// RulePMDEchoMismatch: a compressed message's echo does not inflate
	// to the message sent (RFC 7692 §7.2.2 defines what a receiver
	// recovers by inflating; §7.2.1 what a sender compresses).
	RulePMDEchoMismatch = RuleRef{"pmd-echo-mismatch", "RFC 7692 §7.2.2"}
	// RulePMDEchoMissing: a compressed message got no echo.
	RulePMDEchoMissing = RuleRef{"pmd-echo-missing", "RFC 7692 §7.2.2"}
)

// failed reports whether r's main or close verdict is FAILED.
func failed(r *Result) bool { return r.Behavior == Failed || r.BehaviorClose == CloseFailed }

// name sets r's rule to ref unless a rule is named already.
func name(r *Result, ref RuleRef) {
	if r.Rule == "" {
		r.Rule, r.RuleSection = ref.ID, ref.Section
	}
}

// nameScriptRule names the rule of a FAILED scripted case whose target
// broke no frame rule. When the script breaks one, that is the rule: the
// target did not fail the connection as it requires (or did so with the
// wrong code). Otherwise the first difference between what came back and
// the expected outcome names it.
func nameScriptRule(r *Result, c *Case, events []observed.Event, st observed.CloseState) {
	if !failed(r) || r.Rule != "" {
		return
	}
	if v := c.scriptBreaks(st.IsServer); v != nil {
		name(r, RuleRef{v.Rule, v.Section})
		return
	}
	if r.Behavior == Failed {
		if c.Echoes != nil {
			name(r, echoesRule(c, events))
		} else if ref, ok := outcomeRule(c, events); ok {
			name(r, ref)
		}
	}
	nameCloseRule(r, c, st)
}

// nameCompressionRule names the rule of a FAILED compression case whose
// target broke no frame or extension rule.
func nameCompressionRule(r *Result, c *Case, run CompressionRun) {
	if !failed(r) || r.Rule != "" {
		return
	}
	if r.Behavior == Failed && run.Agreed != nil {
		if run.Mismatch {
			name(r, RulePMDEchoMismatch)
		} else {
			name(r, RulePMDEchoMissing)
		}
	}
	nameCloseRule(r, c, run.Close)
}

// nameCloseRule names why the close verdict failed when no frame rule
// does.
func nameCloseRule(r *Result, c *Case, st observed.CloseState) {
	switch {
	case st.IsServer && st.CloseTimeout:
		name(r, RuleCloseUnanswered)
	case !st.ClosedByMe && c.Close.ClosedByMe:
		name(r, RuleClosedUnprompted)
	}
}

// echoesRule names why a performance-style case's echoes failed.
func echoesRule(c *Case, events []observed.Event) RuleRef {
	n := 0
	for _, e := range events {
		if e.Kind != observed.Message {
			continue
		}
		if n++; e.Binary != c.Echoes.Binary || e.PayloadLen() != c.Echoes.Length {
			return RuleEchoMismatch
		}
	}
	return RuleEchoMissing
}

// outcomeRule compares events with the outcome the case expects first (a
// passing one, when the case has several) and names the first difference.
func outcomeRule(c *Case, events []observed.Event) (RuleRef, bool) {
	var want []observed.Event
	for i, o := range c.Expect {
		if i == 0 || o.Verdict == OK && len(want) == 0 {
			want = o.Events
		}
	}
	for i, w := range want {
		if i >= len(events) {
			if w.Kind == observed.Pong {
				return RulePongMissing, true
			}
			return RuleEchoMissing, true
		}
		g := events[i]
		switch {
		case w.Kind == g.Kind && w.Binary == g.Binary && w.Tag == g.Tag && g.SamePayload(w.Payload):
			continue
		case w.Kind == observed.Pong && g.Kind == observed.Pong:
			return RulePongMismatch, true
		case w.Kind == observed.Pong:
			return RulePongMissing, true
		}
		return RuleEchoMismatch, true
	}
	if len(events) > len(want) {
		return RuleEchoMismatch, true // more came back than was sent
	}
	return RuleRef{}, false
}

// scriptBreaks is the first rule c's script breaks, read as a strict
// receiver reads it (nil if it breaks none); asServer reads it as a
// client reads what we send as the server.
func (c *Case) scriptBreaks(asServer bool) *frame.Violation {
	from := frame.FromClient
	if asServer {
		from = frame.FromServer
	}
	cfg := receive.Config{From: from, MaxMessage: receive.Unlimited}
	if c.Deflate != nil {
		cfg.Extensions = frame.PerMessageDeflate
	}
	rc := receive.New(cfg)
	judge := func(h frame.Header, payload []byte) (*frame.Violation, bool) {
		kind, v := rc.Frame(h)
		switch {
		case v != nil:
			return v, true
		case h.Opcode == frame.OpClose:
			_, v := rc.Close(payload)
			return v, true
		case kind != receive.Data || rc.Compressed():
			return nil, false
		}
		if v := rc.Data(payload); v != nil {
			return v, true
		}
		if rc.Final() {
			if v := rc.End(); v != nil {
				return v, true
			}
		}
		return nil, false
	}
	for _, s := range c.Steps {
		switch {
		case s.Frame != nil:
			h := s.Frame.Header
			h.Masked = !s.Unmasked && !asServer || asServer && s.Frame.Header.Masked
			h.Length = uint64(len(s.Frame.Payload))
			if s.Frame.LengthOverride != nil {
				h.Length = *s.Frame.LengthOverride
			}
			if v, stop := judge(h, s.Frame.Payload); stop {
				return v
			}
		case s.Close != nil:
			h := frame.New(frame.OpClose, s.Close).Header
			h.Masked = !asServer
			if v, stop := judge(h, s.Close); stop {
				return v
			}
		case s.Raw != nil:
			fr := frame.NewReader(bytes.NewReader(s.Raw))
			for {
				h, err := fr.Next()
				if err != nil {
					break
				}
				payload, err := io.ReadAll(fr)
				if err != nil && !errors.Is(err, io.EOF) {
					break
				}
				if v, stop := judge(h, payload); stop {
					return v
				}
			}
		}
	}
	return nil
}
