package frame

// Violation is one broken rule: which one (a stable id), where the RFC states
// it, and the close code an endpoint fails the connection with. Functions
// that return a violation as an error return *Violation; read it back with
// errors.As.
type Violation struct {
	Rule    string    // stable id, one of the Rule* constants
	Section string    // e.g. "RFC 6455 §5.2"
	Code    CloseCode // close code for _Fail the WebSocket Connection_
	Detail  string    // what was seen, for humans
}

func (v Violation) Error() string {
	return "frame: " + v.Section + " [" + v.Rule + "] " + v.Detail + " (close " + v.Code.String() + ")"
}

// Stable rule ids. Reports, case expectations and metrics key on these, so
// they never change once released.
const (
	RuleRSVWithoutExtension  = "rsv-without-extension"
	RuleReservedOpcode       = "reserved-opcode"
	RuleClientFrameUnmasked  = "client-frame-unmasked"
	RuleServerFrameMasked    = "server-frame-masked"
	RuleControlTooLong       = "control-payload-too-long"
	RuleControlFragmented    = "control-fragmented"
	RuleLengthTopBit         = "length-top-bit-set"
	RuleLengthNotMinimal     = "length-not-minimal"
	RuleCompressedControl    = "compressed-control-frame"
	RuleCompressedContinued  = "compressed-continuation-frame"
	RuleContinuationNoStart  = "continuation-without-start"
	RuleDataInsideFragmented = "data-frame-inside-fragmented-message"
	RuleMessageTooBig        = "message-too-big"
	RuleCloseOneOctet        = "close-payload-one-octet"
	RuleCloseCodeInvalid     = "close-code-invalid"
	RuleCloseReasonUTF8      = "close-reason-invalid-utf8"
)
