// Package utf8stream validates UTF-8 (RFC 3629) that arrives in fragments,
// as a WebSocket text message does (RFC 6455 §5.6, §8.1).
//
// RFC 6455 §8.1: "When an endpoint is to interpret a byte stream as UTF-8 but
// finds that the byte stream is not, in fact, a valid UTF-8 stream, that
// endpoint MUST _Fail the WebSocket Connection_." Autobahn 6.4.x grades an
// endpoint on how early it notices, so the Validator reports the first octet
// that no continuation could make valid as soon as that octet is fed, even
// when the code point it belongs to was split across fragments, and waits
// while a split code point can still complete.
//
// The package imports no crypto and allocates nothing.
package utf8stream
