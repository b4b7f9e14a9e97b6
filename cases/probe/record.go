package probe

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// What the probe keeps of the events of one connection, whatever the target
// sends: the first EventHead events and the last EventTail (the rest are
// counted), and payloads whole only up to MaxKeptPayload octets each and
// PayloadBudget octets in all; past that an event keeps its size, a SHA-256
// and its first octets. A conforming target stays well inside: the most
// events a case expects is 1000 echoes (section 9), and the largest payload
// compared octet by octet is a 128 KiB compressed echo (section 12), which
// is dropped from the record once checked (TakeMessage).
const (
	EventHead      = 4096
	EventTail      = 256
	MaxKeptPayload = 256 << 10
	PayloadBudget  = 1 << 20
)

// Omitted is the event that stands where events were dropped: it is no
// event of the target's, so it matches no expected outcome.
const Omitted EventKind = "omitted"

// Digest stands for a payload the record did not keep whole.
type Digest struct {
	Size   int      `json:"size"`
	SHA256 [32]byte `json:"sha256"`
}

func digestOf(p []byte) *Digest { return &Digest{Size: len(p), SHA256: sha256.Sum256(p)} }

// OmittedCounts is what an Omitted event stands for.
type OmittedCounts struct {
	Events, Messages, Pings, Pongs int
	Octets                         int64 // their payload octets
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

// eventLog is the bounded record of a connection's events; the Conn's mu
// guards it.
type eventLog struct {
	events  headTail[Event]
	omitted OmittedCounts
	kept    int // payload octets kept whole, against PayloadBudget
}

// keepPayload is what the record holds of p: a copy within the budget,
// else its first octets and a digest.
func (l *eventLog) keepPayload(p []byte) ([]byte, *Digest) {
	if len(p) <= previewLen {
		return append([]byte(nil), p...), nil
	}
	if len(p) <= MaxKeptPayload && l.kept+len(p) <= PayloadBudget {
		l.kept += len(p)
		return append([]byte(nil), p...), nil
	}
	return append([]byte(nil), p[:previewLen]...), digestOf(p)
}

func (l *eventLog) add(e Event) {
	if dropped, ok := l.events.push(e, EventHead, EventTail); ok {
		l.drop(dropped)
	}
}

func (l *eventLog) drop(e Event) {
	o := &l.omitted
	o.Events++
	o.Octets += int64(e.PayloadLen())
	switch e.Kind {
	case Message:
		o.Messages++
	case Ping:
		o.Pings++
	case Pong:
		o.Pongs++
	}
	if e.Digest == nil && len(e.Payload) > previewLen {
		l.kept -= len(e.Payload)
	}
}

func (l *eventLog) len() int {
	n := l.events.kept()
	if l.omitted.Events > 0 {
		n++
	}
	return n
}

// all is the record in order, with an Omitted event where events were
// dropped.
func (l *eventLog) all() []Event {
	out := make([]Event, 0, l.len())
	out = append(out, l.events.head...)
	if l.omitted.Events > 0 {
		o := l.omitted
		out = append(out, Event{Kind: Omitted, At: l.events.oldestTail().At, Omitted: &o})
	}
	return l.events.appendTail(out)
}

// message finds the n-th message event (0-based) still in the record.
func (l *eventLog) message(n int) *Event {
	for _, part := range [][]Event{l.events.tail, l.events.head} {
		for i := len(part) - 1; i >= 0; i-- {
			if part[i].Kind == Message && part[i].msgNo == n {
				return &part[i]
			}
		}
	}
	return nil
}

// TakeMessage returns the n-th message event (0-based) and drops its
// payload from the record, so a case checking thousands of echoes one by
// one holds one at a time. The event itself stays (counts do not change).
// false: no such message yet, or the record dropped it (a target that sent
// thousands of other events).
func (c *Conn) TakeMessage(n int) (Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.events.message(n)
	if e == nil {
		return Event{}, false
	}
	taken := *e
	if e.Digest == nil && len(e.Payload) > previewLen {
		c.events.kept -= len(e.Payload)
	}
	e.Payload, e.Digest = nil, nil
	return taken, true
}

// EventCount is how many events Events would return now.
func (c *Conn) EventCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.events.len()
}

func (o OmittedCounts) String() string {
	return fmt.Sprintf("%d events omitted (%d messages, %d pings, %d pongs; %d payload octets)",
		o.Events, o.Messages, o.Pings, o.Pongs, o.Octets)
}
