package probe

import (
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
)

// WireLog is a concurrency-safe, append-only record of what crossed the wire,
// bounded: past observed.LogHead entries only the last observed.LogTail are kept, and the rest
// are counted. Logging can be paused for bulk transfers (section 9) so that
// the log keeps only the interesting edges.
type WireLog struct {
	mu      sync.Mutex
	start   time.Time
	entries headTail[observed.Entry]
	off     bool
	// counting: reads are counted, not logged (we have failed the connection).
	counting bool
	omitted  omitted
}

// omitted counts what the log dropped.
type omitted struct {
	entries            int   // entries that fell between head and tail
	readsAfterFail     int   // raw reads counted, not logged, after we failed the connection
	octetsRx, octetsTx int64 // octets in the dropped raw reads and writes
	octetsRxAfterFail  int64
	framesRx, framesTx int
	framesRxAfterFail  int
}

func NewWireLog(start time.Time) *WireLog { return &WireLog{start: start} }

// SetEnabled switches octet and frame logging; notes are always kept.
func (l *WireLog) SetEnabled(on bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.off == !on {
		return
	}
	l.off = !on
	state := "wire log on"
	if !on {
		state = "wire log off (bulk transfer)"
	}
	l.appendLocked(observed.Entry{At: time.Since(l.start), Dir: observed.Note, Text: state})
}

// countOnly stops logging what the peer sends: once we have failed the
// connection its frames are only counted (a target flooding us after that
// must not grow the log).
func (l *WireLog) countOnly() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.counting {
		l.counting = true
		l.appendLocked(observed.Entry{At: time.Since(l.start), Dir: observed.Note, Text: "connection failed: what the target sends from now on is counted, not logged"})
	}
}

func (l *WireLog) add(e observed.Entry, always bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Dir == observed.Received && l.counting && !always {
		if e.Frame != "" {
			l.omitted.framesRxAfterFail++
		} else {
			l.omitted.readsAfterFail++
			l.omitted.octetsRxAfterFail += int64(e.Octets)
		}
		return
	}
	if l.off && !always {
		return
	}
	e.At = time.Since(l.start)
	l.appendLocked(e)
}

func (l *WireLog) appendLocked(e observed.Entry) {
	if dropped, ok := l.entries.push(e, observed.LogHead, observed.LogTail); ok {
		l.drop(dropped)
	}
}

// drop counts an entry pushed out of the tail.
func (l *WireLog) drop(e observed.Entry) {
	o := &l.omitted
	o.entries++
	switch {
	case e.Frame != "" && e.Dir == observed.Received:
		o.framesRx++
	case e.Frame != "" && e.Dir == observed.Sent:
		o.framesTx++
	case e.Dir == observed.Received:
		o.octetsRx += int64(e.Octets)
	case e.Dir == observed.Sent:
		o.octetsTx += int64(e.Octets)
	}
}

// Octets logs a raw read or write.
func (l *WireLog) Octets(dir observed.Direction, b []byte) {
	if l == nil {
		return
	}
	hex := ""
	if !l.dropsOctets(dir) { // no hex preview of megabytes nobody logs
		hex = hexPreview(b)
	}
	l.add(observed.Entry{Dir: dir, Octets: len(b), Hex: hex}, false)
}

// dropsOctets reports whether add would only count raw octets from dir.
func (l *WireLog) dropsOctets(dir observed.Direction) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.off || dir == observed.Received && l.counting
}

// Frame logs a decoded frame.
func (l *WireLog) Frame(dir observed.Direction, desc string) {
	if l == nil {
		return
	}
	l.add(observed.Entry{Dir: dir, Frame: desc}, false)
}

// observed.Note logs a note (timer, pause, state change); notes survive SetEnabled(false).
func (l *WireLog) Note(text string) {
	if l == nil {
		return
	}
	l.add(observed.Entry{Dir: observed.Note, Text: text}, true)
}

// Entries returns a copy of the log so far: the first entries, a note
// saying what was left out (if anything), the last entries.
func (l *WireLog) Entries() []observed.Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]observed.Entry, 0, l.entries.kept()+2)
	out = append(out, l.entries.head...)
	o := l.omitted
	if o.entries > 0 {
		at := l.entries.oldestTail().At
		out = append(out, observed.Entry{At: at, Dir: observed.Note, Omitted: o.entries, Text: fmt.Sprintf(
			"wire log truncated: %d entries omitted here (%d frames and %d octets received, %d frames and %d octets sent)",
			o.entries, o.framesRx, o.octetsRx, o.framesTx, o.octetsTx)})
	}
	out = l.entries.appendTail(out)
	if o.readsAfterFail > 0 || o.framesRxAfterFail > 0 {
		out = append(out, observed.Entry{At: time.Since(l.start), Dir: observed.Note, Omitted: o.readsAfterFail + o.framesRxAfterFail, Text: fmt.Sprintf(
			"after we failed the connection the target sent %d more octets (%d reads, %d frames), counted, not logged",
			o.octetsRxAfterFail, o.readsAfterFail, o.framesRxAfterFail)})
	}
	return out
}

func hexPreview(b []byte) string {
	if len(b) > previewLen {
		return hex.EncodeToString(b[:previewLen]) + "…"
	}
	return hex.EncodeToString(b)
}

// bulk reports whether octet and frame logging is off, so that callers can
// skip describing frames nobody will read (section 12's 1000 messages).
func (l *WireLog) bulk() bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.off
}

// previewLen is how many octets of each write, read or payload the log and
// the event record keep.
const previewLen = observed.PreviewLen
