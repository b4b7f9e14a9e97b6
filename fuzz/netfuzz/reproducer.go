package netfuzz

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Kind is what went wrong on the server.
type Kind string

const (
	KindCrash     Kind = "crash"     // the process went down (refused connections) or stopped serving: every connection lost
	KindHang      Kind = "hang"      // it owed a close frame or TCP close and sent neither
	KindDrop      Kind = "drop"      // it owed a close frame and dropped this connection without one, still serving others
	KindViolation Kind = "violation" // its own answer broke RFC 6455 / RFC 7692
)

// Finding is one problem, with everything needed to send the same session
// again. Its JSON form is the reproducer file.
type Finding struct {
	Kind   Kind   `json:"kind"`
	Rule   string `json:"rule"` // the rule the server broke (violation) or had to enforce (hang, drop)
	Detail string `json:"detail"`
	// Expect is what a conforming server had to do after the session.
	Expect string `json:"expect"`
	Target string `json:"target"`
	Seed   int64  `json:"seed"`
	Exec   int    `json:"exec"`   // the run's session number that showed it first
	Origin string `json:"origin"` // the catalogue case the session descends from
	// The session, minimized: the request and the frames as octets.
	Request *handshake.Request `json:"request"`
	Steps   []StepRecord       `json:"steps"`
	// Minimization: the session's octets and steps as found and as saved,
	// and how many sessions it took.
	Found        Size `json:"found"`
	Saved        Size `json:"saved"`
	MinimizeRuns int  `json:"minimize_runs"`
	// Close and Wire are how the connection went when the session was
	// last run: the closing state and the wire log.
	Close observed.CloseState `json:"close"`
	Wire  []observed.Entry    `json:"wire,omitempty"`
	Path  string              `json:"-"` // where Write put it
}

// Size is a session's size: octets on the wire and steps.
type Size struct {
	Octets int `json:"octets"`
	Steps  int `json:"steps"`
}

func sizeOf(s Session) Size { return Size{Octets: s.Size(), Steps: len(s.Steps)} }

// Symptom is what findings are de-duplicated (and minimized) by: the kind
// and the rule, except for a hang, where the rule is only what happened to
// be owed when the server stopped answering (an empty final continuation
// hangs a server whatever comes after it).
func (f Finding) Symptom() string {
	if f.Kind == KindHang {
		return string(f.Kind)
	}
	return string(f.Kind) + " " + f.Rule
}

// StepRecord is a Step as octets: the frame exactly as sent (masked, length
// field as written), decoded for people alongside.
type StepRecord struct {
	Hex   string `json:"hex"`
	Raw   bool   `json:"raw,omitempty"` // octets that are not one frame
	Frame string `json:"frame,omitempty"`
	Chop  int    `json:"chop,omitempty"`
	Note  string `json:"note,omitempty"`
}

func records(steps []Step) []StepRecord {
	out := make([]StepRecord, len(steps))
	for i, s := range steps {
		if s.Raw != nil {
			out[i] = StepRecord{Hex: hex.EncodeToString(s.Raw), Raw: true, Chop: s.Chop, Note: s.Note}
			continue
		}
		h := s.Frame.Header
		h.Length = uint64(len(s.Frame.Payload))
		desc := h.String()
		if s.Frame.LengthOverride != nil {
			h.Length = *s.Frame.LengthOverride
			desc = fmt.Sprintf("%v (%d payload octets follow)", h, len(s.Frame.Payload))
		}
		preview := s.Frame.Payload[:min(len(s.Frame.Payload), 64)]
		out[i] = StepRecord{
			Hex:   hex.EncodeToString(s.Frame.Bytes()),
			Frame: fmt.Sprintf("%s payload=%q", desc, preview),
			Chop:  s.Chop,
			Note:  s.Note,
		}
	}
	return out
}

// step decodes the octets back into the frame that produced them.
func (r StepRecord) step() (Step, error) {
	wire, err := hex.DecodeString(r.Hex)
	if err != nil {
		return Step{}, fmt.Errorf("step hex: %v", err)
	}
	if r.Raw {
		return Step{Raw: wire, Chop: r.Chop, Note: r.Note}, nil
	}
	h, n, err := frame.ParseHeader(wire)
	if err != nil {
		return Step{}, fmt.Errorf("step %.40q: %v", r.Hex, err)
	}
	payload := slices.Clone(wire[n:])
	if h.Masked {
		frame.MaskBytes(h.Mask, 0, payload)
	}
	f := frame.Frame{Header: h, Payload: payload}
	if h.Length != uint64(len(payload)) {
		declared := h.Length
		f.LengthOverride = &declared
	}
	return Step{Frame: f, Chop: r.Chop, Note: r.Note}, nil
}

// Session is the reproducer's session.
func (f Finding) Session() (Session, error) {
	s := Session{Request: f.Request, Origin: f.Origin}
	if s.Request == nil {
		return s, fmt.Errorf("no request")
	}
	s.Request = s.Request.Clone()
	for _, r := range f.Steps {
		st, err := r.step()
		if err != nil {
			return s, err
		}
		s.Steps = append(s.Steps, st)
	}
	return s, nil
}

// MaxReproducer bounds a reproducer file: sessions are bounded
// (MaxSessionBytes, twice that as hex), and the wire log is dropped from a
// file that would pass the bound.
const MaxReproducer = 4 << 20

// Write saves f as dir/<kind>-<rule>.json (one file per symptom) and
// returns the path.
func (f Finding) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f.Wire = boundWire(f.Wire)
	b, err := json.MarshalIndent(f, "", "  ")
	if err == nil && len(b) > MaxReproducer {
		f.Wire = nil
		b, err = json.MarshalIndent(f, "", "  ")
	}
	if err != nil {
		return "", err
	}
	name := strings.NewReplacer("/", "_", " ", "_").Replace(fmt.Sprintf("%s-%s.json", f.Kind, f.Rule))
	path := filepath.Join(dir, name)
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// Load reads a reproducer written by Write.
func Load(path string) (Finding, error) {
	var f Finding
	b, err := os.ReadFile(path)
	if err != nil {
		return f, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("%s: %v", path, err)
	}
	if f.Request == nil && len(f.Steps) == 0 {
		return f, fmt.Errorf("%s: no session in it", path)
	}
	if _, err := f.Session(); err != nil {
		return f, fmt.Errorf("%s: %v", path, err)
	}
	return f, nil
}

// A reproducer keeps at most MaxWire wire log entries, the first and the
// last: the steps are what replays the problem, the log only shows how the
// connection went, and a server flooding the probe must not make a
// reproducer of megabytes.
const MaxWire = 120

func boundWire(log []observed.Entry) []observed.Entry {
	if len(log) <= MaxWire {
		return log
	}
	tail := MaxWire / 4
	head := MaxWire - tail - 1
	out := slices.Clone(log[:head])
	omitted := len(log) - head - tail
	out = append(out, observed.Entry{At: log[head].At, Dir: observed.Note, Omitted: omitted,
		Text: fmt.Sprintf("wire log truncated in the reproducer: %d entries omitted here", omitted)})
	return append(out, log[len(log)-tail:]...)
}
