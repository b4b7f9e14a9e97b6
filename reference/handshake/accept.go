package handshake

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
)

// acceptGUID is the fixed GUID of RFC 6455 §1.3 that the server appends to
// the client's key before hashing.
const acceptGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// AcceptKey returns the Sec-WebSocket-Accept value for a Sec-WebSocket-Key
// (RFC 6455 §4.2.2 item 5.4): base64(SHA-1(key + GUID)). The key is used as
// sent, without decoding it.
func AcceptKey(key string) string {
	sum := sha1.Sum([]byte(key + acceptGUID))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// NewKey returns a fresh Sec-WebSocket-Key: 16 random octets, base64
// encoded (RFC 6455 §4.1 item 7).
func NewKey() string {
	var nonce [16]byte
	rand.Read(nonce[:]) // crypto/rand.Read never returns an error (Go 1.24+)
	return base64.StdEncoding.EncodeToString(nonce[:])
}
