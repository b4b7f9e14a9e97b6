// Package receive is the receiving side of RFC 6455 (and RFC 7692), composed
// once: every frame header is judged on its own (frame.Check), against the
// frames before it (frame.Sequence) and against the message size limit;
// text is checked as UTF-8 as it arrives (utf8stream); close bodies are
// parsed and judged (frame.ParseClosePayload); compressed messages are
// inflated. The first rule the peer breaks comes back as a *frame.Violation
// carrying its stable rule id, RFC section and close code.
//
// Receiver judges frames a caller reads itself (the probe streams messages
// it never holds whole); Reader reads whole messages and control frames
// from a frame.Reader on top of a Receiver (the reference server, the
// network fuzzer's oracle and the test doubles).
package receive
