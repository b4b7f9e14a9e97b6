package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// navigateTimeout bounds loading the harness page.
const navigateTimeout = 20 * time.Second

// Page is one tab the driver opened, attached with its own CDP session.
type Page struct {
	b         *Browser
	sessionID string
	loaded    chan struct{}
}

// Open opens a new tab on url and waits (at most navigateTimeout, or ctx)
// for its load event. The page's console messages and uncaught exceptions
// go to the browser's Log.
func (b *Browser) Open(ctx context.Context, url string) (*Page, error) {
	ctx, cancel := context.WithTimeout(ctx, navigateTimeout)
	defer cancel()
	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := b.conn.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		return nil, err
	}
	var attached struct {
		SessionID string `json:"sessionId"`
	}
	if err := b.conn.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &attached); err != nil {
		return nil, err
	}
	p := &Page{b: b, sessionID: attached.SessionID, loaded: make(chan struct{}, 1)}
	b.conn.setEventHandler(func(e event) {
		if e.SessionID != p.sessionID {
			return
		}
		switch e.Method {
		case "Page.loadEventFired":
			select {
			case p.loaded <- struct{}{}:
			default:
			}
		case "Runtime.consoleAPICalled":
			b.logConsole(e.Params)
		case "Runtime.exceptionThrown":
			b.logException(e.Params)
		}
	})
	for _, m := range []string{"Page.enable", "Runtime.enable"} {
		if err := b.conn.call(ctx, p.sessionID, m, nil, nil); err != nil {
			return nil, err
		}
	}
	var nav struct {
		ErrorText string `json:"errorText"`
	}
	if err := b.conn.call(ctx, p.sessionID, "Page.navigate", map[string]any{"url": url}, &nav); err != nil {
		return nil, err
	}
	if nav.ErrorText != "" {
		return nil, fmt.Errorf("loading %s: %s", url, nav.ErrorText)
	}
	select {
	case <-p.loaded:
		return p, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("loading %s: no load event: %w", url, ctx.Err())
	}
}

// Evaluate runs expression in the page, waits for the promise it returns
// (within ctx) and decodes its value, which must be JSON-serialisable,
// into out.
func (p *Page) Evaluate(ctx context.Context, expression string, out any) error {
	var res struct {
		Result struct {
			Type  string          `json:"type"`
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		ExceptionDetails *struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	err := p.b.conn.call(ctx, p.sessionID, "Runtime.evaluate", map[string]any{
		"expression": expression, "awaitPromise": true, "returnByValue": true,
	}, &res)
	if err != nil {
		return err
	}
	if e := res.ExceptionDetails; e != nil {
		return fmt.Errorf("the page threw: %s %s", e.Text, e.Exception.Description)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res.Result.Value, out)
}

func (b *Browser) logConsole(params json.RawMessage) {
	var c struct {
		Type string `json:"type"`
		Args []struct {
			Value       any    `json:"value"`
			Description string `json:"description"`
		} `json:"args"`
	}
	if json.Unmarshal(params, &c) != nil {
		return
	}
	var parts []string
	for _, a := range c.Args {
		if a.Value != nil {
			parts = append(parts, fmt.Sprint(a.Value))
		} else {
			parts = append(parts, a.Description)
		}
	}
	fmt.Fprintf(b.log, "console.%s: %s\n", c.Type, strings.Join(parts, " "))
}

func (b *Browser) logException(params json.RawMessage) {
	var e struct {
		ExceptionDetails struct {
			Text      string `json:"text"`
			Exception struct {
				Description string `json:"description"`
			} `json:"exception"`
		} `json:"exceptionDetails"`
	}
	if json.Unmarshal(params, &e) == nil {
		fmt.Fprintf(b.log, "exception: %s %s\n", e.ExceptionDetails.Text, e.ExceptionDetails.Exception.Description)
	}
}
