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
	RuleTextInvalidUTF8      = "text-invalid-utf8"
	RuleDataAfterClose       = "data-after-close"
)

// DataAfterClose is the violation of a data frame sent after the sender's
// own close frame. §5.5.1: "After sending a Close frame, the endpoint MUST
// NOT send any further data frames."
func DataAfterClose(op Opcode) *Violation {
	return &Violation{Rule: RuleDataAfterClose, Section: "RFC 6455 §5.5.1", Code: CloseProtocolError,
		Detail: "a " + op.String() + " after its close frame"}
}

// TextInvalidUTF8 is the violation of a text message that is not UTF-8.
// §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but finds
// that the byte stream is not, in fact, a valid UTF-8 stream, that endpoint
// MUST _Fail the WebSocket Connection_"; §7.4.1 assigns 1007.
func TextInvalidUTF8(detail string) *Violation {
	return &Violation{Rule: RuleTextInvalidUTF8, Section: "RFC 6455 §8.1", Code: CloseInvalidPayload, Detail: detail}
}
