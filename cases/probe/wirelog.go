package probe

import (
	"encoding/hex"
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

// Entry is one line of the wire log.
type Entry struct {
	At     time.Duration `json:"at_ns"` // since the case started
	Dir    Direction     `json:"dir"`
	Octets int           `json:"octets,omitempty"`
	Hex    string        `json:"hex,omitempty"`   // first previewLen octets
	Frame  string        `json:"frame,omitempty"` // decoded header and payload preview
	Text   string        `json:"text,omitempty"`  // notes
}

// WireLog is a concurrency-safe, append-only record of what crossed the wire.
// Logging can be paused for bulk transfers (section 9) so that the log keeps
// only the interesting edges.
type WireLog struct {
	mu      sync.Mutex
	start   time.Time
	entries []Entry
	off     bool
	dropped int
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
	l.entries = append(l.entries, Entry{At: time.Since(l.start), Dir: Note, Text: state})
}

func (l *WireLog) add(e Entry, always bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.off && !always {
		l.dropped++
		return
	}
	e.At = time.Since(l.start)
	l.entries = append(l.entries, e)
}

// Octets logs a raw read or write.
func (l *WireLog) Octets(dir Direction, b []byte) {
	if l == nil {
		return
	}
	l.add(Entry{Dir: dir, Octets: len(b), Hex: hexPreview(b)}, false)
}

// Frame logs a decoded frame.
func (l *WireLog) Frame(dir Direction, desc string) {
	if l == nil {
		return
	}
	l.add(Entry{Dir: dir, Frame: desc}, false)
}

// Notef logs a note (timer, pause, state change); notes survive SetEnabled(false).
func (l *WireLog) Note(text string) {
	if l == nil {
		return
	}
	l.add(Entry{Dir: Note, Text: text}, true)
}

// Entries returns a copy of the log so far.
func (l *WireLog) Entries() []Entry {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Entry(nil), l.entries...)
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
