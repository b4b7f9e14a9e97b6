package reporter

import (
	"embed"
	"html/template"
	"io"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// HTMLFile is the HTML report's name inside the output directory.
const HTMLFile = "index.html"

//go:embed html/report.html html/report.css html/report.js
var htmlAssets embed.FS

var htmlTemplate = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"lower":   strings.ToLower,
	"join":    strings.Join,
	"section": section,
	"dur":     roundDuration,
	"head":    func(events []string) []string { return events[:min(len(events), eventsShown)] },
	"more":    func(events []string) int { return max(0, len(events)-eventsShown) },
	"css":     func() template.CSS { return template.CSS(mustAsset("html/report.css")) },
	"js":      func() template.JS { return template.JS(mustAsset("html/report.js")) },
}).ParseFS(htmlAssets, "html/report.html"))

func mustAsset(name string) string {
	b, err := htmlAssets.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// eventsShown caps the expected and observed event lists of a case in the
// page: performance cases exchange thousands of messages.
const eventsShown = 25

// WriteHTML writes the report as one self-contained page: no external URL,
// styles and script inline, usable from disk. Runs against different
// targets become columns of one matrix. Wire logs sit in inert JSON script
// blocks that the page turns into tables only when a reader opens one, so
// a full run against several targets still opens fast.
func WriteHTML(w io.Writer, g Gate, runs ...*cases.Run) error {
	return htmlTemplate.Execute(w, newHTMLView(g, bounded(runs)))
}

// roundDuration keeps three or four significant digits: 5.98ms, 1.003s.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d.Round(time.Microsecond)
}
