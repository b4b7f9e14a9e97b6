package cases_test

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

// Autobahn's per-section counts (shared/research/autobahn.md §2).
func TestAutobahnSectionCounts(t *testing.T) {
	want := map[string]int{"1": 16, "2": 11, "3": 7, "4": 10, "5": 20, "6": 145, "7": 37, "9": 54, "10": 1}
	got := map[string]int{}
	for _, c := range cases.All() {
		got[c.Section()]++
	}
	for s, n := range want {
		if got[s] != n {
			t.Errorf("section %s has %d cases, Autobahn has %d", s, got[s], n)
		}
	}
}

// The +/- marks of the 6.5-6.23 table are Autobahn's expectations; the
// reference validator must agree with every one of them.
func TestUTF8SequenceTableAgreesWithValidator(t *testing.T) {
	f, err := os.Open("utf8sequences.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, seqs := 0, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows++
		cols := strings.Split(line, "\t")
		for _, cell := range strings.Fields(cols[2]) {
			seqs++
			p, err := hex.DecodeString(cell[1:])
			if err != nil {
				t.Fatalf("%s: %v", cols[0], err)
			}
			if valid := cell[0] == '+'; utf8stream.Valid(p) != valid {
				t.Errorf("%s: % x marked valid=%t, validator says %t", cols[0], p, valid, !valid)
			}
		}
	}
	if rows != 19 || seqs != 132 {
		t.Errorf("table has %d groups and %d sequences, want 19 and 132 (6.5-6.23)", rows, seqs)
	}
}

// 6.4.x report where the target failed relative to the first invalid
// octet; the offsets count every octet written after the handshake.
func TestFailFastOffsets(t *testing.T) {
	// 6.4.1: 6+11 octets of the first frame, a 6-octet header, then f4 90:
	// 0x90 (octet 25) is where the text becomes certainly invalid.
	want := map[string]int64{"6.4.1": 25, "6.4.2": 25, "6.4.3": 19, "6.4.4": 19}
	for id, at := range want {
		c, ok := cases.Lookup(id)
		if !ok {
			t.Fatalf("%s missing", id)
		}
		if c.FailFastAt != at {
			t.Errorf("%s: FailFastAt = %d, want %d", id, c.FailFastAt, at)
		}
	}
}

// Autobahn checks that 10.1.1 went out as one text frame and 50
// continuations; here the frames are fixed at build time.
func TestAutoFragmentationFrameCounts(t *testing.T) {
	c, _ := cases.Lookup("10.1.1")
	counts := map[frame.Opcode]int{}
	total := 0
	for _, s := range c.Steps {
		counts[s.Frame.Opcode]++
		if len(s.Frame.Payload) > 1300 {
			t.Errorf("frame of %d octets exceeds 1300", len(s.Frame.Payload))
		}
		total += len(s.Frame.Payload)
	}
	if counts[frame.OpText] != 1 || counts[frame.OpContinuation] != 50 || total != 65536 {
		t.Errorf("10.1.1 sends %v frames with %d octets, want 1 text + 50 continuations, 65536 octets", counts, total)
	}
}

// Section 9 payloads are generated per run, never held by the catalogue,
// and the generated frames add up to the announced message.
func TestPerformanceCasesGenerateTheirPayloads(t *testing.T) {
	for _, c := range cases.All() {
		if c.Section() != "9" {
			continue
		}
		if !c.Serial || c.Echoes == nil || !hasLabel(c, "performance") {
			t.Errorf("%s: want Serial, Echoes and label performance", c.ID)
		}
		if c.Group() == "9.7" || c.Group() == "9.8" {
			if len(c.Steps) != 1 || c.Steps[0].RoundTrips != c.Echoes.Count || c.Steps[0].Frame == nil || len(c.Steps[0].Frame.Payload) != c.Echoes.Length {
				t.Errorf("%s: want one step of %d round trips of %d octets", c.ID, c.Echoes.Count, c.Echoes.Length)
			}
			continue
		}
		if len(c.Steps) != 1 || c.Steps[0].Message == nil || c.Steps[0].Frame != nil {
			t.Fatalf("%s: want one generated step", c.ID)
		}
		var seq frame.Sequence
		size, frames := 0, 0
		for f := range c.Steps[0].Message.Frames() {
			if v := seq.Check(f.Header); v != nil {
				t.Fatalf("%s: frame %d: %v", c.ID, frames, v)
			}
			size += len(f.Payload)
			frames++
		}
		if shown := cases.Describe([]*cases.Case{c})[0].Steps[0].Message.Frames; shown != frames {
			t.Errorf("%s: the catalogue shows %d frames, %d are sent", c.ID, shown, frames)
		}
		if size != c.Echoes.Length || seq.InMessage() {
			t.Errorf("%s: generated %d octets in %d frames (message open: %t), want %d", c.ID, size, frames, seq.InMessage(), c.Echoes.Length)
		}
	}
}

func hasLabel(c *cases.Case, l string) bool {
	for _, x := range c.Labels {
		if x == l {
			return true
		}
	}
	return false
}
