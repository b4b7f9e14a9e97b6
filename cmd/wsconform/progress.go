package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reporter"
)

// progress shows a run as it goes: a live bar on a terminal (done/total,
// failing so far, elapsed, ETA), plain lines otherwise, so that CI logs
// stay readable. add is called from many goroutines at once.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	total    int
	done     int
	failing  int
	gate     reporter.Gate
	bar      *progressbar.ProgressBar
	start    time.Time
	nextLine int       // plain mode: the next done count that gets a line
	lastLine time.Time // plain mode: when the last line went out
	quit     chan struct{}
}

// interactive reports whether stderr is a terminal a person is watching.
func interactive() bool {
	if os.Getenv("CI") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fd := os.Stderr.Fd()
	return isatty.IsTerminal(fd) || isatty.IsCygwinTerminal(fd)
}

// newProgress returns the display of one target's run; total <= 0 means
// the count is unknown (a label filter decides it later).
func newProgress(label string, total int, g reporter.Gate, live bool) *progress {
	p := &progress{w: os.Stderr, label: label, total: total, gate: g, start: time.Now(), lastLine: time.Now()}
	if live {
		max := total
		if max <= 0 {
			max = -1
		}
		p.bar = progressbar.NewOptions(max,
			progressbar.OptionSetWriter(os.Stderr),
			progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(),
			progressbar.OptionSetElapsedTime(true),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionClearOnFinish(),
			progressbar.OptionSetWidth(30),
		)
	}
	p.nextLine = p.step()
	return p
}

// step is how many cases pass between two plain progress lines: about a
// tenth of the run, never fewer than 25.
func (p *progress) step() int {
	return max(25, p.total/10)
}

// lineEvery is the longest silence in plain mode, for slow cases.
const lineEvery = 10 * time.Second

// heartbeat makes plain mode print a line whenever every passes without
// one, so a CI log shows the run is alive while slow cases run.
func (p *progress) heartbeat(every time.Duration) {
	if p.bar != nil {
		return
	}
	quit := make(chan struct{})
	p.quit = quit
	go func() {
		for {
			p.mu.Lock()
			wait := every - time.Since(p.lastLine)
			if wait <= 0 {
				p.line("still running")
				wait = every
			}
			p.mu.Unlock()
			select {
			case <-time.After(wait):
			case <-quit:
				return
			}
		}
	}()
}

// line prints a plain progress line; p.mu is held.
func (p *progress) line(note string) {
	p.lastLine = time.Now()
	if note != "" {
		note = ", " + note
	}
	fmt.Fprintf(p.w, "%s: %s done, %d failing, %.1fs%s\n", p.label, p.count(), p.failing, time.Since(p.start).Seconds(), note)
}

func (p *progress) add(r cases.Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	fails := p.gate.Fails(r)
	if fails {
		p.failing++
	}
	if p.bar != nil {
		if fails {
			p.bar.Describe(fmt.Sprintf("%s · %d failing", p.label, p.failing))
		}
		p.bar.Add(1)
		return
	}
	if fails {
		fmt.Fprintf(p.w, "%s: %s %s / close %s\n", p.label, r.ID, r.Behavior, r.BehaviorClose)
	}
	if p.done >= p.nextLine || p.done == p.total || time.Since(p.lastLine) >= lineEvery {
		for p.nextLine <= p.done {
			p.nextLine += p.step()
		}
		p.line("")
	}
}

func (p *progress) count() string {
	if p.total > 0 {
		return fmt.Sprintf("%d/%d", p.done, p.total)
	}
	return fmt.Sprint(p.done)
}

// finish clears the bar, so the summary that follows starts on a clean line.
func (p *progress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quit != nil {
		close(p.quit)
		p.quit = nil
	}
	if p.bar != nil {
		p.bar.Finish()
		p.bar.Exit()
	}
}
