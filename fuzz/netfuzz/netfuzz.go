// Package netfuzz fuzzes a live WebSocket server over the network. Each
// iteration opens one connection through cases/probe, sends a frame sequence
// drawn from a seeded generator (valid messages, fragmentation, interleaved
// control frames, reserved bits and opcodes, lengths that lie, odd write
// sizes, broken close payloads, invalid UTF-8) and watches for three kinds
// of finding:
//
//   - crash: after the iteration the target no longer completes an opening
//     handshake (connection refused, or no answer within the deadline);
//   - hang: the server owed an answer (a close frame to reply to, or a
//     broken rule to fail the connection on) and neither sent a close frame
//     nor dropped TCP within the deadline;
//   - violation: the server's own frames broke RFC 6455 (the probe checks
//     every frame it receives).
//
// Each finding is written as a JSON reproducer (seed, iteration, the frames
// as hex and decoded) that Replay sends again.
package netfuzz

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
)

// Defaults for zero Config fields.
const (
	DefaultIterations = 1000
	DefaultDeadline   = 2 * time.Second
)

// Config is one fuzzing run.
type Config struct {
	Target string // ws:// or wss:// URL
	// Seed picks the frame sequences: the same seed gives the same
	// sequences, iteration by iteration.
	Seed int64
	// Iterations and Duration bound the run; the first reached ends it.
	// Both zero means DefaultIterations.
	Iterations int
	Duration   time.Duration
	// Deadline bounds each wait for the server: the opening handshake, and
	// its answer once the sequence is sent.
	Deadline time.Duration
	// MaxFindings, if set, ends the run after that many distinct findings.
	MaxFindings int
	// Out, if set, is the directory reproducers are written to.
	Out string
	// Logf, if set, gets one line per finding.
	Logf func(format string, args ...any)
	// OnIteration, if set, is called after every iteration with the
	// counts so far (progress display).
	OnIteration func(iterations, findings int)
	// Reach, if set, adjusts how the target is reached (TLS trust, proxy,
	// opening-handshake fields such as a token) once its URL is parsed.
	Reach func(*probe.Target) error
}

// target parses cfg.Target and applies cfg.Reach.
func (cfg Config) target() (probe.Target, error) {
	t, err := probe.ParseTarget(cfg.Target)
	if err == nil && cfg.Reach != nil {
		err = cfg.Reach(&t)
	}
	return t, err
}

// Report is what a run found.
type Report struct {
	Target     string `json:"target"`
	Seed       int64  `json:"seed"`
	Iterations int    `json:"iterations"` // iterations run
	// Owed counts the iterations after which the server owed an answer (a
	// close reply or a failed connection); the rest ended inside a frame.
	Owed    int           `json:"owed"`
	Elapsed time.Duration `json:"elapsed_ns"`
	// Findings holds the first finding of each kind and rule; Repeats
	// counts the later ones, which are not written out.
	Findings []Finding `json:"findings"`
	Repeats  int       `json:"repeats"`
	// Stopped says why the run ended before its limit (a crashed target),
	// empty otherwise.
	Stopped string `json:"stopped,omitempty"`
}

// Run fuzzes cfg.Target until the iteration or time limit, ctx is done, or
// the target crashes. The error is for a run that could not start (bad URL,
// target unreachable before the first iteration, unwritable Out); findings
// are not errors.
func Run(ctx context.Context, cfg Config) (rep Report, err error) {
	cfg = cfg.withDefaults()
	target, err := cfg.target()
	if err != nil {
		return Report{}, err
	}
	rep = Report{Target: cfg.Target, Seed: cfg.Seed}
	if err := alive(ctx, target, cfg.Deadline); err != nil {
		return rep, fmt.Errorf("target not reachable before fuzzing: %w", err)
	}
	start := time.Now()
	defer func() { rep.Elapsed = time.Since(start) }()
	seen := map[string]bool{}
	for i := 0; cfg.Iterations == 0 || i < cfg.Iterations; i++ {
		if ended(ctx) || (cfg.Duration > 0 && time.Since(start) >= cfg.Duration) {
			break
		}
		steps := Generate(cfg.Seed, i)
		f, err := runSteps(ctx, target, cfg.Deadline, steps)
		rep.Iterations++
		if judge(wireOf(steps)).MustEnd {
			rep.Owed++
		}
		if err != nil {
			if ended(ctx) {
				break
			}
			return rep, fmt.Errorf("iteration %d: %w", i, err)
		}
		if f == nil {
			cfg.OnIteration(rep.Iterations, len(rep.Findings))
			continue
		}
		f.Target, f.Seed, f.Iteration = cfg.Target, cfg.Seed, i
		if seen[f.key()] {
			rep.Repeats++
		} else {
			seen[f.key()] = true
			if cfg.Out != "" {
				if f.Path, err = f.Write(cfg.Out); err != nil {
					return rep, err
				}
			}
			cfg.Logf("netfuzz: iteration %d: %s: %s", i, f.Kind, f.Detail)
			rep.Findings = append(rep.Findings, *f)
		}
		cfg.OnIteration(rep.Iterations, len(rep.Findings))
		if f.Kind == KindCrash {
			rep.Stopped = fmt.Sprintf("target down after iteration %d", i)
			break
		}
		if cfg.MaxFindings > 0 && len(rep.Findings) >= cfg.MaxFindings {
			rep.Stopped = fmt.Sprintf("%d findings", len(rep.Findings))
			break
		}
	}
	return rep, nil
}

func (c Config) withDefaults() Config {
	if c.Iterations == 0 && c.Duration == 0 {
		c.Iterations = DefaultIterations
	}
	if c.Deadline <= 0 {
		c.Deadline = DefaultDeadline
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.OnIteration == nil {
		c.OnIteration = func(int, int) {}
	}
	return c
}

// ended reports whether ctx is done or past its deadline. A dial that hits
// the deadline can return before ctx's own timer marks it done.
func ended(ctx context.Context) bool {
	d, ok := ctx.Deadline()
	return ctx.Err() != nil || ok && !time.Now().Before(d)
}

// errTargetDown is wrapped by alive when the handshake cannot be done.
var errTargetDown = errors.New("target down")

// alive opens a connection and completes the opening handshake.
func alive(ctx context.Context, t probe.Target, deadline time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 2*deadline)
	defer cancel()
	to := probe.Timeouts{Dial: deadline, Handshake: deadline, CloseWait: deadline, DropWait: deadline}
	c, _, err := probe.Open(ctx, t, to, probe.NewWireLog(time.Now()), nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errTargetDown, err)
	}
	c.Abort()
	<-c.Done()
	return nil
}
