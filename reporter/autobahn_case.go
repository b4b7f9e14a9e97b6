package reporter

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// autobahnCase is Autobahn's per-case report: exactly its 39 keys, in its
// order (FuzzingProtocol.connectionLost), so scripts written for Autobahn's
// <agent>_case_<id>.json files read ours unchanged. Where wsconform keeps
// richer data than Autobahn (events, frames), the value is our rendering in
// the same place; wsconform.json has everything.
type autobahnCase struct {
	Agent                  string               `json:"agent"`
	ID                     string               `json:"id"`
	Case                   int                  `json:"case"` // 1-based position in this run
	Description            string               `json:"description"`
	Expectation            string               `json:"expectation"`
	Started                string               `json:"started"`  // UTC, ISO 8601 with milliseconds
	Duration               int64                `json:"duration"` // ms
	ReportTime             bool                 `json:"reportTime"`
	ReportCompressionRatio bool                 `json:"reportCompressionRatio"`
	Behavior               string               `json:"behavior"`
	BehaviorClose          string               `json:"behaviorClose"`
	Result                 string               `json:"result"`
	ResultClose            string               `json:"resultClose"`
	Expected               map[string][]string  `json:"expected"` // verdict -> events
	ExpectedClose          *autobahnCloseExpect `json:"expectedClose"`
	Received               []string             `json:"received"`
	WireLog                [][]any              `json:"wirelog"`
	CreateWireLog          bool                 `json:"createWirelog"`
	ClosedByMe             bool                 `json:"closedByMe"`
	FailedByMe             bool                 `json:"failedByMe"`
	DroppedByMe            bool                 `json:"droppedByMe"`
	WasClean               bool                 `json:"wasClean"`
	WasNotCleanReason      *string              `json:"wasNotCleanReason"`
	DropTimeout            bool                 `json:"wasServerConnectionDropTimeout"`
	OpenHandshakeTimeout   bool                 `json:"wasOpenHandshakeTimeout"`
	CloseHandshakeTimeout  bool                 `json:"wasCloseHandshakeTimeout"`
	LocalCloseCode         *int                 `json:"localCloseCode"`
	LocalCloseReason       *string              `json:"localCloseReason"`
	RemoteCloseCode        *int                 `json:"remoteCloseCode"`
	RemoteCloseReason      *string              `json:"remoteCloseReason"`
	IsServer               bool                 `json:"isServer"`
	CreateStats            bool                 `json:"createStats"`
	RxOctetStats           map[string]int       `json:"rxOctetStats"`
	TxOctetStats           map[string]int       `json:"txOctetStats"`
	RxFrameStats           map[string]int       `json:"rxFrameStats"`
	TxFrameStats           map[string]int       `json:"txFrameStats"`
	HTTPRequest            string               `json:"httpRequest"`
	HTTPResponse           string               `json:"httpResponse"`
	TrafficStats           any                  `json:"trafficStats"` // Autobahn fills it for 12.x/13.x only
}

type autobahnCloseExpect struct {
	ClosedByMe   bool  `json:"closedByMe"`
	CloseCode    []int `json:"closeCode"`
	RequireClean bool  `json:"requireClean"`
}

// autobahnCaseOf renders r (the n-th result of its run, 1-based).
func autobahnCaseOf(agent string, n int, r cases.Result) autobahnCase {
	a := autobahnCase{
		Agent: agent, ID: r.ID, Case: n,
		Description: r.Description, Expectation: expectation(r),
		Started:  r.Started.UTC().Format("2006-01-02T15:04:05.000Z"),
		Duration: r.Duration.Milliseconds(), ReportTime: r.Perf != nil,
		ReportCompressionRatio: r.Perf != nil && r.Perf.CompressionRatio > 0,
		Behavior:               string(r.Behavior), BehaviorClose: string(r.BehaviorClose),
		Result: r.Reason, ResultClose: r.CloseReason,
		Expected: map[string][]string{}, Received: r.Observed,
		WireLog: autobahnWireLog(r.WireLog), CreateWireLog: true,
		RxOctetStats: map[string]int{}, TxOctetStats: map[string]int{},
		RxFrameStats: map[string]int{}, TxFrameStats: map[string]int{},
	}
	if a.Received == nil {
		a.Received = []string{}
	}
	for _, o := range r.Expected {
		if _, dup := a.Expected[string(o.Verdict)]; !dup {
			a.Expected[string(o.Verdict)] = o.Events
		}
	}
	if e := r.ExpectedClose; e != nil {
		a.ExpectedClose = &autobahnCloseExpect{ClosedByMe: e.ClosedByMe, CloseCode: e.Codes, RequireClean: e.RequireClean}
		if a.ExpectedClose.CloseCode == nil {
			a.ExpectedClose.CloseCode = []int{}
		}
	}
	if c := r.Close; c != nil {
		a.ClosedByMe, a.FailedByMe, a.DroppedByMe, a.WasClean = c.ClosedByMe, c.FailedByMe, c.DroppedByMe, c.Clean
		a.DropTimeout, a.CloseHandshakeTimeout, a.IsServer = c.DropTimeout, c.CloseTimeout, c.IsServer
		if !c.Clean {
			a.WasNotCleanReason = &c.NotCleanReason
		}
		if c.SentClose {
			a.LocalCloseCode, a.LocalCloseReason = closeCode(c.LocalCode), &c.LocalReason
		}
		if c.ReceivedClose {
			a.RemoteCloseCode, a.RemoteCloseReason = closeCode(c.RemoteCode), &c.RemoteReason
		}
	}
	if h := r.Handshake; h != nil {
		a.HTTPRequest, a.HTTPResponse = h.Request, h.Response
		a.OpenHandshakeTimeout = h.TimedOut
	}
	return a
}

// closeCode is Autobahn's rendering: null when the close frame had no code
// (a code 0 that was on the wire is 0).
func closeCode(c *frame.CloseCode) *int {
	if c == nil {
		return nil
	}
	n := int(*c)
	return &n
}

// expectation is Autobahn's one-paragraph expectation text.
func expectation(r cases.Result) string {
	var parts []string
	for _, o := range r.Expected {
		parts = append(parts, fmt.Sprintf("%s: [%s]", o.Verdict, strings.Join(o.Events, ", ")))
	}
	s := strings.Join(parts, "; ")
	if e := r.ExpectedClose; e != nil {
		who := "the target closes"
		if e.ClosedByMe {
			who = "we close"
		}
		s += fmt.Sprintf(". Close: %s, acceptable codes %v, clean close required: %t", who, e.Codes, e.RequireClean)
	}
	return strings.TrimPrefix(s, ". ")
}

// autobahnWireLog keeps Autobahn's row codes: ["RO", [octets, hex]],
// ["TO", [octets, hex], false] for raw reads and writes, ["RF"|"TF",
// description] for decoded frames (Autobahn splits the header into
// columns; we keep our one-line decoding), and ["NT", text] for notes,
// each followed by the time since the case started in ms.
func autobahnWireLog(log []observed.Entry) [][]any {
	rows := make([][]any, 0, len(log))
	for _, e := range log {
		ms := float64(e.At.Microseconds()) / 1000
		switch {
		case e.Dir == observed.Note:
			rows = append(rows, []any{"NT", e.Text, ms})
		case e.Frame != "" && e.Dir == observed.Sent:
			rows = append(rows, []any{"TF", e.Frame, ms})
		case e.Frame != "":
			rows = append(rows, []any{"RF", e.Frame, ms})
		case e.Dir == observed.Sent:
			rows = append(rows, []any{"TO", []any{e.Octets, e.Hex}, false, ms})
		default:
			rows = append(rows, []any{"RO", []any{e.Octets, e.Hex}, ms})
		}
	}
	return rows
}

// writeAutobahnCases writes dir/<stem>.json for every result that ran.
func writeAutobahnCases(dir string, runs ...*cases.Run) error {
	for _, run := range runs {
		for i, r := range run.Results {
			if r.Behavior == cases.NotRun {
				continue
			}
			b, err := json.MarshalIndent(autobahnCaseOf(run.Target.Agent, i+1, r), "", "   ")
			if err != nil {
				return err
			}
			b = append(b, '\n')
			name := filepath.Join(dir, AutobahnFileStem(run.Target.Agent, r.ID)+".json")
			if err := writeBytes(name, b); err != nil {
				return err
			}
		}
	}
	return nil
}
