package frame

import (
	"encoding/binary"
	"strconv"
	"unicode/utf8"
)

// CloseCode is the status code at the start of a close frame body (§5.5.1,
// §7.4). Whether a body has a code at all is said separately (CloseBody.HasCode):
// 0 is a code like any other, one that may not be sent.
type CloseCode uint16

// Status codes of RFC 6455 §7.4.1 and the IANA "WebSocket Close Code Number
// Registry" (https://www.iana.org/assignments/websocket).
const (
	CloseNormal             CloseCode = 1000
	CloseGoingAway          CloseCode = 1001
	CloseProtocolError      CloseCode = 1002
	CloseUnsupportedData    CloseCode = 1003
	CloseReserved           CloseCode = 1004
	CloseNoStatus           CloseCode = 1005
	CloseAbnormal           CloseCode = 1006
	CloseInvalidPayload     CloseCode = 1007
	ClosePolicyViolation    CloseCode = 1008
	CloseMessageTooBig      CloseCode = 1009
	CloseMandatoryExtension CloseCode = 1010
	CloseInternalError      CloseCode = 1011
	CloseServiceRestart     CloseCode = 1012
	CloseTryAgainLater      CloseCode = 1013
	CloseBadGateway         CloseCode = 1014
	CloseTLSHandshake       CloseCode = 1015
)

var closeCodeNames = map[CloseCode]string{
	CloseNormal:             "Normal Closure",
	CloseGoingAway:          "Going Away",
	CloseProtocolError:      "Protocol Error",
	CloseUnsupportedData:    "Unsupported Data",
	CloseReserved:           "Reserved",
	CloseNoStatus:           "No Status Rcvd",
	CloseAbnormal:           "Abnormal Closure",
	CloseInvalidPayload:     "Invalid frame payload data",
	ClosePolicyViolation:    "Policy Violation",
	CloseMessageTooBig:      "Message Too Big",
	CloseMandatoryExtension: "Mandatory Ext.",
	CloseInternalError:      "Internal Error",
	CloseServiceRestart:     "Service Restart",
	CloseTryAgainLater:      "Try Again Later",
	CloseBadGateway:         "Bad Gateway",
	CloseTLSHandshake:       "TLS handshake",
}

// String is the code with its IANA registry name, e.g. "1002 Protocol Error".
func (c CloseCode) String() string {
	n := strconv.Itoa(int(c))
	if name, ok := closeCodeNames[c]; ok {
		return n + " " + name
	}
	return n + " (" + c.Class().String() + ")"
}

// CloseClass sorts close codes by what RFC 6455 §7.4 and the IANA registry
// allow an endpoint to do with them.
type CloseClass uint8

const (
	// CloseClassUnassigned: 0-999 ("not used"), 1016-2999 (reserved for
	// future revisions of the protocol) and 5000 and above. Receiving one is a
	// protocol error (1002).
	CloseClassUnassigned CloseClass = iota
	// CloseClassStandard: codes defined by RFC 6455 or later registered in
	// 1000-2999 that an endpoint may send: 1000-1003 and 1007-1014.
	CloseClassStandard
	// CloseClassNotOnWire: 1004 (reserved), 1005, 1006 and 1015, which §7.4.1
	// says "MUST NOT be set as a status code in a Close control frame".
	CloseClassNotOnWire
	// CloseClassRegistered: 3000-3999, registered with IANA by libraries,
	// frameworks and applications.
	CloseClassRegistered
	// CloseClassPrivate: 4000-4999, private use by prior agreement.
	CloseClassPrivate
)

func (c CloseClass) String() string {
	switch c {
	case CloseClassStandard:
		return "standard"
	case CloseClassNotOnWire:
		return "never sent on the wire"
	case CloseClassRegistered:
		return "IANA registered"
	case CloseClassPrivate:
		return "private use"
	}
	return "unassigned"
}

// Class says which range of §7.4.2 (and the IANA registry) c falls in.
func (c CloseCode) Class() CloseClass {
	switch {
	case c == CloseReserved, c == CloseNoStatus, c == CloseAbnormal, c == CloseTLSHandshake:
		return CloseClassNotOnWire
	// 1012-1014 were registered with IANA after RFC 6455 and are valid on the
	// wire. Autobahn|Testsuite 0.10.9 (case 7.9.x) still treats them as
	// invalid; this suite follows the registry, not that old table.
	case c >= CloseNormal && c <= CloseBadGateway:
		return CloseClassStandard
	case c >= 3000 && c <= 3999:
		return CloseClassRegistered
	case c >= 4000 && c <= 4999:
		return CloseClassPrivate
	}
	return CloseClassUnassigned
}

// ValidOnWire reports whether an endpoint may send c in a close frame, and so
// whether a receiver must accept it rather than fail with 1002.
func (c CloseCode) ValidOnWire() bool {
	switch c.Class() {
	case CloseClassStandard, CloseClassRegistered, CloseClassPrivate:
		return true
	}
	return false
}

// CloseBody is a parsed close frame body. HasCode says whether the body
// carries a status code at all: code 0 is a code (one no endpoint may send),
// not "absent".
type CloseBody struct {
	Code    CloseCode
	HasCode bool
	Reason  []byte // aliases the parsed payload
}

// ParseClosePayload splits a close frame body into its status code and
// reason. An empty body has no code and no violation; a one-octet body has
// no code and a violation.
func ParseClosePayload(p []byte) (CloseBody, *Violation) {
	if len(p) == 0 {
		return CloseBody{}, nil
	}
	// §5.5.1: "If there is a body, the first two bytes of the body MUST be a
	// 2-byte unsigned integer (in network byte order) representing a status
	// code". One octet cannot be that.
	if len(p) == 1 {
		return CloseBody{}, &Violation{Rule: RuleCloseOneOctet, Section: "RFC 6455 §5.5.1", Code: CloseProtocolError,
			Detail: "close frame body is 1 octet, too short for a 2-octet status code"}
	}
	b := CloseBody{Code: CloseCode(binary.BigEndian.Uint16(p)), HasCode: true, Reason: p[2:]}
	// §7.4.2 leaves 0-999 unused and 1016-2999 to future revisions, and
	// §7.4.1 forbids 1005, 1006 and 1015 on the wire: an endpoint that
	// receives one has a peer that is not following the protocol.
	if !b.Code.ValidOnWire() {
		return b, &Violation{Rule: RuleCloseCodeInvalid, Section: "RFC 6455 §7.4", Code: CloseProtocolError,
			Detail: "close status code " + b.Code.String() + " is not allowed on the wire"}
	}
	// §5.5.1: "Following the 2-byte integer, the body MAY contain UTF-8-encoded
	// data"; §8.1: invalid UTF-8 fails the connection with 1007.
	if !utf8.Valid(b.Reason) {
		return b, &Violation{Rule: RuleCloseReasonUTF8, Section: "RFC 6455 §5.5.1", Code: CloseInvalidPayload,
			Detail: "close reason is not valid UTF-8"}
	}
	return b, nil
}

// ClosePayload builds a close frame body with code and reason, written as
// given, valid or not, so cases can send bad ones (code 0 included). A
// close frame without a code has an empty body: send nil.
func ClosePayload(code CloseCode, reason string) []byte {
	p := make([]byte, 2, 2+len(reason))
	binary.BigEndian.PutUint16(p, uint16(code))
	return append(p, reason...)
}
