package observed

import "time"

// Direction says which way an entry in the wire log went.
type Direction string

const (
	Sent     Direction = "tx"
	Received Direction = "rx"
	Note     Direction = "note" // timers, pauses, state changes
)

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
	Hex    string        `json:"hex,omitempty"`   // first PreviewLen octets
	Frame  string        `json:"frame,omitempty"` // decoded header and payload preview
	Text   string        `json:"text,omitempty"`  // notes
	// Omitted, on the note that stands where entries were dropped, is how
	// many there were (the log is truncated there).
	Omitted int `json:"omitted,omitempty"`
}
