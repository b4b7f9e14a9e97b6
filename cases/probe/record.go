package probe

import "github.com/wsconform/wsconform/cases/observed"

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

// eventLog is the bounded record of a connection's events; the Conn's mu
// guards it.
type eventLog struct {
	events  headTail[recorded]
	omitted observed.OmittedCounts
	kept    int // payload octets kept whole, against PayloadBudget
}

// keepPayload is what the record holds of p: a copy within the budget,
// else its first octets and a digest.
func (l *eventLog) keepPayload(p []byte) ([]byte, *observed.Digest) {
	if len(p) <= previewLen {
		return append([]byte(nil), p...), nil
	}
	if len(p) <= MaxKeptPayload && l.kept+len(p) <= PayloadBudget {
		l.kept += len(p)
		return append([]byte(nil), p...), nil
	}
	return append([]byte(nil), p[:previewLen]...), observed.DigestOf(p)
}

// recorded is an event as the record holds it: message events carry which
// message they are (0-based), for TakeMessage.
type recorded struct {
	observed.Event
	msgNo int
}

func (l *eventLog) add(e recorded) {
	if dropped, ok := l.events.push(e, EventHead, EventTail); ok {
		l.drop(dropped)
	}
}

func (l *eventLog) drop(e recorded) {
	o := &l.omitted
	o.Events++
	o.Octets += int64(e.PayloadLen())
	switch e.Kind {
	case observed.Message:
		o.Messages++
	case observed.Ping:
		o.Pings++
	case observed.Pong:
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

// all is the record in order, with an observed.Omitted event where events were
// dropped.
func (l *eventLog) all() []observed.Event {
	out := make([]observed.Event, 0, l.len())
	for _, e := range l.events.head {
		out = append(out, e.Event)
	}
	if l.omitted.Events > 0 {
		o := l.omitted
		out = append(out, observed.Event{Kind: observed.Omitted, At: l.events.oldestTail().At, Omitted: &o})
	}
	for _, e := range l.events.appendTail(nil) {
		out = append(out, e.Event)
	}
	return out
}

// message finds the n-th message event (0-based) still in the record.
func (l *eventLog) message(n int) *recorded {
	for _, part := range [][]recorded{l.events.tail, l.events.head} {
		for i := len(part) - 1; i >= 0; i-- {
			if part[i].Kind == observed.Message && part[i].msgNo == n {
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
func (c *Conn) TakeMessage(n int) (observed.Event, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.events.message(n)
	if e == nil {
		return observed.Event{}, false
	}
	taken := e.Event
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
