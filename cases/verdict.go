// Package cases is the conformance catalogue as data: each Case names what
// is sent, why the RFC requires the expected outcome, and which outcomes are
// acceptable, using reference/ for every octet. Execute runs a case against
// a target through the probe and judges it with Autobahn's two verdicts.
package cases

// Verdict is the main (behaviour) verdict, spelled as Autobahn spells it.
type Verdict string

const (
	OK            Verdict = "OK"
	NonStrict     Verdict = "NON-STRICT"    // conformant, but missed a SHOULD or canonical behaviour
	Informational Verdict = "INFORMATIONAL" // behaviour the RFC leaves open, recorded only
	Unimplemented Verdict = "UNIMPLEMENTED" // an optional feature (extension) the target lacks
	Failed        Verdict = "FAILED"        // violates a MUST
	NotRun        Verdict = "NOT RUN"       // never ran (interrupted, target down); never counts as a pass
)

// Verdicts lists the main verdicts from best to worst.
var Verdicts = []Verdict{OK, NonStrict, Informational, Unimplemented, Failed, NotRun}

// CloseVerdict judges the closing handshake (Autobahn's behaviorClose).
type CloseVerdict string

const (
	CloseOK            CloseVerdict = "OK"
	CloseFailed        CloseVerdict = "FAILED"           // wrong side closed, or no handshake
	CloseWrongCode     CloseVerdict = "WRONG CODE"       // the target's close code is not an acceptable one
	CloseUnclean       CloseVerdict = "UNCLEAN"          // closing handshake or TCP shutdown incomplete
	CloseFailedByProbe CloseVerdict = "FAILED BY CLIENT" // we had to drop TCP; §7.1.1 wants the server to close first
	CloseInformational CloseVerdict = "INFORMATIONAL"
	CloseNotRun        CloseVerdict = "NOT RUN"
)

// Level is the strength of the requirement a case tests (RFC 2119).
type Level string

const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
	Info   Level = "INFO" // nothing is required; behaviour is recorded
	// Hardening: no RFC requirement; a server that lacks the protection
	// can be exhausted (slow clients). Findings are NON-STRICT, so only
	// --strict fails them.
	Hardening Level = "HARDENING"
)

// Passes says whether a main verdict lets CI pass. NON-STRICT fails only
// in strict mode; NOT RUN and FAILED always fail.
func (v Verdict) Passes(strict bool) bool {
	switch v {
	case OK, Informational, Unimplemented:
		return true
	case NonStrict:
		return !strict
	}
	return false
}

// Passes says whether a close verdict lets CI pass. A wrong close code or
// the wrong side closing is a MUST violation; an unclean TCP shutdown or a
// server that leaves closing TCP to the client is tolerated unless strict.
func (v CloseVerdict) Passes(strict bool) bool {
	switch v {
	case CloseOK, CloseInformational:
		return true
	case CloseUnclean, CloseFailedByProbe:
		return !strict
	}
	return false
}
