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
	// Intermediary is a section 19 case's plan.
	Intermediary *IntermediaryView `json:"intermediary,omitempty"`
	// API is a browser API check: the page's scenario and what the
	// scenario server does (Expect then lists what the page must see).
	API *APIView `json:"api,omitempty"`
	// ClientRule is a section 16 case's answer and script.
	ClientRule *ClientRuleView `json:"clientRule,omitempty"`
	// Clients is how the case changes when it tests a client, when it
	// does (7.7.8's departure, 12.x/13.x's way of accepting the offer).
	Clients *ClientPlayView `json:"clients,omitempty"`
}

// ClientPlayView is a ClientPlay as the catalogue shows it.
type ClientPlayView struct {
	Note    string           `json:"note,omitempty"`
	Close   *CloseExpectView `json:"expectClose,omitempty"`
	Deflate []string         `json:"acceptDeflate,omitempty"`
}

// ClientRuleView is a ClientRule as the catalogue shows it.
type ClientRuleView struct {
	Answer ClientAnswer `json:"answer"`
	Send   []string     `json:"send,omitempty"`
	Echoes int          `json:"echoes,omitempty"`
	End    ClientEnd    `json:"end"`
	Wait   string       `json:"wait"`
	// CloseCodes are the codes the client's close frame may carry.
	CloseCodes []int `json:"closeCodes,omitempty"`
}

// APIView is an APICheck as the catalogue shows it.
type APIView struct {
	Script   string    `json:"script"`
	Server   APIServer `json:"server"`
	Requires string    `json:"requires"`
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
		if p := c.Clients; p != nil && (p.Note != "" || p.Close != nil || len(p.Deflate) > 0) {
			v := &ClientPlayView{Note: p.Note}
			if p.Close != nil {
				v.Close = p.Close.View()
			}
			for _, a := range p.Deflate {
				v.Deflate = append(v.Deflate, a.String())
			}
			e.Clients = v
		}
		if r := c.ClientRule; r != nil {
			v := &ClientRuleView{Answer: r.Answer, Echoes: r.Echoes, End: r.End, Wait: r.Wait.String()}
			for _, f := range r.Send {
				v.Send = append(v.Send, fmt.Sprintf("%x", f.Bytes()))
			}
			for _, code := range r.CloseCodes {
				v.CloseCodes = append(v.CloseCodes, int(code))
			}
			e.ClientRule = v
		}
		if c.API != nil {
			e.API = &APIView{Script: c.API.Script, Server: c.API.Server, Requires: c.API.Requires}
			for _, o := range c.API.Expect {
				e.Expect = append(e.Expect, ExpectedOutcome{Verdict: o.Verdict, Events: o.Seen})
			}
		}
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
		if c.Intermediary != nil {
			e.Intermediary = c.Intermediary.View()
		}
		out = append(out, e)
	}
	return out
}
