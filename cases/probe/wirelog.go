package probe

import (
	"encoding/hex"
	"fmt"
	"sync"
	"time"
)

// Direction says which way an entry in the wire log went.
type Direction string

const (
	Sent     Direction = "tx"
	Received Direction = "rx"
	Note     Direction = "note" // timers, pauses, state changes
)

// previewLen is how many octets of each write, read or payload the log keeps,
// as Autobahn's wire log does: enough to recognise a frame, small enough that
// a 16 MiB case does not produce a 16 MiB report.
const previewLen = 64

// The wire log keeps its first LogHead entries and its last LogTail: what a
// reader needs (how the case began, how it ended) within a fixed budget,
// however much a target sends. The busiest case against a conforming target
// logs under 200 entries.
const (
	LogHead = 200
	LogTail = 56
)

// Entry is one line of the wire log.
type Entry struct {
	At     time.Duration `json:"at_ns"` // since the case started
	Dir    Direction     `json:"dir"`
	Octets int           `json:"octets,omitempty"`
	Hex    string        `json:"hex,omitempty"`   // first previewLen octets
	Frame  string        `json:"frame,omitempty"` // decoded header and payload preview
	Text   string        `json:"text,omitempty"`  // notes
	// Omitted, on the note that stands where entries were dropped, is how
	// many there were (the log is truncated there).
	Omitted int `json:"omitted,omitempty"`
}

// WireLog is a concurrency-safe, append-only record of what crossed the wire,
// bounded: past LogHead entries only the last LogTail are kept, and the rest
// are counted. Logging can be paused for bulk transfers (section 9) so that
// the log keeps only the interesting edges.
type WireLog struct {
	mu      sync.Mutex
	start   time.Time
	entries headTail[Entry]
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
	l.appendLocked(Entry{At: time.Since(l.start), Dir: Note, Text: state})
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
		l.appendLocked(Entry{At: time.Since(l.start), Dir: Note, Text: "connection failed: what the target sends from now on is counted, not logged"})
	}
}

func (l *WireLog) add(e Entry, always bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if e.Dir == Received && l.counting && !always {
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

func (l *WireLog) appendLocked(e Entry) {
	if dropped, ok := l.entries.push(e, LogHead, LogTail); ok {
		l.drop(dropped)
	}
}

// drop counts an entry pushed out of the tail.
func (l *WireLog) drop(e Entry) {
	o := &l.omitted
	o.entries++
	switch {
	case e.Frame != "" && e.Dir == Received:
		o.framesRx++
	case e.Frame != "" && e.Dir == Sent:
		o.framesTx++
	case e.Dir == Received:
		o.octetsRx += int64(e.Octets)
	case e.Dir == Sent:
		o.octetsTx += int64(e.Octets)
	}
}

// Octets logs a raw read or write.
func (l *WireLog) Octets(dir Direction, b []byte) {
	if l == nil {
		return
	}
	hex := ""
	if !l.dropsOctets(dir) { // no hex preview of megabytes nobody logs
		hex = hexPreview(b)
	}
	l.add(Entry{Dir: dir, Octets: len(b), Hex: hex}, false)
}

// dropsOctets reports whether add would only count raw octets from dir.
func (l *WireLog) dropsOctets(dir Direction) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.off || dir == Received && l.counting
}

// Frame logs a decoded frame.
func (l *WireLog) Frame(dir Direction, desc string) {
	if l == nil {
		return
	}
	l.add(Entry{Dir: dir, Frame: desc}, false)
}

// Note logs a note (timer, pause, state change); notes survive SetEnabled(false).
func (l *WireLog) Note(text string) {
	if l == nil {
		return
	}
	l.add(Entry{Dir: Note, Text: text}, true)
}

// Entries returns a copy of the log so far: the first entries, a note
// saying what was left out (if anything), the last entries.
func (l *WireLog) Entries() []Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Entry, 0, l.entries.kept()+2)
	out = append(out, l.entries.head...)
	o := l.omitted
	if o.entries > 0 {
		at := l.entries.oldestTail().At
		out = append(out, Entry{At: at, Dir: Note, Omitted: o.entries, Text: fmt.Sprintf(
			"wire log truncated: %d entries omitted here (%d frames and %d octets received, %d frames and %d octets sent)",
			o.entries, o.framesRx, o.octetsRx, o.framesTx, o.octetsTx)})
	}
	out = l.entries.appendTail(out)
	if o.readsAfterFail > 0 || o.framesRxAfterFail > 0 {
		out = append(out, Entry{At: time.Since(l.start), Dir: Note, Omitted: o.readsAfterFail + o.framesRxAfterFail, Text: fmt.Sprintf(
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
