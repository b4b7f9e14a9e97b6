package cases

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The reviewed catalogue shows every octet a case sends: changing one
// octet of one case's payload changes its golden rendering and the
// catalogue digest, wherever the octet sits (a frame payload short or
// long, raw octets, a close payload, a generated message's pattern).
func TestOneOctetChangesTheCatalogue(t *testing.T) {
	tests := []struct {
		id     string
		mutate func(s *Step)
	}{
		{"5.9", func(s *Step) { s.Frame.Payload[3] ^= 1 }},
		{"1.1.6", func(s *Step) { s.Frame.Payload[40000] ^= 1 }}, // past the hex preview
		{"1.1.6", func(s *Step) { s.Frame.Payload[len(s.Frame.Payload)-1] ^= 1 }},
		{"7.3.6", func(s *Step) { s.Close[100] ^= 1 }},
		{"9.1.1", func(s *Step) { s.Message.Pattern[0] ^= 1 }},
		{"14.6.1", func(s *Step) { s.Raw[len(s.Raw)-1] ^= 1 }},
	}
	base := All()
	baseDigest := Digest(Describe(base))
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			i := indexOf(t, base, tc.id)
			before := render(t, base[i:i+1])
			changed := cloneSteps(base[i])
			mutated := false
			for j := range changed.Steps {
				if s := &changed.Steps[j]; s.Frame != nil || s.Raw != nil || s.Close != nil || s.Message != nil {
					tc.mutate(s)
					mutated = true
					break
				}
			}
			if !mutated {
				t.Fatalf("%s sends no octets to change", tc.id)
			}
			cs := append([]*Case{}, base...)
			cs[i] = changed
			if bytes.Equal(render(t, cs[i:i+1]), before) {
				t.Error("the rendering did not change")
			}
			if Digest(Describe(cs)) == baseDigest {
				t.Error("the digest did not change")
			}
			if !bytes.Equal(render(t, base[i:i+1]), before) {
				t.Fatal("the catalogue itself changed: the test must work on a copy")
			}
		})
	}
}

// Compression cases show the document their messages are cut from by its
// digest, so a change to any octet of a generated document shows too.
func TestCompressionDocumentIsRendered(t *testing.T) {
	for _, c := range All() {
		if c.Compression == nil {
			continue
		}
		doc := c.Compression.Payload.data()
		v := describeCompression(c.Compression)
		if v.Payload.Octets != octets(doc) || v.Payload.Octets.SHA256 == "" {
			t.Fatalf("%s: document rendered as %+v", c.ID, v.Payload.Octets)
		}
		changed := append([]byte(nil), doc...)
		changed[len(changed)/2] ^= 1
		if octets(changed) == v.Payload.Octets {
			t.Fatalf("%s: one octet of the document changed, the rendering did not", c.ID)
		}
	}
}

func render(t *testing.T, cs []*Case) []byte {
	b, err := json.Marshal(Describe(cs))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func indexOf(t *testing.T, cs []*Case, id string) int {
	for i, c := range cs {
		if c.ID == id {
			return i
		}
	}
	t.Fatalf("no case %s", id)
	return -1
}

// cloneSteps copies c deeply enough that its steps' octets can change.
func cloneSteps(c *Case) *Case {
	d := *c
	d.Steps = append([]Step{}, c.Steps...)
	for i := range d.Steps {
		s := &d.Steps[i]
		if s.Frame != nil {
			f := *s.Frame
			f.Payload = append([]byte{}, f.Payload...)
			s.Frame = &f
		}
		if s.Message != nil {
			m := *s.Message
			m.Pattern = append([]byte{}, m.Pattern...)
			s.Message = &m
		}
		s.Raw = bytes.Clone(s.Raw)
		s.Close = bytes.Clone(s.Close)
	}
	return &d
}
