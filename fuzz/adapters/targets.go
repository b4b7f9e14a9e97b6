package adapters

import (
	"github.com/wsconform/wsconform/fuzz/serverfuzz"
	"github.com/wsconform/wsconform/reference/frame"
)

// Known deviations of each library, waived in its fuzz target so that
// fuzzing goes on past them; TestKnownDeviations shows each one on an
// unwaived harness.
const (
	// RFC 7692 §7.1.2.1: a server accepts an offer carrying
	// server_max_window_bits only by including that parameter in its
	// response. gorilla and coder accept such offers without it.
	ruleWindowBitsMissing = "pmd-response-server-max-window-bits-missing"
	// RFC 7692 §7: an offer with an unknown or invalid parameter must be
	// declined; gorilla accepts any offer named permessage-deflate.
	ruleNotOffered = "pmd-not-offered"
)

// The known deviations, per library.
var (
	gorillaDeviations = []string{ruleWindowBitsMissing, ruleNotOffered}
	// RFC 6455 §5.5.1: a close reason is UTF-8; coder echoes a client's
	// invalid one in its own close frame (found by go-fuzz). RFC 7692 §7:
	// it accepts an offer that repeats a parameter
	// (server_no_context_takeover twice; catalogue case 17.1.3, found at
	// once when the catalogue seeded FuzzCoder).
	coderDeviations = []string{ruleWindowBitsMissing, frame.RuleCloseReasonUTF8, ruleNotOffered}
	// RFC 6455 §7.4: gobwas echoes a close code above 4999 (5000, 65535)
	// instead of failing the connection; none is valid on the wire.
	// RFC 7692 §7.1.2.2: it accepts client_max_window_bits=09 (a leading
	// zero) instead of declining the offer (catalogue case 17.1.8, found
	// at once when the catalogue seeded FuzzGobwas).
	gobwasDeviations = []string{frame.RuleCloseCodeInvalid, ruleNotOffered}
)

func waive(rules []string) func(string) bool {
	return func(rule string) bool {
		for _, r := range rules {
			if r == rule {
				return true
			}
		}
		return false
	}
}

// One harness per library for the process's life.
var (
	gorillaTarget = withWaiver(serverfuzz.ForHandler(Gorilla()), gorillaDeviations)
	coderTarget   = withWaiver(serverfuzz.ForHandler(Coder()), coderDeviations)
	gobwasTarget  = withWaiver(serverfuzz.ForConn(Gobwas()), gobwasDeviations)
)

func withWaiver(h *serverfuzz.Harness, rules []string) *serverfuzz.Harness {
	h.Waive = waive(rules)
	return h
}
