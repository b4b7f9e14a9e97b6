// Package clients certifies WebSocket clients: a server that speaks
// Autobahn|Testsuite's fuzzingserver control protocol, so that client
// harnesses written for Autobahn run against it unchanged, and plays the
// catalogue's cases from the server side (cases.Play) for each agent that
// asks. Every endpoint is a WebSocket upgrade on the same port:
//
//	/getCaseCount                 the number of selected cases (a JSON integer)
//	/getCaseInfo?case=N           {"id": "1.1.1", "description": "..."}
//	/runCase?case=N&agent=A       plays case N (1-based, of the selection) against A
//	/runCase?casetuple=1.1.1&agent=A
//	/getCaseStatus?case=N&agent=A {"behavior": "OK"}, once that case has finished
//	/updateReports?agent=A        writes the reports (&shutdownOnComplete=true: then stops)
//	/stopServer                   stops the server
//
// The answers are one text message each, followed by a normal close.
package clients

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/suite/engine"
)

// MaxConnections bounds the connections handled at once; more are closed
// as they arrive (a harness runs one case at a time, plus a status query).
const MaxConnections = 64

// Config is what the server plays and where results go.
type Config struct {
	// Cases is the selection, in order: case=N is Cases[N-1]. Each is the
	// client form of a catalogue case (cases.SelectClients).
	Cases []*cases.Case
	// Extra are cases a client may still ask for by casetuple, beyond the
	// selection (every case that can test a client).
	Extra []*cases.Case
	// ExcludeAgentCases maps agent patterns (fnmatch: * and ?) to case
	// patterns that are not played against matching agents: the
	// connection is closed at once and the case is NOT RUN, as in Autobahn.
	ExcludeAgentCases map[string][]string
	Env               probe.Env
	Tool              string
	Selection         cases.Selection
	// Protocols are the subprotocols we select when a client offers one.
	Protocols []string
	// WriteReports writes every agent's run so far; /updateReports calls it.
	WriteReports func(runs []*cases.Run) error
	// OnResult, if set, hears every finished case.
	OnResult func(agent string, r cases.Result)
	// Options are the command-line options every reproduce command
	// carries (TLS, timeout scale), as arguments.
	Options []string
}

// Server is one fuzzingserver: its results accumulate over every agent
// seen since it started.
type Server struct {
	cfg     Config
	byID    map[string]*cases.Case
	index   map[string]int // case id -> 1-based number in the selection
	mu      sync.Mutex
	agents  []*agentRun
	playing int // cases being played right now
	// keys are every connection's Sec-WebSocket-Key (16.2.2: a key must
	// be new on each connection, control ones included).
	keys probe.KeyLog
	wake chan struct{} // closed (and replaced) whenever a result arrives
	stop chan struct{}
	once sync.Once
}

type agentRun struct {
	name    string
	started time.Time
	results map[string]cases.Result
}

// New returns a server for cfg.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, byID: map[string]*cases.Case{}, index: map[string]int{}, wake: make(chan struct{}), stop: make(chan struct{})}
	for _, c := range cfg.Extra {
		s.byID[c.ID] = c
	}
	for i, c := range cfg.Cases {
		s.byID[c.ID] = c
		s.index[c.ID] = i + 1
	}
	return s
}

// Stopped is closed once /stopServer or /updateReports with
// shutdownOnComplete=true has been answered.
func (s *Server) Stopped() <-chan struct{} { return s.stop }

func (s *Server) shutdown() { s.once.Do(func() { close(s.stop) }) }

// Serve accepts connections on ln until ctx ends or the server is stopped
// through the protocol; it then closes ln, ends the connections still
// open and waits for their handlers before it returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
		case <-s.stop:
		}
		ln.Close()
	}()
	var wg sync.WaitGroup
	// Once stopped, what is still connected (a status query for a case
	// that will never run, a case in flight) is ended, not waited for.
	defer func() {
		cancel()
		wg.Wait()
	}()
	slots := make(chan struct{}, MaxConnections)
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.stop:
				return nil
			default:
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return err
		}
		select {
		case slots <- struct{}{}:
		default:
			nc.Close()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.handle(ctx, nc)
		}()
	}
}

// handle routes one connection by its request's path.
func (s *Server) handle(ctx context.Context, nc net.Conn) {
	to := s.cfg.Env.Timeouts.Scale(scale(s.cfg.Env))
	req, br, err := probe.ReadRequest(nc, to)
	if err != nil {
		nc.Close()
		return
	}
	in := probe.Incoming{Conn: nc, Reader: br, Request: req}
	if key, ok := req.Get("Sec-WebSocket-Key"); ok {
		s.keys.Add(key)
	}
	u, err := url.ParseRequestURI(req.Target)
	if err != nil {
		refuse(nc, 400, "bad request target "+strconv.Quote(req.Target))
		return
	}
	q := u.Query()
	switch u.Path {
	case "/getCaseCount":
		s.answer(ctx, in, len(s.cfg.Cases))
	case "/getCaseInfo":
		c, why := s.caseParam(q, false)
		if c == nil {
			refuse(nc, 400, why)
			return
		}
		s.answer(ctx, in, map[string]string{"id": c.ID, "description": c.Description})
	case "/runCase":
		if c, agent, why := s.caseAndAgent(q, true); why != "" {
			refuse(nc, 400, why)
		} else {
			s.run(ctx, c, agent, in)
		}
	case "/getCaseStatus":
		if c, agent, why := s.caseAndAgent(q, false); why != "" {
			refuse(nc, 400, why)
		} else {
			s.status(ctx, c, agent, in)
		}
	case "/updateReports":
		s.idle(ctx)
		err := s.UpdateReports()
		s.answer(ctx, in, nil)
		if err == nil && q.Get("shutdownOnComplete") == "true" {
			s.shutdown()
		}
	case "/stopServer":
		s.answer(ctx, in, nil)
		s.shutdown()
	default:
		refuse(nc, 404, "unknown path "+strconv.Quote(u.Path)+": this server speaks Autobahn's fuzzingserver control protocol (/getCaseCount, /getCaseInfo, /runCase, /getCaseStatus, /updateReports, /stopServer)")
	}
}

// caseAndAgent reads the case (caseParam) and agent=A a run or status
// request needs; why says what is missing.
func (s *Server) caseAndAgent(q url.Values, tuple bool) (*cases.Case, string, string) {
	c, why := s.caseParam(q, tuple)
	agent := q.Get("agent")
	if c != nil && agent == "" {
		why = "need agent parameter"
	}
	return c, agent, why
}

// caseParam reads case=N (1-based, of the selection) or, when allowed,
// casetuple=ID; nil and why when neither names a case.
func (s *Server) caseParam(q url.Values, tuple bool) (*cases.Case, string) {
	if id := q.Get("casetuple"); tuple && id != "" {
		if c, ok := s.byID[id]; ok {
			return c, ""
		}
		return nil, fmt.Sprintf("unknown casetuple %q: no case with that id can test a client", id)
	}
	n, err := strconv.Atoi(q.Get("case"))
	if err != nil || n < 1 || n > len(s.cfg.Cases) {
		return nil, fmt.Sprintf("invalid case index %q (must be 1..%d)", q.Get("case"), len(s.cfg.Cases))
	}
	return s.cfg.Cases[n-1], ""
}

// run plays c against agent, or closes at once when the agent is excluded
// from it.
func (s *Server) run(ctx context.Context, c *cases.Case, agent string, in probe.Incoming) {
	if pattern := s.excluded(agent, c.ID); pattern != "" {
		s.answer(ctx, in, nil)
		s.record(agent, cases.NotRunResult(c, fmt.Sprintf("not run: exclude-agent-cases excludes %s for agent %q", pattern, agent)), false)
		return
	}
	s.mu.Lock()
	s.playing++
	s.mu.Unlock()
	env := s.cfg.Env
	env.Keys = &s.keys
	var r cases.Result
	if c.ClientRule != nil {
		r = probe.PlayClientRule(ctx, c, in.Conn, in.Reader, in.Request, env)
	} else {
		r = probe.Play(ctx, c, in, env)
	}
	if ctx.Err() != nil {
		// The run ended (Ctrl-C, /stopServer) while the case was being
		// played: what happened says nothing about the client.
		r = cases.NotRunResult(c, "not run: the run was interrupted before the case finished")
	}
	s.record(agent, r, true)
}

// idle waits until no case is being played: a harness asks for the
// reports right after its last case, whose judging may not be done yet.
func (s *Server) idle(ctx context.Context) {
	for {
		s.mu.Lock()
		wake, playing := s.wake, s.playing
		s.mu.Unlock()
		if playing == 0 {
			return
		}
		select {
		case <-wake:
		case <-ctx.Done():
			return
		}
	}
}

func (s *Server) excluded(agent, id string) string {
	for pattern, ids := range s.cfg.ExcludeAgentCases {
		if AgentMatch(pattern, agent) && cases.MatchID(ids, id) {
			return fmt.Sprintf("%v", ids)
		}
	}
	return ""
}

func (s *Server) record(agent string, r cases.Result, played bool) {
	s.mu.Lock()
	a := s.agentLocked(agent)
	a.results[r.ID] = r
	if played {
		s.playing--
	}
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
	if s.cfg.OnResult != nil {
		s.cfg.OnResult(agent, r)
	}
}

func (s *Server) agentLocked(name string) *agentRun {
	for _, a := range s.agents {
		if a.name == name {
			return a
		}
	}
	a := &agentRun{name: name, started: time.Now(), results: map[string]cases.Result{}}
	s.agents = append(s.agents, a)
	return a
}

// status answers {"behavior": ...} once agent's result for c exists, as
// long as the client stays connected.
func (s *Server) status(ctx context.Context, c *cases.Case, agent string, in probe.Incoming) {
	log := probe.NewWireLog(time.Now())
	conn, _, err := probe.Accept(ctx, in.Conn, in.Reader, in.Request, probe.ServerSide{Protocols: s.cfg.Protocols}, s.timeouts(), log)
	if err != nil {
		return
	}
	for {
		s.mu.Lock()
		wake := s.wake
		var r *cases.Result
		for _, a := range s.agents {
			if got, ok := a.results[c.ID]; ok && a.name == agent {
				r = &got
			}
		}
		s.mu.Unlock()
		if r != nil {
			s.reply(ctx, conn, map[string]string{"behavior": string(r.Behavior)})
			return
		}
		select {
		case <-wake:
		case <-conn.Done():
			return
		case <-ctx.Done():
			conn.Abort()
			return
		}
	}
}

// answer accepts the connection, sends v as JSON (nothing when nil) and
// closes normally.
func (s *Server) answer(ctx context.Context, in probe.Incoming, v any) {
	log := probe.NewWireLog(time.Now())
	conn, _, err := probe.Accept(ctx, in.Conn, in.Reader, in.Request, probe.ServerSide{Protocols: s.cfg.Protocols}, s.timeouts(), log)
	if err != nil {
		return
	}
	s.reply(ctx, conn, v)
}

// reply sends v (if not nil) and a normal close, and waits for the end of
// the connection, at most the close timeouts.
func (s *Server) reply(ctx context.Context, conn *probe.Conn, v any) {
	if v != nil {
		b, _ := json.Marshal(v)
		conn.SendFrame(frame.New(frame.OpText, b), probe.Piece{})
	}
	conn.SendClose(1000, "")
	to := s.timeouts()
	t := time.NewTimer(to.CloseWait + to.DropWait + time.Second)
	defer t.Stop()
	select {
	case <-conn.Done():
	case <-t.C:
		conn.Abort()
		<-conn.Done()
	case <-ctx.Done():
		conn.Abort()
		<-conn.Done()
	}
}

func (s *Server) timeouts() probe.Timeouts {
	return s.cfg.Env.Timeouts.Scale(scale(s.cfg.Env))
}

func scale(env probe.Env) float64 {
	if env.Scale <= 0 {
		return 1
	}
	return env.Scale
}

// refuse answers an HTTP error instead of the upgrade, with why as the body.
func refuse(nc net.Conn, status int, why string) {
	body := why + "\n"
	head := handshake.BuildServerResponse(status, []handshake.Field{
		{Name: "Content-Type", Value: "text/plain; charset=utf-8"},
		{Name: "Content-Length", Value: strconv.Itoa(len(body))},
	})
	nc.SetWriteDeadline(time.Now().Add(5 * time.Second))
	nc.Write(append(head, body...))
	nc.Close()
}

// UpdateReports writes every agent's results so far.
func (s *Server) UpdateReports() error {
	if s.cfg.WriteReports == nil {
		return nil
	}
	return s.cfg.WriteReports(s.Runs())
}

// Runs is one run per agent, in the order agents first connected: the
// selected cases (NOT RUN where the agent has not asked for one yet), then
// any case asked for by casetuple beyond the selection.
func (s *Server) Runs() []*cases.Run {
	s.mu.Lock()
	defer s.mu.Unlock()
	var runs []*cases.Run
	for _, a := range s.agents {
		run := &cases.Run{
			Schema: cases.SchemaVersion, Tool: s.cfg.Tool, Catalogue: cases.CatalogueDigest(),
			Target:    cases.TargetInfo{URL: "client", Agent: a.name},
			Selection: s.cfg.Selection, Started: a.started,
		}
		var last time.Time
		for _, c := range s.cfg.Cases {
			r, ok := a.results[c.ID]
			if !ok {
				r = cases.NotRunResult(c, "not run: the client did not ask for this case")
			}
			run.Results = append(run.Results, r)
		}
		var extra []cases.Result
		for id, r := range a.results {
			if _, selected := s.index[id]; !selected {
				extra = append(extra, r)
			}
		}
		sort.Slice(extra, func(i, j int) bool { return cases.LessID(extra[i].ID, extra[j].ID) })
		run.Results = append(run.Results, extra...)
		for i := range run.Results {
			run.Results[i].Reproduce = Reproduce(run.Results[i].ID, s.cfg.Options...)
		}
		for _, r := range a.results {
			if end := r.Started.Add(r.Duration); end.After(last) {
				last = end
			}
		}
		if !last.IsZero() {
			run.Duration = last.Sub(a.started)
		}
		runs = append(runs, run)
	}
	return runs
}

// AgentMatch is Autobahn's (fnmatch) agent pattern: '*' is any run of
// characters, '/' included, '?' one character; the rest is literal.
func AgentMatch(pattern, agent string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, r := range pattern {
		switch r {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(agent)
}

// Reproduce is the command that serves one case again, with options,
// for the client's harness to run (/runCase?casetuple=ID&agent=A).
func Reproduce(id string, options ...string) string {
	if len(options) == 0 {
		return "wsconform clients --cases " + id
	}
	return "wsconform clients " + engine.ShellWords(options...) + " --cases " + id
}
