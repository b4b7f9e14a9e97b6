package browser

import (
	"context"
	"encoding/json"
	"time"

	"github.com/wsconform/wsconform/cases"
)

// apiMargin is how long past the page's own per-check timeout the driver
// waits before it gives up on a check.
const apiMargin = 5 * time.Second

// RunAPI runs the browser API cases among cs (those with an APICheck) in
// page, one at a time, against srv's scenario endpoints, and judges what
// the page saw. onResult, if set, is called after each.
func RunAPI(ctx context.Context, p *Page, srv *Server, cs []*cases.Case, onResult func(cases.Result)) []cases.Result {
	var out []cases.Result
	for _, c := range cs {
		if c.API == nil {
			continue
		}
		if ctx.Err() != nil {
			out = append(out, cases.NotRunResult(c, "the run was stopped before this check"))
			continue
		}
		start := time.Now()
		var page struct {
			Seen  []string `json:"seen"`
			Error string   `json:"error"`
		}
		expr := "wsconform.runAPI(" + jsString(c.API.Script) + ", " + jsString(srv.CaseURL(c.ID)) + ")"
		cctx, cancel := context.WithTimeout(ctx, pageCheckTimeout+apiMargin)
		err := p.Evaluate(cctx, expr, &page)
		cancel()
		if err != nil {
			page.Error = "the driver got no answer from the page: " + err.Error()
		}
		r := cases.JudgeAPI(c, page.Seen, page.Error, start, time.Since(start))
		if onResult != nil {
			onResult(r)
		}
		out = append(out, r)
	}
	return out
}

// pageCheckTimeout is API_TIMEOUT_MS in harness.html.
const pageCheckTimeout = 10 * time.Second

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
