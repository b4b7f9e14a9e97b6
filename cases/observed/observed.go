// Package observed is what one connection showed of the target: the events
// it caused, how the closing went, the opening handshake and the wire log.
// The probe (cases/probe) records them on a real connection; the judges in
// cases read them and need no socket. The catalogue's expected outcomes are
// written in the same vocabulary (Event).
package observed

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"time"
)

// EventKind names what the peer did, in Autobahn's event vocabulary.
type EventKind string

const (
	Message EventKind = "message"
	Ping    EventKind = "ping"
	Pong    EventKind = "pong"
	// Marker is recorded by a script when a pause ends with the connection
	// still open (Autobahn's "timeout" events, used by the fail-fast cases).
	Marker EventKind = "timeout"
	// Omitted is the event that stands where the record dropped events:
	// it is no event of the target's, so it matches no expected outcome.
	Omitted EventKind = "omitted"
)

// PreviewLen is how many octets of each write, read or payload a record
// keeps for people, as Autobahn's wire log does: enough to recognise a
// frame, small enough that a 16 MiB case does not produce a 16 MiB report.
const PreviewLen = 64

// Event is one thing the peer did (or a script marker).
type Event struct {
	Kind   EventKind `json:"kind"`
	Binary bool      `json:"binary,omitempty"`
	// Payload is the whole payload, or its first octets when Digest is set
	// (see PayloadLen and SamePayload).
	Payload []byte `json:"payload,omitempty"`
	// Digest, set when the record did not keep the payload whole, stands
	// for it (size and SHA-256).
	Digest *Digest       `json:"digest,omitempty"`
	Tag    string        `json:"tag,omitempty"`
	At     time.Duration `json:"at_ns"`
	// Omitted is set on the Omitted event only.
	Omitted *OmittedCounts `json:"omitted,omitempty"`
}

func (e Event) String() string {
	switch e.Kind {
	case Marker:
		return fmt.Sprintf("timeout %s", e.Tag)
	case Omitted:
		return "… " + e.Omitted.String() + " …"
	case Message:
		typ := "text"
		if e.Binary {
			typ = "binary"
		}
		return fmt.Sprintf("%s message %s", typ, e.preview())
	}
	return fmt.Sprintf("%s %s", e.Kind, e.preview())
}

func (e Event) preview() string {
	p := e.Payload
	if len(p) > PreviewLen {
		p = p[:PreviewLen]
	}
	switch {
	case e.Digest != nil:
		return fmt.Sprintf("(%d octets, sha256 %x) %q…", e.Digest.Size, e.Digest.SHA256[:8], p)
	case len(p) < len(e.Payload):
		return fmt.Sprintf("(%d octets) %q…", len(e.Payload), p)
	}
	return fmt.Sprintf("(%d octets) %q", len(p), p)
}

// Digest stands for a payload the record did not keep whole.
type Digest struct {
	Size   int      `json:"size"`
	SHA256 [32]byte `json:"sha256"`
}

// DigestOf is p's Digest.
func DigestOf(p []byte) *Digest { return &Digest{Size: len(p), SHA256: sha256.Sum256(p)} }

// OmittedCounts is what an Omitted event stands for.
type OmittedCounts struct {
	Events, Messages, Pings, Pongs int
	Octets                         int64 // their payload octets
}

func (o OmittedCounts) String() string {
	return fmt.Sprintf("%d events omitted (%d messages, %d pings, %d pongs; %d payload octets)",
		o.Events, o.Messages, o.Pings, o.Pongs, o.Octets)
}

// PayloadLen is the payload's length, whether kept whole or not.
func (e Event) PayloadLen() int {
	if e.Digest != nil {
		return e.Digest.Size
	}
	return len(e.Payload)
}

// SamePayload reports whether the event's payload is p: octet by octet when
// kept whole, else by length and SHA-256.
func (e Event) SamePayload(p []byte) bool {
	if e.Digest == nil {
		return bytes.Equal(e.Payload, p)
	}
	return len(p) == e.Digest.Size && sha256.Sum256(p) == e.Digest.SHA256
}

// DeflateStats counts compressed payload octets and what they stand for:
// sent compressed by us, and received and inflated.
type DeflateStats struct {
	SentCompressed, SentMessage         int64
	ReceivedCompressed, ReceivedMessage int64
}
