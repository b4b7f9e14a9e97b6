// Package netfuzz fuzzes a live WebSocket server over the network, learning
// as it goes. The corpus starts from the catalogue: every case's traffic
// (its steps, its compression plan, its opening-handshake request) is a
// session. Each run of the loop takes a corpus session, mutates it as a
// whole (frame fields, lengths that lie, fragmentation and interleaving,
// UTF-8 split inside code points, close codes and reasons, the request's
// fields, permessage-deflate offers, corrupt compressed streams and bombs),
// sends it in one connection and reads the answer. A session whose answer
// has a shape not seen before (handshake status, the frames sent back, the
// close code, a timing bucket) joins the corpus, as stateful network
// fuzzers such as AFLNet keep inputs by response codes.
//
// Findings:
//
//   - crash: after the session the target no longer completes an opening
//     handshake (it is given RecoverWait to come back, as a supervised
//     server does);
//   - hang: the server owed an answer (a close frame to reply to, or a
//     broken rule to fail the connection on) and neither sent a close frame
//     nor dropped TCP within the deadline;
//   - drop: it owed a close frame and dropped TCP without one (a handler
//     that panics looks like this);
//   - violation: the server's own answer broke RFC 6455 or RFC 7692.
//
// A finding is confirmed by replaying its session alone, minimized by
// delta debugging (fewest steps, shortest payloads and header fields that
// show the same symptom), de-duplicated by symptom and written as a JSON
// reproducer that Replay sends again.
package netfuzz

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
)

// Defaults for zero Config fields.
const (
	DefaultExecs        = 2000
	DefaultDeadline     = 2 * time.Second
	DefaultRecoverWait  = 10 * time.Second
	DefaultMinimizeRuns = 200
	// MaxAnswersReported bounds the answer shapes a report lists.
	MaxAnswersReported = 200
)

// DefaultParallel is the connections at once when Config.Parallel is 0:
// four per CPU, as a session mostly waits on the network, at most 64.
func DefaultParallel() int { return min(64, 4*runtime.GOMAXPROCS(0)) }

// Config is one fuzzing run.
type Config struct {
	Target string // ws:// or wss:// URL
	// Seed drives every random choice: with Parallel 1 the same seed gives
	// the same sessions, as long as the target answers the same way.
	Seed int64
	// Execs and Duration bound the run; the first reached ends it. Both
	// zero means DefaultExecs. Minimizing does not count.
	Execs    int
	Duration time.Duration
	// Parallel is how many connections run at once (0: DefaultParallel).
	Parallel int
	// Deadline bounds each wait for the server: the opening handshake, and
	// its answer once the session is sent.
	Deadline time.Duration
	// Cases selects the catalogue cases that seed the corpus (patterns as
	// in `wsconform run --cases`; none: all of them).
	Cases []string
	// MaxFindings, if set, ends the run after that many distinct findings.
	MaxFindings int
	// RecoverWait is how long a target that stopped answering gets to
	// come back before the run ends (0: DefaultRecoverWait).
	RecoverWait time.Duration
	// MinimizeRuns bounds the sessions spent minimizing one finding.
	MinimizeRuns int
	// Out, if set, is the directory reproducers are written to.
	Out string
	// Logf, if set, gets one line per finding.
	Logf func(format string, args ...any)
	// Progress, if set, is called after every session with the counts so
	// far (the status line).
	Progress func(Status)
	// Reach, if set, adjusts how the target is reached (TLS trust, proxy,
	// opening-handshake fields such as a token) once its URL is parsed.
	Reach func(*probe.Target) error
}

// Status is a run's counts at one moment.
type Status struct {
	Execs    int           `json:"execs"`
	Corpus   int           `json:"corpus"`
	Answers  int           `json:"answers"` // distinct answer shapes
	Findings int           `json:"findings"`
	Elapsed  time.Duration `json:"elapsed_ns"`
}

// Report is what a run did and found.
type Report struct {
	Target   string `json:"target"`
	Seed     int64  `json:"seed"`
	Parallel int    `json:"parallel"`
	Status
	Seeds       int     `json:"seeds"` // sessions the catalogue gave
	ExecsPerSec float64 `json:"execs_per_sec"`
	// Answers lists the answer shapes reached, most frequent first (at
	// most MaxAnswersReported), with how many sessions got each.
	AnswerShapes []AnswerCount `json:"answer_shapes"`
	// Findings holds one finding per symptom; Repeats counts later
	// sessions with a symptom already found, Unconfirmed those whose
	// symptom did not show again when replayed alone.
	Findings     []Finding `json:"findings"`
	Repeats      int       `json:"repeats"`
	Unconfirmed  int       `json:"unconfirmed"`
	MinimizeRuns int       `json:"minimize_runs"`
	// Stopped says why the run ended before its limit, empty otherwise.
	Stopped string `json:"stopped,omitempty"`
}

// AnswerCount is one answer shape and how often it came.
type AnswerCount struct {
	Answer   string `json:"answer"`
	Sessions int    `json:"sessions"`
}

func (c Config) withDefaults() Config {
	if c.Execs == 0 && c.Duration == 0 {
		c.Execs = DefaultExecs
	}
	c.Deadline = cmp.Or(c.Deadline, DefaultDeadline)
	c.Parallel = cmp.Or(c.Parallel, DefaultParallel())
	c.RecoverWait = cmp.Or(c.RecoverWait, DefaultRecoverWait)
	c.MinimizeRuns = cmp.Or(c.MinimizeRuns, DefaultMinimizeRuns)
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Progress == nil {
		c.Progress = func(Status) {}
	}
	return c
}

// target parses cfg.Target and applies cfg.Reach.
func (c Config) target() (probe.Target, error) {
	t, err := probe.ParseTarget(c.Target)
	if err == nil && c.Reach != nil {
		err = c.Reach(&t)
	}
	return t, err
}

// errTargetDown is wrapped by alive when the handshake cannot be done.
var errTargetDown = errors.New("target down")

// fuzzer is one run's shared state.
type fuzzer struct {
	cfg    Config
	target probe.Target
	start  time.Time

	// gate: every session holds it shared; confirming and minimizing a
	// finding holds it alone, so its sessions meet a quiet target.
	gate sync.RWMutex
	// canary tells a crashed target that is back at once from one that
	// dropped a connection (nil when the target takes one connection only).
	canary *canary

	mu      sync.Mutex
	next    int       // sessions handed out
	seeds   []Session // not yet run
	corpus  []Session
	answers map[string]int
	rep     Report
	seen    map[string]bool
	stop    string
}

// Run fuzzes cfg.Target until the session or time limit, ctx is done, or
// the target stays down. The error is for a run that could not start (bad
// URL or case pattern, target unreachable before the first session,
// unwritable Out); findings are not errors.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg = cfg.withDefaults()
	t, err := cfg.target()
	if err != nil {
		return Report{}, err
	}
	cs, err := cases.Select(cfg.Cases, nil)
	if err != nil {
		return Report{}, err
	}
	if err := alive(ctx, t, cfg.Deadline); err != nil {
		return Report{}, fmt.Errorf("target not reachable before fuzzing: %w", err)
	}
	if cfg.Out != "" {
		if err := mkdirWritable(cfg.Out); err != nil {
			return Report{}, err
		}
	}
	f := &fuzzer{cfg: cfg, target: t, answers: map[string]int{}, seen: map[string]bool{},
		rep: Report{Target: cfg.Target, Seed: cfg.Seed, Parallel: cfg.Parallel}}
	f.seeds = Seeds(cs, t.NewRequest())
	rand.New(rand.NewPCG(uint64(cfg.Seed), 0)).Shuffle(len(f.seeds), func(i, j int) { f.seeds[i], f.seeds[j] = f.seeds[j], f.seeds[i] })
	f.rep.Seeds = len(f.seeds)
	if len(f.seeds) == 0 {
		return Report{}, fmt.Errorf("the cases %v send nothing a server receives (client rules only)", cfg.Cases)
	}
	f.start = time.Now()

	// timed ends with the run's Duration, cutting the sessions in flight
	// short; a finding being confirmed and minimized finishes under ctx.
	timed := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		timed, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	f.canary = openCanary(ctx, t, cfg.Deadline)
	defer f.canary.close()
	var wg sync.WaitGroup
	for range cfg.Parallel {
		wg.Go(func() { f.work(ctx, timed) })
	}
	wg.Wait()
	return f.report(), nil
}

func (f *fuzzer) report() Report {
	f.mu.Lock()
	defer f.mu.Unlock()
	rep := f.rep
	rep.Status = f.statusLocked()
	rep.Stopped = f.stop
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.ExecsPerSec = float64(rep.Execs) / s
	}
	for a, n := range f.answers {
		rep.AnswerShapes = append(rep.AnswerShapes, AnswerCount{a, n})
	}
	slices.SortFunc(rep.AnswerShapes, func(a, b AnswerCount) int {
		return cmp.Or(b.Sessions-a.Sessions, cmp.Compare(a.Answer, b.Answer))
	})
	rep.AnswerShapes = rep.AnswerShapes[:min(len(rep.AnswerShapes), MaxAnswersReported)]
	return rep
}

func (f *fuzzer) statusLocked() Status {
	return Status{Execs: f.rep.Execs, Corpus: len(f.corpus), Answers: len(f.answers), Findings: len(f.rep.Findings), Elapsed: time.Since(f.start)}
}

func (f *fuzzer) halt(why string) {
	f.mu.Lock()
	if f.stop == "" {
		f.stop = why
	}
	f.mu.Unlock()
}

// pick hands out the next session: a catalogue seed every other time while
// some are left (so mutation starts at once), else a mutated corpus
// session. ok is false when the run is over.
func (f *fuzzer) pick(ctx context.Context) (i int, s Session, seed bool, ok bool) {
	i, s, seed, mutant, ok := f.draw(ctx)
	if mutant != nil {
		s = mutant() // outside f.mu: the other connections need not wait for it
	}
	return i, s, seed, ok
}

// draw is pick's part under f.mu: the session number, and either the
// session or the function that mutates its parent.
func (f *fuzzer) draw(ctx context.Context) (i int, s Session, seed bool, mutant func() Session, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stop != "" || ended(ctx) || (f.cfg.Execs > 0 && f.next >= f.cfg.Execs) ||
		(f.cfg.Duration > 0 && time.Since(f.start) >= f.cfg.Duration) {
		return 0, Session{}, false, nil, false
	}
	i = f.next
	f.next++
	rng := rand.New(rand.NewPCG(uint64(f.cfg.Seed), uint64(i)))
	if len(f.seeds) > 0 && (i%2 == 0 || len(f.corpus) == 0) {
		s = f.seeds[0]
		f.seeds = f.seeds[1:]
		return i, s, true, nil, true
	}
	if len(f.corpus) == 0 {
		return i, Session{Request: f.target.NewRequest(), Origin: "empty session"}, false, nil, true
	}
	// Of two corpus sessions, the cheaper (AFL favours fast inputs): a
	// decompression bomb or a compressed echo costs the target a hundred
	// times what a plain session does, and its descendants would cost as
	// much. The cost is estimated from the session, not timed, so that a
	// run repeats.
	parent := f.corpus[rng.IntN(len(f.corpus))]
	if other := f.corpus[rng.IntN(len(f.corpus))]; other.cost() < parent.cost() {
		parent = other
	}
	corpus := f.corpus // append-only: a snapshot stays valid
	return i, Session{}, false, func() Session {
		other := func() *Session { return &corpus[rng.IntN(len(corpus))] }
		s, did := Mutate(rng, parent, other)
		s.Origin = parent.Origin
		if len(did) > 0 {
			s.Steps = slices.Clip(s.Steps)
			s.Origin = fmt.Sprintf("%s, mutated: %s", originCase(parent.Origin), joinBounded(did, 6))
		}
		return s
	}, true
}

func (f *fuzzer) work(ctx, timed context.Context) {
	for {
		i, s, seed, ok := f.pick(timed)
		if !ok {
			return
		}
		f.gate.RLock()
		start := time.Now()
		r, err := execute(timed, f.target, f.cfg.Deadline, s, false)
		if err == nil && r.suspect {
			checkAfterSuspect(timed, f.target, f.cfg.Deadline, &r, f.canary, start)
		}
		f.gate.RUnlock()
		if err != nil {
			return // ctx ended
		}
		f.mu.Lock()
		f.rep.Execs++
		f.answers[r.answer]++
		if (seed || f.answers[r.answer] == 1) && r.finding == nil {
			f.corpus = append(f.corpus, s)
		}
		f.cfg.Progress(f.statusLocked())
		f.mu.Unlock()
		if r.finding != nil {
			r.finding.Exec = i
			f.triage(ctx, s, *r.finding)
		}
	}
}

// triage confirms a finding by running its session alone, minimizes it
// and records it, unless its symptom is already known.
func (f *fuzzer) triage(ctx context.Context, s Session, found Finding) {
	key := found.Symptom()
	f.mu.Lock()
	known := f.seen[key]
	if known {
		f.rep.Repeats++
	}
	f.mu.Unlock()
	if known {
		return
	}
	f.gate.Lock() // every other connection waits
	defer f.gate.Unlock()
	f.mu.Lock()
	known = f.seen[key]
	if known {
		f.rep.Repeats++
	}
	f.mu.Unlock()
	if known || ended(ctx) {
		return
	}
	if found.Kind == KindCrash && !f.recovered(ctx) {
		// Nothing can be replayed: record the session as it was.
		found.Detail += fmt.Sprintf("; it did not come back within %v, so the session is saved unminimized", f.cfg.RecoverWait)
		f.record(s, s, found, 0)
		f.halt(fmt.Sprintf("target down after session %d", found.Exec))
		return
	}
	m := &minimizer{f: f, ctx: ctx, symptom: key, budget: f.cfg.MinimizeRuns, deadline: f.cfg.Deadline}
	if found.Kind == KindHang {
		m.deadline = patience(f.cfg.Deadline)
	}
	again := m.reproduces(s)
	if again == nil {
		f.mu.Lock()
		f.rep.Unconfirmed++
		f.mu.Unlock()
		return
	}
	m.deadline = f.cfg.Deadline
	small, last := m.minimize(s, again)
	if found.Kind == KindHang && (len(small.Steps) != len(s.Steps) || small.Size() != s.Size()) {
		m.deadline = patience(f.cfg.Deadline)
		if m.reproduces(small) == nil {
			small, last = s, again // the smaller one was only slow
		}
	}
	found.Detail, found.Close, found.Wire, found.Expect = last.Detail, last.Close, last.Wire, cmp.Or(last.Expect, found.Expect)
	f.record(s, small, found, m.runs)
}

func (f *fuzzer) record(orig, small Session, found Finding, runs int) {
	found.Target, found.Seed, found.Origin = f.cfg.Target, f.cfg.Seed, orig.Origin
	found.Request, found.Steps = small.Request, records(small.Steps)
	found.Found, found.Saved, found.MinimizeRuns = sizeOf(orig), sizeOf(small), runs
	if f.cfg.Out != "" {
		path, err := found.Write(f.cfg.Out)
		if err != nil {
			f.halt("writing a reproducer: " + err.Error())
		}
		found.Path = path
	}
	f.cfg.Logf("netfuzz: session %d: %s %s: %s (%d octets/%d steps, minimized to %d/%d in %d runs)",
		found.Exec, found.Kind, found.Rule, found.Detail, found.Found.Octets, found.Found.Steps, found.Saved.Octets, found.Saved.Steps, runs)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[found.Symptom()] = true
	f.rep.Findings = append(f.rep.Findings, found)
	f.rep.MinimizeRuns += runs
	if f.cfg.MaxFindings > 0 && len(f.rep.Findings) >= f.cfg.MaxFindings && f.stop == "" {
		f.stop = fmt.Sprintf("%d findings", len(f.rep.Findings))
	}
}

// recovered waits until the target completes an opening handshake again,
// up to RecoverWait.
func (f *fuzzer) recovered(ctx context.Context) bool {
	return waitAlive(ctx, f.target, f.cfg.Deadline, f.cfg.RecoverWait)
}

func waitAlive(ctx context.Context, t probe.Target, deadline, wait time.Duration) bool {
	until := time.Now().Add(wait)
	for {
		if alive(ctx, t, deadline) == nil {
			return true
		}
		if ended(ctx) || time.Now().After(until) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// try runs s alone and returns its finding, a crash included (after which
// it waits for the target to come back).
func try(ctx context.Context, t probe.Target, deadline, recoverWait time.Duration, s Session) *Finding {
	k := openCanary(ctx, t, deadline)
	defer k.close()
	start := time.Now()
	r, err := execute(ctx, t, deadline, s, true)
	if err != nil {
		return nil
	}
	if r.suspect && checkAfterSuspect(ctx, t, deadline, &r, k, start) {
		waitAlive(ctx, t, deadline, recoverWait)
	}
	return r.finding
}

// patience is the deadline a hang is confirmed with: a server that is only
// slow (inflating and echoing a bomb, say) must not be reported as hanging.
func patience(deadline time.Duration) time.Duration { return max(4*deadline, 2*time.Second) }

// Replay sends the reproducer's session to cfg.Target (f.Target if empty)
// in one connection, as the run did, and returns what it finds now: nil
// when the problem no longer shows.
func Replay(ctx context.Context, cfg Config, f Finding) (*Finding, error) {
	cfg = cfg.withDefaults()
	cfg.Target = cmp.Or(cfg.Target, f.Target)
	t, err := cfg.target()
	if err != nil {
		return nil, err
	}
	s, err := f.Session()
	if err != nil {
		return nil, err
	}
	if _, had := s.Request.Get("Host"); had && cfg.Target != f.Target {
		host, _ := t.NewRequest().Get("Host")
		s.Request.Set("Host", host)
	}
	deadline := cfg.Deadline
	if f.Kind == KindHang {
		deadline = patience(deadline)
	}
	got := try(ctx, t, deadline, cfg.RecoverWait, s)
	if got != nil {
		got.Target, got.Seed, got.Exec = cfg.Target, f.Seed, f.Exec
	}
	return got, nil
}

// mkdirWritable makes dir and checks a file can be created in it, so that
// a bad --out fails before the run rather than at the first finding.
func mkdirWritable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// originCase is the catalogue part of an origin ("case 5.3").
func originCase(origin string) string {
	if i := strings.Index(origin, ", mutated"); i >= 0 {
		return origin[:i]
	}
	return origin
}

// joinBounded joins at most n items, saying how many were left out.
func joinBounded(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, "; ")
	}
	return strings.Join(items[:n], "; ") + fmt.Sprintf("; and %d more", len(items)-n)
}
