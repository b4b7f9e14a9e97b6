package netfuzz

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// Kind is what went wrong on the server.
type Kind string

const (
	KindCrash     Kind = "crash"     // it stopped completing opening handshakes
	KindHang      Kind = "hang"      // it owed a close frame or TCP close and sent neither
	KindViolation Kind = "violation" // its own frames broke RFC 6455
)

// Finding is one problem, with everything needed to send the same octets
// again. Its JSON form is the reproducer file.
type Finding struct {
	Kind   Kind   `json:"kind"`
	Rule   string `json:"rule"` // the rule the server broke (violation) or had to enforce (hang)
	Detail string `json:"detail"`
	// Expect is what a conforming server had to do after these frames.
	Expect    string       `json:"expect"`
	Target    string       `json:"target"`
	Seed      int64        `json:"seed"`
	Iteration int          `json:"iteration"`
	Steps     []StepRecord `json:"steps"`
	// Close and Wire are how the connection went: the closing state and the
	// wire log (octets both ways, decoded frames, timers).
	Close observed.CloseState `json:"close"`
	Wire  []observed.Entry    `json:"wire,omitempty"`
	Path  string              `json:"-"` // where Write put it
}

func (f Finding) key() string { return string(f.Kind) + " " + f.Rule }

// StepRecord is a Step as octets: the frame exactly as sent (masked, length
// field as written), decoded for people alongside.
type StepRecord struct {
	Hex   string `json:"hex"`
	Frame string `json:"frame"`
	Chop  int    `json:"chop,omitempty"`
	Note  string `json:"note,omitempty"`
}

func records(steps []Step) []StepRecord {
	out := make([]StepRecord, len(steps))
	for i, s := range steps {
		h := s.Frame.Header
		h.Length = uint64(len(s.Frame.Payload))
		desc := h.String()
		if s.Frame.LengthOverride != nil {
			h.Length = *s.Frame.LengthOverride
			desc = fmt.Sprintf("%v (%d payload octets follow)", h, len(s.Frame.Payload))
		}
		out[i] = StepRecord{
			Hex:   hex.EncodeToString(s.Frame.Bytes()),
			Frame: fmt.Sprintf("%s payload=%q", desc, s.Frame.Payload),
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
	h, n, err := frame.ParseHeader(wire)
	if err != nil {
		return Step{}, fmt.Errorf("step %q: %v", r.Hex, err)
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

func wireOf(steps []Step) []byte {
	var b []byte
	for _, s := range steps {
		b = s.Frame.Append(b)
	}
	return b
}

// Write saves f as dir/<kind>-<rule>-seed<seed>-iter<iteration>.json and
// returns the path.
func (f Finding) Write(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	f.Wire = boundWire(f.Wire)
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s-seed%d-iter%d.json", f.Kind, f.Rule, f.Seed, f.Iteration))
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
	if len(f.Steps) == 0 {
		return f, fmt.Errorf("%s: no steps", path)
	}
	return f, nil
}

// Replay sends the reproducer's frames to cfg.Target (f.Target if empty)
// in one connection, as the iteration did, and returns what it finds now:
// nil when the problem no longer shows.
func Replay(ctx context.Context, cfg Config, f Finding) (*Finding, error) {
	cfg = cfg.withDefaults()
	if cfg.Target == "" {
		cfg.Target = f.Target
	}
	target, err := cfg.target()
	if err != nil {
		return nil, err
	}
	steps := make([]Step, len(f.Steps))
	for i, r := range f.Steps {
		if steps[i], err = r.step(); err != nil {
			return nil, err
		}
	}
	got, err := runSteps(ctx, target, cfg.Deadline, steps)
	if got != nil {
		got.Target, got.Seed, got.Iteration = cfg.Target, f.Seed, f.Iteration
	}
	return got, err
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
