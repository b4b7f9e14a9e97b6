// Package server is the strict RFC 6455 reference echo server: the target a
// wsconform run uses when none is given, and the peer against which every
// conformance case is shown to pass.
//
// It echoes each text or binary message back as one frame of the same type,
// answers every ping with a pong carrying the same payload, in order, and
// answers a close by echoing the status code and closing TCP first (§7.1.1).
// Any violation fails the connection (§7.1.7): a close frame with the code the
// broken rule calls for (1002, 1007 or 1009), then TCP close.
//
// All protocol judgement comes from the reference packages: frame (decoding,
// Check, Sequence, close payloads), utf8stream (fail-fast UTF-8) and
// handshake (request parsing and validation), deflate (RFC 7692). The
// server only decides what to do with their verdicts. Config.Faults switches
// single checks off so tests can show that each conformance case family
// catches the bug.
//
// permessage-deflate (RFC 7692) is accepted when offered (unless
// Config.DisableDeflate): compressed messages are inflated, bounded by
// MaxMessageSize, text is validated after inflation, and every echo goes
// out compressed. Offers asking for server_max_window_bits below 15 are
// declined (the flate writer always uses a 32 KiB window). No subprotocol is
// ever selected.
package server
