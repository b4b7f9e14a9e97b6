package fuzz

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wsconform/wsconform/reference/frame"
)

// ClosePayload is the fuzz body for close frame bodies (RFC 6455 §5.5.1,
// §7.4): data is the payload of one close frame. It panics when one of these
// breaks:
//
//  1. ParseClosePayload agrees with a plain restatement of the rules: empty
//     is "no status code"; one octet is RuleCloseOneOctet (1002); otherwise
//     the code is the first two octets in network order, the reason is the
//     rest (aliasing data), a code not allowed on the wire is
//     RuleCloseCodeInvalid (1002) and a reason that is not UTF-8 is
//     RuleCloseReasonUTF8 (1007).
//  2. ClosePayload(code, reason) rebuilds data octet for octet, whatever the
//     verdict (it writes bad codes and reasons as given, so cases can send
//     them), code 0 included: "no code" is HasCode false, never code 0.
//  3. The close-code classes are a partition: ValidOnWire holds exactly for
//     the standard, registered and private classes, and String starts with
//     the decimal code.
//
// It returns 1 for a payload a peer must accept, else 0.
func ClosePayload(data []byte) int {
	body, v := frame.ParseClosePayload(data)
	code, reason := body.Code, body.Reason
	if v != nil {
		checkViolation(*v)
	}
	wantRule, wantCode := closeOracle(data)
	gotRule := ""
	var gotCode frame.CloseCode
	if v != nil {
		gotRule, gotCode = v.Rule, v.Code
	}
	if gotRule != wantRule || gotCode != wantCode {
		panic(fmt.Sprintf("ParseClosePayload(% x): rule %q code %v, want rule %q code %v", data, gotRule, gotCode, wantRule, wantCode))
	}

	if body.HasCode != (len(data) >= 2) {
		panic(fmt.Sprintf("ParseClosePayload(% x): HasCode %t", data, body.HasCode))
	}
	if len(data) >= 2 {
		if want := frame.CloseCode(binary.BigEndian.Uint16(data)); code != want {
			panic(fmt.Sprintf("ParseClosePayload(% x): code %d, want %d", data, code, want))
		}
		if !bytes.Equal(reason, data[2:]) || (len(reason) > 0 && &reason[0] != &data[2]) {
			panic(fmt.Sprintf("ParseClosePayload(% x): reason % x does not alias the body after the code", data, reason))
		}
		if re := frame.ClosePayload(code, string(reason)); !bytes.Equal(re, data) {
			panic(fmt.Sprintf("ClosePayload(%d, %q) = % x, want % x", code, reason, re, data))
		}
	} else if code != 0 || reason != nil {
		panic(fmt.Sprintf("ParseClosePayload(% x): code %d reason %q from a body without a code", data, code, reason))
	}

	checkCloseClass(code)
	if v == nil {
		return 1
	}
	return 0
}

// closeOracle is §5.5.1 and §7.4 written out: the rule and close code a
// receiver must fail with, or "" and 0 when the body is acceptable.
func closeOracle(p []byte) (rule string, code frame.CloseCode) {
	if len(p) == 0 {
		return "", 0
	}
	if len(p) == 1 {
		return frame.RuleCloseOneOctet, frame.CloseProtocolError
	}
	switch c := binary.BigEndian.Uint16(p); {
	case c < 1000, c == 1004, c == 1005, c == 1006, c >= 1015 && c < 3000, c >= 5000:
		return frame.RuleCloseCodeInvalid, frame.CloseProtocolError
	}
	if !utf8.Valid(p[2:]) {
		return frame.RuleCloseReasonUTF8, frame.CloseInvalidPayload
	}
	return "", 0
}

// checkCloseClass checks that ValidOnWire, Class and String agree.
func checkCloseClass(c frame.CloseCode) {
	class := c.Class()
	valid := class == frame.CloseClassStandard || class == frame.CloseClassRegistered || class == frame.CloseClassPrivate
	if c.ValidOnWire() != valid {
		panic(fmt.Sprintf("code %d: class %v but ValidOnWire=%t", uint16(c), class, c.ValidOnWire()))
	}
	if s := c.String(); !strings.HasPrefix(s, strconv.Itoa(int(c))+" ") {
		panic(fmt.Sprintf("code %d: String() = %q", uint16(c), s))
	}
}
