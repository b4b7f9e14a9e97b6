package reporter

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
)

// htmlView is what the HTML template renders: the runs rearranged as a
// matrix of cases (rows, grouped by section) by targets (columns).
type htmlView struct {
	Tool      string
	Catalogue string // digest of the catalogue, shortened
	Gate      string
	Targets   []htmlTarget
	Sections  []htmlSection
	Verdicts  []cases.Verdict // filter choices, best to worst
	Labels    []string
	Total     int // rows
}

type htmlTarget struct {
	Index       int
	Agent, URL  string
	Started     string
	Duration    string
	Counts      []verdictCount
	Failing     int // results the gate rejects
	Cases       int
	Interrupted bool
	Down        *cases.TargetDown
	TLS         *cases.TLSInfo
}

type verdictCount struct {
	Verdict cases.Verdict
	N       int
}

type htmlSection struct {
	ID, Title string
	Counts    [][]verdictCount // per target
	Rows      []htmlRow
}

type htmlRow struct {
	ID, Title string
	Verdicts  string // every verdict in the row, main and "close:"-prefixed, for the filter
	Labels    string
	Search    string // lower-cased text the free-text filter matches
	Cells     []htmlCell
}

type htmlCell struct {
	Target  int
	Agent   string
	Present bool
	Fails   bool
	Key     string // "<target>/<id>": the detail's address in the URL hash
	R       cases.Result
	Close   string // the target's close code, as Autobahn's close cell shows it
	Wire    []observed.Entry
}

func newHTMLView(g Gate, runs []*cases.Run) htmlView {
	v := htmlView{Gate: g.String(), Verdicts: cases.Verdicts}
	byTarget := make([]map[string]cases.Result, len(runs))
	meta := map[string]cases.Result{} // first result per id, for title and labels
	var ids []string
	labels := map[string]bool{}
	for i, run := range runs {
		if v.Tool == "" {
			v.Tool = run.Tool
		}
		if v.Catalogue == "" && len(run.Catalogue) > len("sha256:")+12 {
			v.Catalogue = run.Catalogue[:len("sha256:")+12]
		}
		t := htmlTarget{Index: i, Agent: run.Target.Agent, URL: run.Target.URL, Cases: len(run.Results),
			Started: run.Started.UTC().Format(time.RFC3339), Duration: run.Duration.Round(time.Millisecond).String(),
			Interrupted: run.Interrupted, Down: run.TargetDown, TLS: run.Target.TLS}
		counts := map[cases.Verdict]int{}
		byTarget[i] = map[string]cases.Result{}
		for _, r := range run.Results {
			byTarget[i][r.ID] = r
			counts[r.Behavior]++
			if g.Fails(r) {
				t.Failing++
			}
			if _, ok := meta[r.ID]; !ok {
				meta[r.ID] = r
				ids = append(ids, r.ID)
			}
			for _, l := range r.Labels {
				labels[l] = true
			}
		}
		t.Counts = countList(counts)
		v.Targets = append(v.Targets, t)
	}
	sort.Slice(ids, func(a, b int) bool { return cases.LessID(ids[a], ids[b]) })
	for l := range labels {
		v.Labels = append(v.Labels, l)
	}
	sort.Strings(v.Labels)

	var sec *htmlSection
	var secCounts []map[cases.Verdict]int
	flush := func() {
		if sec == nil {
			return
		}
		for _, c := range secCounts {
			sec.Counts = append(sec.Counts, countList(c))
		}
		v.Sections = append(v.Sections, *sec)
	}
	for _, id := range ids {
		if s := section(id); sec == nil || sec.ID != s {
			flush()
			sec = &htmlSection{ID: s, Title: cases.SectionTitle(s)}
			secCounts = make([]map[cases.Verdict]int, len(runs))
			for i := range secCounts {
				secCounts[i] = map[cases.Verdict]int{}
			}
		}
		m := meta[id]
		row := htmlRow{ID: id, Title: m.Title, Labels: strings.Join(m.Labels, " ")}
		verdicts := map[string]bool{}
		for i, run := range runs {
			r, ok := byTarget[i][id]
			cell := htmlCell{Target: i, Agent: run.Target.Agent, Present: ok, Key: fmt.Sprintf("%d/%s", i, id)}
			if ok {
				cell.R, cell.Fails, cell.Close, cell.Wire = r, g.Fails(r), closeCell(r), r.WireLog
				verdicts[string(r.Behavior)] = true
				verdicts["close:"+string(r.BehaviorClose)] = true
				secCounts[i][r.Behavior]++
			}
			row.Cells = append(row.Cells, cell)
		}
		var vs []string
		for k := range verdicts {
			vs = append(vs, k)
		}
		sort.Strings(vs)
		row.Verdicts = strings.Join(vs, "|")
		row.Search = strings.ToLower(id + " " + m.Title + " " + m.Description + " " + strings.Join(m.Clauses, " "))
		sec.Rows = append(sec.Rows, row)
		v.Total++
	}
	flush()
	return v
}

func countList(m map[cases.Verdict]int) []verdictCount {
	var out []verdictCount
	for _, v := range cases.Verdicts {
		out = append(out, verdictCount{v, m[v]})
	}
	return out
}

// closeCell is Autobahn's close column: the code the target sent, "none"
// for a close frame without one, "-" when it sent no close frame.
func closeCell(r cases.Result) string {
	switch {
	case r.Close == nil || !r.Close.ReceivedClose:
		return "-"
	case r.Close.RemoteCode == nil:
		return "none"
	}
	return fmt.Sprint(int(*r.Close.RemoteCode))
}
