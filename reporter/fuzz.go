package reporter

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
)

// Files of a fuzzing run's findings report, inside its output directory.
const (
	FuzzJSONFile = "fuzz-report.json"
	FuzzHTMLFile = "fuzz-report.html"
)

// Bounds of a fuzzing report: the fuzzer de-duplicates findings by symptom
// and bounds each session, and the report caps what it shows of each.
const (
	MaxFuzzFindings = 100
	MaxFuzzSteps    = 64
	MaxFuzzAnswers  = 200
)

// FuzzRun is a network fuzzing run as the report shows it: plain data, so
// that the reporter knows nothing of how it was produced.
type FuzzRun struct {
	Target      string        `json:"target"`
	Seed        int64         `json:"seed"`
	Parallel    int           `json:"parallel"`
	Seeds       int           `json:"seeds"` // starting sessions from the catalogue
	Execs       int           `json:"execs"`
	Corpus      int           `json:"corpus"`
	Answers     int           `json:"answers"` // distinct answer shapes reached
	Elapsed     time.Duration `json:"elapsed_ns"`
	ExecsPerSec float64       `json:"execs_per_sec"`
	// Stopped says why the run ended early ("" if it ran to its limit);
	// Interrupted marks a run the user stopped.
	Stopped      string        `json:"stopped,omitempty"`
	Interrupted  bool          `json:"interrupted,omitempty"`
	Repeats      int           `json:"repeats"`
	Unconfirmed  int           `json:"unconfirmed"`
	MinimizeRuns int           `json:"minimize_runs"`
	AnswerShapes []FuzzAnswer  `json:"answer_shapes"`
	Findings     []FuzzFinding `json:"findings"`
}

// FuzzAnswer is one answer shape and how many sessions got it.
type FuzzAnswer struct {
	Answer   string `json:"answer"`
	Sessions int    `json:"sessions"`
}

// FuzzFinding is one problem, with its minimized session in words and
// where its reproducer is.
type FuzzFinding struct {
	Kind   string `json:"kind"`
	Rule   string `json:"rule"`
	Detail string `json:"detail"`
	Expect string `json:"expect"`
	Origin string `json:"origin"`
	Exec   int    `json:"exec"`
	// Request is the opening-handshake request, Steps the frames, as sent
	// in the saved (minimized) session.
	Request string   `json:"request"`
	Steps   []string `json:"steps"`
	// Found and Saved are the session's size (octets, steps) as found and
	// after minimization.
	FoundOctets  int    `json:"found_octets"`
	FoundSteps   int    `json:"found_steps"`
	SavedOctets  int    `json:"saved_octets"`
	SavedSteps   int    `json:"saved_steps"`
	MinimizeRuns int    `json:"minimize_runs"`
	Reproducer   string `json:"reproducer,omitempty"` // file path
	Replay       string `json:"replay,omitempty"`     // command that sends it again
}

// bounded cuts the report to its caps, saying so where it cut.
func (r FuzzRun) bounded() FuzzRun {
	if len(r.Findings) > MaxFuzzFindings {
		r.Findings = r.Findings[:MaxFuzzFindings]
	}
	if len(r.AnswerShapes) > MaxFuzzAnswers {
		r.AnswerShapes = r.AnswerShapes[:MaxFuzzAnswers]
	}
	fs := make([]FuzzFinding, len(r.Findings))
	for i, f := range r.Findings {
		f.Detail, f.Expect, f.Origin, f.Request = cut(f.Detail), cut(f.Expect), cut(f.Origin), cut(observed.RedactHead(f.Request))
		if len(f.Steps) > MaxFuzzSteps {
			f.Steps = append(f.Steps[:MaxFuzzSteps:MaxFuzzSteps], fmt.Sprintf("… %d more steps in the reproducer", len(f.Steps)-MaxFuzzSteps))
		}
		for j := range f.Steps {
			f.Steps[j] = cut(f.Steps[j])
		}
		fs[i] = f
	}
	r.Findings = fs
	return r
}

// WriteFuzzReports writes the JSON and HTML findings reports into dir.
func WriteFuzzReports(dir string, r FuzzRun) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, write := range map[string]func(io.Writer, FuzzRun) error{FuzzJSONFile: WriteFuzzJSON, FuzzHTMLFile: WriteFuzzHTML} {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		err = write(f, r)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FuzzKinds says what each finding kind means, in the order the report
// lists them. A crash and a drop both end connections without a close
// frame; what tells them apart is the liveness check right after: a
// crashed target refuses the next connection or completes no handshake on
// it, a dropping one serves it.
var FuzzKinds = []struct{ Kind, Means string }{
	{"crash", "the server process went down (the next connection was refused, or an idle connection opened before the session was lost with it though a restarted process served the next) or stopped serving (TCP accepted, no opening handshake): every client lost"},
	{"drop", "the server closed or reset this connection without the close frame it owed, and went on serving others (a handler that panics and is recovered)"},
	{"hang", "the server owed a close frame or a failed connection and did neither within the deadline"},
	{"violation", "the server's own answer broke RFC 6455 or RFC 7692"},
}

type fuzzKindCount struct {
	Kind, Means string
	Count       int
}

// fuzzKinds counts the findings per kind, each kind with its meaning.
func fuzzKinds(fs []FuzzFinding) []fuzzKindCount {
	var out []fuzzKindCount
	for _, k := range FuzzKinds {
		n := 0
		for _, f := range fs {
			if f.Kind == k.Kind {
				n++
			}
		}
		if n > 0 {
			out = append(out, fuzzKindCount{k.Kind, k.Means, n})
		}
	}
	return out
}

// WriteFuzzJSON writes the run as JSON.
func WriteFuzzJSON(w io.Writer, r FuzzRun) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r.bounded())
}

// WriteFuzzHTML writes the run as a self-contained page.
func WriteFuzzHTML(w io.Writer, r FuzzRun) error {
	return fuzzTemplate.Execute(w, r.bounded())
}

var fuzzTemplate = template.Must(template.New("fuzz").Funcs(template.FuncMap{
	"dur":   roundDuration,
	"kinds": fuzzKinds,
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>wsconform fuzz: {{.Target}}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:70em}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top}
pre{background:#f6f6f6;padding:.5em;overflow-x:auto;white-space:pre-wrap}
.finding{border-left:4px solid #c33;padding-left:1em;margin:1.5em 0}.kind{font-weight:bold;text-transform:uppercase;color:#c33}
</style></head><body>
<h1>wsconform fuzz</h1>
<table>
<tr><th>target</th><td>{{.Target}}</td></tr>
<tr><th>seed</th><td>{{.Seed}}</td></tr>
<tr><th>sessions</th><td>{{.Execs}} in {{dur .Elapsed}} ({{printf "%.0f" .ExecsPerSec}}/s, {{.Parallel}} connections at once)</td></tr>
<tr><th>corpus</th><td>{{.Corpus}} sessions ({{.Seeds}} seeded from the catalogue)</td></tr>
<tr><th>distinct answers</th><td>{{.Answers}}</td></tr>
<tr><th>findings</th><td>{{len .Findings}} ({{.Repeats}} repeats, {{.Unconfirmed}} not confirmed when replayed alone; {{.MinimizeRuns}} sessions spent minimizing)</td></tr>
{{if .Stopped}}<tr><th>stopped</th><td>{{.Stopped}}</td></tr>{{end}}
{{if .Interrupted}}<tr><th>interrupted</th><td>the run was interrupted; this report holds what was done until then</td></tr>{{end}}
</table>
<h2>Findings</h2>
{{if not .Findings}}<p>None.</p>{{else}}<table><tr><th>kind</th><th>found</th><th>what it means</th></tr>
{{range kinds .Findings}}<tr><td>{{.Kind}}</td><td>{{.Count}}</td><td>{{.Means}}</td></tr>{{end}}
</table>{{end}}
{{range .Findings}}<div class="finding">
<p><span class="kind">{{.Kind}}</span> <code>{{.Rule}}</code> (session {{.Exec}})</p>
<p>{{.Detail}}</p>
<p>Expected: {{.Expect}}</p>
<p>Session: {{.FoundOctets}} octets in {{.FoundSteps}} steps as found, {{.SavedOctets}} octets in {{.SavedSteps}} steps after minimizing ({{.MinimizeRuns}} sessions). It descends from {{.Origin}}.</p>
{{if .Replay}}<p>Reproduce: <code>{{.Replay}}</code></p>{{end}}
<details><summary>request and frames</summary><pre>{{.Request}}</pre><ol>{{range .Steps}}<li><code>{{.}}</code></li>{{end}}</ol></details>
</div>{{end}}
<h2>Answer shapes</h2>
<table><tr><th>sessions</th><th>answer</th></tr>
{{range .AnswerShapes}}<tr><td>{{.Sessions}}</td><td><code>{{.Answer}}</code></td></tr>{{end}}
</table>
</body></html>
`))
