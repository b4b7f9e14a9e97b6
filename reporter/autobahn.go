package reporter

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"

	"github.com/wsconform/wsconform/cases"
)

// autobahnEntry is one cell of Autobahn's index.json, with its field names.
type autobahnEntry struct {
	Behavior        string `json:"behavior"`
	BehaviorClose   string `json:"behaviorClose"`
	Duration        int64  `json:"duration"` // ms
	RemoteCloseCode *int   `json:"remoteCloseCode"`
	ReportFile      string `json:"reportfile"`
}

// AutobahnFileStem is Autobahn's per-case report name without extension:
// the agent lower-cased, every character outside a-z0-9 made '_' (leading
// and trailing ones dropped), then "_case_" and the id with '_' for '.'.
func AutobahnFileStem(agent, id string) string {
	a := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, strings.ToLower(agent))
	a = strings.Trim(a, "_")
	return a + "_case_" + strings.ReplaceAll(id, ".", "_")
}

// WriteAutobahn writes dir/index.json in Autobahn's layout (agent -> case id
// -> verdicts), keys sorted and indented by three spaces as Autobahn does,
// so tools written for Autobahn read it unchanged, and beside it one
// <agent>_case_<id>.json per case (see autobahnCase). NOT RUN cases are left
// out, as Autobahn leaves out cases it did not run.
func WriteAutobahn(dir string, runs ...*cases.Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	runs = bounded(runs)
	index := map[string]map[string]autobahnEntry{}
	for _, run := range runs {
		agent := run.Target.Agent
		m := index[agent]
		if m == nil {
			m = map[string]autobahnEntry{}
			index[agent] = m
		}
		for _, r := range run.Results {
			if r.Behavior == cases.NotRun {
				continue
			}
			e := autobahnEntry{
				Behavior: string(r.Behavior), BehaviorClose: string(r.BehaviorClose),
				Duration: r.Duration.Milliseconds(), ReportFile: AutobahnFileStem(agent, r.ID) + ".json",
			}
			if r.Close != nil && r.Close.ReceivedClose {
				e.RemoteCloseCode = closeCode(r.Close.RemoteCode)
			}
			m[r.ID] = e
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "   ")
	if err := enc.Encode(index); err != nil {
		return err
	}
	if err := writeBytes(filepath.Join(dir, "index.json"), buf.Bytes()); err != nil {
		return err
	}
	return writeAutobahnCases(dir, runs...)
}
