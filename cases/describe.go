package cases

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
)

// Entry is a case as the catalogue file and `wsconform list --format json`
// show it: everything a reviewer needs to see change in a diff.
type Entry struct {
	ID          string            `json:"id"`
	Title       string            `json:"title"`
	Description string            `json:"description"`
	Clauses     []string          `json:"clauses"`
	Level       Level             `json:"level"`
	Labels      []string          `json:"labels"`
	Serial      bool              `json:"serial,omitempty"`
	Expect      []ExpectedOutcome `json:"expect,omitempty"`
	Close       *CloseExpectView  `json:"expectClose,omitempty"`
	// The cross-links between the two verdicts, and the fail-fast octet.
	NonStrictCodes     []int  `json:"nonStrictCloseCodes,omitempty"`
	WrongEndpointFatal bool   `json:"wrongEndpointFatal,omitempty"`
	WrongCodeFails     bool   `json:"wrongCodeFails,omitempty"`
	Informational      bool   `json:"informational,omitempty"`
	FailFastAt         int64  `json:"failFastAt,omitempty"`
	Timer              string `json:"timer,omitempty"`
	// What goes on the wire: the script, or the compression plan, and
	// the echoes a performance case counts.
	Steps       []StepView       `json:"steps,omitempty"`
	Compression *CompressionView `json:"compression,omitempty"`
	Echoes      *EchoCheck       `json:"echoes,omitempty"`
	// Handshake is an opening-handshake case's request as written and its
	// status-to-verdict table.
	Handshake *HandshakeView `json:"handshake,omitempty"`
	// Deflate: the offers a scripted case makes before its script.
	Deflate []string `json:"offersFirst,omitempty"`
	// Resource is a resource-limit case's plan.
	Resource *ResourceView `json:"resource,omitempty"`
}

// CatalogueDigest identifies the whole catalogue, as the golden file shows
// it (ids, titles, clauses, what is sent, expectations): results carry it,
// so two runs can be told to have been judged by the same rules.
func CatalogueDigest() string { return Digest(Describe(All())) }

// Digest identifies catalogue entries: any change to what they render
// (one octet of one payload included) changes it.
func Digest(entries []Entry) string {
	b, err := json.Marshal(entries)
	if err != nil {
		panic("cases: catalogue does not marshal: " + err.Error())
	}
	return fmt.Sprintf("sha256:%x", sha256.Sum256(b))
}

// Describe renders cases as catalogue entries.
func Describe(cs []*Case) []Entry {
	out := make([]Entry, 0, len(cs))
	for _, c := range cs {
		e := Entry{ID: c.ID, Title: c.Title, Description: c.Description, Clauses: c.Clauses, Level: c.Level, Labels: c.Labels, Serial: c.Serial,
			Expect: expectedOutcomes(c.Expect)}
		if c.Handshake != nil {
			e.Handshake = c.Handshake.View()
		}
		if c.judgesClose() {
			e.Close = c.Close.View()
			for _, code := range c.Close.NonStrictCodes {
				e.NonStrictCodes = append(e.NonStrictCodes, int(code))
			}
			e.WrongEndpointFatal, e.WrongCodeFails, e.Informational = c.Close.WrongEndpointFatal, c.Close.WrongCodeFails, c.Close.Informational
			e.FailFastAt = c.FailFastAt
			if c.Timer.After > 0 {
				e.Timer = fmt.Sprintf("%s after %v", c.Timer.Kind, c.Timer.After)
			}
		}
		e.Steps, e.Echoes = describeSteps(c.Steps), c.Echoes
		if c.Compression != nil {
			e.Compression = describeCompression(c.Compression)
			e.Expect = c.Compression.expected()
		}
		if c.Deflate != nil {
			for _, o := range c.Deflate.Offers {
				e.Deflate = append(e.Deflate, o.String())
			}
		}
		if c.Resource != nil {
			e.Resource = c.Resource.View()
		}
		out = append(out, e)
	}
	return out
}
