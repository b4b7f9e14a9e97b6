// Package handshake is the RFC 6455 §4 opening handshake, written once for
// both sides of a conformance test:
//
//   - the client side builds requests that are valid by default and can be
//     broken on purpose field by field (NewClientRequest, Request.Set/Add/Del),
//     reads the server's answer leniently (ReadResponse) and judges it
//     against §4.1 (ValidateResponse);
//   - the server side reads a request leniently (ReadRequest), judges it
//     against §4.2.1 and decides the HTTP status (ValidateRequest), and
//     renders the answer (BuildServerResponse).
//
// Reading and judging are separate steps: the readers accept anything that
// is shaped like an HTTP/1.1 header block, and the validators return every
// rule the message breaks as a Violation with its RFC clause and a stable
// rule id.
//
// Only accept.go imports crypto packages (SHA-1 for the accept key, a random
// source for keys); the parsers stay crypto-free so they can be split out
// for go-fuzz-build if needed.
package handshake
