package probe_test

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/receive"
	"github.com/wsconform/wsconform/reference/server"
)

// ruleTextInvalidUTF8 is the rule a text message that is not UTF-8 breaks.
const ruleTextInvalidUTF8 = frame.RuleTextInvalidUTF8

// violation is a rule a case's script breaks, as a strict server reading
// it would see it.
type violation struct {
	rule string
	// silent is set when a server that waives the rule has nothing to say
	// about the frame: a pong, or a reserved opcode it skips.
	silent bool
	// onClose is set when the offending frame is a close frame; a server
	// that waives the rule answers it with closeReply (nil: no code).
	onClose    bool
	closeReply *frame.CloseCode
}

// firstViolation is the first rule c's script breaks ("" if none).
func firstViolation(c *cases.Case) (violation, string) {
	vs := violations(c)
	if len(vs) == 0 {
		return violation{}, ""
	}
	return vs[0], vs[0].rule
}

// violations walks a case's script the way a strict server reads it:
// frame rules, fragmentation, UTF-8 of each text message, the close
// payload. It goes on past a violation (as a server that waives it would)
// and stops at the first close frame. Generated (section 9) steps are
// valid by construction and not walked.
func violations(c *cases.Case) []violation {
	var out []violation
	// The receiver waives every rule, so it reads on as a server with
	// that fault would; broken lists what one frame broke, first first.
	var broken []string
	rc := receive.New(receive.Config{From: frame.FromClient, MaxMessage: receive.Unlimited,
		Waive: func(rule string) bool { broken = append(broken, rule); return true }})
	// judge returns done when the server stops reading after this frame.
	judge := func(h frame.Header, payload []byte) (v violation, done bool) {
		broken = broken[:0]
		kind, _ := rc.Frame(h)
		if h.Opcode == frame.OpClose {
			body, _ := rc.Close(payload)
			if len(broken) > 0 {
				// As the reference server answers a close it was told to
				// accept: no body, no code; a code it may not echo, 1000.
				var reply *frame.CloseCode
				switch {
				case body.HasCode && body.Code.ValidOnWire():
					reply = observed.Code(body.Code)
				case len(payload) > 0:
					reply = observed.Code(1000)
				}
				return violation{rule: broken[0], onClose: true, closeReply: reply}, true
			}
			return violation{}, true
		}
		if len(broken) > 0 {
			silent := h.Opcode == frame.OpPong || h.Opcode.IsReserved()
			return violation{rule: broken[0], silent: silent}, false
		}
		if kind == receive.Data {
			rc.Data(payload)
			if rc.Final() {
				rc.End()
			}
			if len(broken) > 0 {
				return violation{rule: ruleTextInvalidUTF8}, false
			}
		}
		return violation{}, false
	}
	add := func(v violation, done bool) bool {
		if v.rule != "" {
			out = append(out, v)
		}
		return done
	}
	for _, s := range c.Steps {
		switch {
		case s.Frame != nil:
			h := s.Frame.Header
			h.Masked = !s.Unmasked
			h.Length = uint64(len(s.Frame.Payload))
			if s.Frame.LengthOverride != nil {
				h.Length = *s.Frame.LengthOverride
			}
			if add(judge(h, s.Frame.Payload)) {
				return out
			}
		case s.Close != nil:
			h := frame.New(frame.OpClose, s.Close).Header
			h.Masked = true
			if add(judge(h, s.Close)) {
				return out
			}
		case s.Raw != nil:
			r := frame.NewReader(bytes.NewReader(s.Raw))
			for {
				h, err := r.Next()
				if err != nil {
					break
				}
				payload, err := io.ReadAll(r)
				if err != nil && !errors.Is(err, io.EOF) {
					break
				}
				if add(judge(h, payload)) {
					return out
				}
			}
		}
	}
	return out
}

// faultFamily is one broken reference server and the catalogue cases it
// must fail, derived from what each case sends and expects.
type faultFamily struct {
	name   string
	faults server.Faults
	// rules the fault stops enforcing (mirrors server.Faults).
	rules []string
	// extra marks further cases to fail, for faults that are not about a
	// broken rule.
	extra func(*cases.Case) bool
	// nonStrict marks the cases that turn NON-STRICT instead.
	nonStrict func(*cases.Case) bool
}

// expectFailure says whether c must fail against the faulty server. Along
// the script's violations: one the fault does not waive makes the server
// fail the connection as the case expects, so the case passes unless a
// waived one already made the server say something it should not have
// (an echo, a pong, a close reply with an unacceptable code). If every
// violation is waived and silent, the server never fails the connection
// and our timer has to.
func (ff faultFamily) expectFailure(c *cases.Case) bool {
	if c.Close.Informational {
		return false
	}
	if ff.extra != nil && ff.extra(c) {
		return true
	}
	vs := violations(c)
	if len(vs) == 0 {
		return false
	}
	for _, v := range vs {
		if !slices.Contains(ff.rules, v.rule) {
			return false
		}
		if v.onClose {
			// The server obeys the close it should have rejected: the case
			// catches that only if the reply's code is not acceptable.
			return v.closeReply != nil && !slices.Contains(c.Close.Codes, *v.closeReply) && !slices.Contains(c.Close.NonStrictCodes, *v.closeReply)
		}
		if !v.silent {
			return true
		}
	}
	return true
}

// expectNonStrict says whether c turns NON-STRICT: the fault's own rule, or
// a close the server obeys and answers with a code the RFC allows but
// Autobahn does not (7.9.3).
func (ff faultFamily) expectNonStrict(c *cases.Case) bool {
	if ff.nonStrict != nil && ff.nonStrict(c) {
		return true
	}
	v, rule := firstViolation(c)
	return slices.Contains(ff.rules, rule) && v.onClose && v.closeReply != nil && slices.Contains(c.Close.NonStrictCodes, *v.closeReply)
}

func expectsPong(c *cases.Case) bool {
	for _, o := range c.Expect {
		for _, e := range o.Events {
			if e.Kind == observed.Pong {
				return true
			}
		}
	}
	return false
}

var faultFamilies = []faultFamily{
	{name: "no UTF-8 validation", faults: server.Faults{SkipUTF8Validation: true},
		rules: []string{ruleTextInvalidUTF8, frame.RuleCloseReasonUTF8}},
	{name: "UTF-8 checked per message only", faults: server.Faults{NoFailFastUTF8: true},
		nonStrict: func(c *cases.Case) bool { return c.FailFastAt > 0 }},
	{name: "no close code validation", faults: server.Faults{SkipCloseCodeValidation: true},
		rules: []string{frame.RuleCloseOneOctet, frame.RuleCloseCodeInvalid}},
	{name: "accepts reserved opcodes", faults: server.Faults{AcceptReservedOpcodes: true},
		rules: []string{frame.RuleReservedOpcode}},
	{name: "accepts RSV bits", faults: server.Faults{AcceptRSV: true},
		rules: []string{frame.RuleRSVWithoutExtension}},
	{name: "accepts unmasked frames", faults: server.Faults{SkipMaskCheck: true},
		rules: []string{frame.RuleClientFrameUnmasked}},
	{name: "never answers ping", faults: server.Faults{IgnorePing: true},
		extra: expectsPong},
	{name: "accepts fragmented control frames", faults: server.Faults{AllowControlFragmentation: true},
		rules: []string{frame.RuleControlFragmented}},
	{name: "accepts long control frames", faults: server.Faults{AcceptLongControl: true},
		rules: []string{frame.RuleControlTooLong}},
	{name: "accepts non-minimal lengths", faults: server.Faults{AcceptNonMinimalLength: true},
		rules: []string{frame.RuleLengthNotMinimal}},
	{name: "no fragmentation checks", faults: server.Faults{SkipFragmentationCheck: true},
		rules: []string{frame.RuleContinuationNoStart, frame.RuleDataInsideFragmented}},
}

// With one check of the reference server switched off at a time, exactly
// the family of cases that exists to catch it fails, and the rest pass.
func TestEachServerFaultFailsExactlyItsFamily(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the protocol sections once per fault")
	}
	// INFORMATIONAL cases never fail, so they cannot show a fault.
	var sel []*cases.Case
	for _, c := range selectCases(t, protocolSections, nil) {
		if !c.Close.Informational {
			sel = append(sel, c)
		}
	}
	for _, ff := range faultFamilies {
		t.Run(ff.name, func(t *testing.T) {
			t.Parallel()
			results := runCases(t, startReference(t, server.Config{Faults: ff.faults}), sel)
			requireRuleOnEveryFailure(t, results)
			wantFail, gotFail := map[string]bool{}, map[string]bool{}
			for _, c := range sel {
				r := results[c.ID]
				if ff.expectFailure(c) {
					wantFail[c.ID] = true
				}
				if !r.Passes(false) {
					gotFail[c.ID] = true
				}
				wantNonStrict := ff.expectNonStrict(c)
				if wantNonStrict != (r.Behavior == cases.NonStrict) && !wantFail[c.ID] {
					t.Errorf("NON-STRICT expected=%t: %s", wantNonStrict, describeResult(r))
				}
				if wantFail[c.ID] != gotFail[c.ID] {
					t.Errorf("fail expected=%t: %s", wantFail[c.ID], describeResult(r))
				}
			}
			if len(wantFail) == 0 && ff.nonStrict == nil && ff.name != "accepts non-minimal lengths" {
				t.Errorf("no case catches this fault")
			}
			t.Logf("%d cases fail: %v", len(gotFail), sortedIDs(gotFail))
		})
	}
}

// Every invalid-UTF-8 case must make a target that leaves the closing to us
// fail (Autobahn's closedByWrongEndpointIsFatal); valid ones must not.
func TestInvalidUTF8CasesAreWrongEndpointFatal(t *testing.T) {
	for _, c := range cases.All() {
		if c.Section() != "6" {
			continue
		}
		_, broken := firstViolation(c)
		if c.Close.WrongEndpointFatal != (broken == ruleTextInvalidUTF8) {
			t.Errorf("%s: WrongEndpointFatal=%t but the script's first violation is %q", c.ID, c.Close.WrongEndpointFatal, broken)
		}
	}
}
