package handshake

import (
	"encoding/base64"
	"testing"
)

func TestAcceptKey(t *testing.T) {
	tests := []struct{ key, want string }{
		// RFC 6455 §1.3 and §4.2.2 item 5.4. (A value sometimes quoted for
		// this key, s3pPLMBiTxaQ9kYGzzZZJbDxTFc=, is not what the RFC says.)
		{"dGhlIHNhbXBsZSBub25jZQ==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
		// The widely used Wikipedia "WebSocket" example pair.
		{"x3JJHMbDL1EzLkh9GBhXDw==", "HSmrc0sMlYUkAGmm5OPpG2HaGWk="},
	}
	for _, tt := range tests {
		if got := AcceptKey(tt.key); got != tt.want {
			t.Errorf("AcceptKey(%q) = %q; want %q", tt.key, got, tt.want)
		}
	}
}

func TestNewKey(t *testing.T) {
	a, b := NewKey(), NewKey()
	if a == b {
		t.Fatalf("NewKey returned %q twice", a)
	}
	raw, err := base64.StdEncoding.DecodeString(a)
	if err != nil || len(raw) != 16 {
		t.Fatalf("NewKey() = %q: decodes to %d bytes, err %v; want 16 bytes", a, len(raw), err)
	}
	if !validKey(a) {
		t.Errorf("validKey(NewKey()) = false")
	}
}
