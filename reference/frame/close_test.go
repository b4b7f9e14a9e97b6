package frame

import (
	"bytes"
	"testing"
)

func TestCloseCodeClass(t *testing.T) {
	tests := []struct {
		code  CloseCode
		class CloseClass
	}{
		{0, CloseClassUnassigned}, {999, CloseClassUnassigned},
		{1000, CloseClassStandard}, {1001, CloseClassStandard}, {1002, CloseClassStandard}, {1003, CloseClassStandard},
		{1004, CloseClassNotOnWire}, {1005, CloseClassNotOnWire}, {1006, CloseClassNotOnWire},
		{1007, CloseClassStandard}, {1008, CloseClassStandard}, {1009, CloseClassStandard}, {1010, CloseClassStandard}, {1011, CloseClassStandard},
		{1012, CloseClassStandard}, {1013, CloseClassStandard}, {1014, CloseClassStandard},
		{1015, CloseClassNotOnWire},
		{1016, CloseClassUnassigned}, {2000, CloseClassUnassigned}, {2999, CloseClassUnassigned},
		{3000, CloseClassRegistered}, {3999, CloseClassRegistered},
		{4000, CloseClassPrivate}, {4999, CloseClassPrivate},
		{5000, CloseClassUnassigned}, {65535, CloseClassUnassigned},
	}
	for _, tt := range tests {
		if got := tt.code.Class(); got != tt.class {
			t.Errorf("%d.Class() = %v, want %v", uint16(tt.code), got, tt.class)
		}
		wantValid := tt.class == CloseClassStandard || tt.class == CloseClassRegistered || tt.class == CloseClassPrivate
		if got := tt.code.ValidOnWire(); got != wantValid {
			t.Errorf("%d.ValidOnWire() = %t, want %t", uint16(tt.code), got, wantValid)
		}
	}
}

func TestCloseCodeString(t *testing.T) {
	tests := map[CloseCode]string{
		1000: "1000 Normal Closure", 1001: "1001 Going Away", 1002: "1002 Protocol Error", 1003: "1003 Unsupported Data",
		1004: "1004 Reserved", 1005: "1005 No Status Rcvd", 1006: "1006 Abnormal Closure", 1007: "1007 Invalid frame payload data",
		1008: "1008 Policy Violation", 1009: "1009 Message Too Big", 1010: "1010 Mandatory Ext.", 1011: "1011 Internal Error",
		1012: "1012 Service Restart", 1013: "1013 Try Again Later", 1014: "1014 Bad Gateway", 1015: "1015 TLS handshake",
		1016: "1016 (unassigned)", 3000: "3000 (IANA registered)", 4321: "4321 (private use)",
	}
	for code, want := range tests {
		if got := code.String(); got != want {
			t.Errorf("CloseCode(%d).String() = %q, want %q", uint16(code), got, want)
		}
	}
}

func TestParseClosePayload(t *testing.T) {
	tests := []struct {
		name     string
		payload  []byte
		code     CloseCode
		hasCode  bool
		reason   string
		wantRule string
		wantCode CloseCode
	}{
		{"empty", nil, 0, false, "", "", 0},
		{"one octet", []byte{0x03}, 0, false, "", RuleCloseOneOctet, CloseProtocolError},
		{"normal", []byte{0x03, 0xE8}, CloseNormal, true, "", "", 0},
		{"normal with reason", []byte{0x03, 0xE8, 'b', 'y', 'e'}, CloseNormal, true, "bye", "", 0},
		{"private with UTF-8 reason", append([]byte{0x0F, 0xA0}, "κόσμε"...), 4000, true, "κόσμε", "", 0},
		{"service restart 1012 is valid", []byte{0x03, 0xF4}, CloseServiceRestart, true, "", "", 0},
		{"no status 1005 on the wire", []byte{0x03, 0xED}, CloseNoStatus, true, "", RuleCloseCodeInvalid, CloseProtocolError},
		{"reserved 1004", []byte{0x03, 0xEC}, CloseReserved, true, "", RuleCloseCodeInvalid, CloseProtocolError},
		{"unassigned 999", []byte{0x03, 0xE7}, 999, true, "", RuleCloseCodeInvalid, CloseProtocolError},
		{"code 0", []byte{0x00, 0x00}, 0, true, "", RuleCloseCodeInvalid, CloseProtocolError},
		{"unassigned 5000", []byte{0x13, 0x88}, 5000, true, "", RuleCloseCodeInvalid, CloseProtocolError},
		{"invalid UTF-8 reason", []byte{0x03, 0xE8, 0xCE, 0xBA, 0xE1, 0xBD}, CloseNormal, true, "\xce\xba\xe1\xbd", RuleCloseReasonUTF8, CloseInvalidPayload},
		{"surrogate in reason", []byte{0x03, 0xE8, 0xED, 0xA0, 0x80}, CloseNormal, true, "\xed\xa0\x80", RuleCloseReasonUTF8, CloseInvalidPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, v := ParseClosePayload(tt.payload)
			code, reason := body.Code, body.Reason
			if code != tt.code || body.HasCode != tt.hasCode || string(reason) != tt.reason {
				t.Errorf("got code %v (present %t) reason %q, want %v (present %t) %q", code, body.HasCode, reason, tt.code, tt.hasCode, tt.reason)
			}
			switch {
			case tt.wantRule == "" && v != nil:
				t.Errorf("unexpected violation %v", v)
			case tt.wantRule != "" && (v == nil || v.Rule != tt.wantRule || v.Code != tt.wantCode):
				t.Errorf("violation %v, want rule %s code %v", v, tt.wantRule, tt.wantCode)
			}
			if v == nil && tt.payload != nil && !bytes.Equal(ClosePayload(code, string(reason)), tt.payload) {
				t.Errorf("ClosePayload(%v, %q) does not rebuild % x", code, reason, tt.payload)
			}
		})
	}
}

func TestClosePayload(t *testing.T) {
	// Code 0 is written like any other code: "no code" is an empty body,
	// never a zero value.
	if p := ClosePayload(0, "x"); !bytes.Equal(p, []byte{0x00, 0x00, 'x'}) {
		t.Errorf("code 0: % x, want 00 00 78", p)
	}
	if p := ClosePayload(CloseAbnormal, "x"); !bytes.Equal(p, []byte{0x03, 0xEE, 'x'}) {
		t.Errorf("1006 must be writable for cases: % x", p)
	}
}
