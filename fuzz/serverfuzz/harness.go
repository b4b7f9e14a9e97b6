package serverfuzz

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of a Harness's limits.
const (
	// DefaultTimeout is how long a server may take, after the client has
	// sent its last octet and shut its side, to close the connection. A
	// conforming server closes on that end of input within microseconds;
	// the fuzzing engines kill an input after 10 s.
	DefaultTimeout = 5 * time.Second
	// The memory cap of one session (heap allocated while it runs, the
	// harness's own share included) is
	//
	//	MemoryBase + MemoryPerOctet x octets sent
	//	           + MemoryPerInflated x what its compressed messages inflate to,
	//	             each counted up to MessageLimit
	//
	// The base covers a connection's fixed cost (buffers; a flate writer
	// is about a megabyte). A compressed message counts with its inflated
	// size, since a server may rightly hold it whole (and its echo, and
	// buffers grown on the way), but only up to MessageLimit: a server
	// whose own limit is that size never needs more, and one that inflates
	// a bomb past it is what the watchdog is for. Set MessageLimit to the
	// server's message limit.
	DefaultMemoryBase        = 32 << 20
	DefaultMemoryPerOctet    = 256
	DefaultMemoryPerInflated = 16
	DefaultMessageLimit      = 1 << 20
)

// Defaults of the goroutine leak check (see Harness.LeakEvery).
const (
	DefaultLeakEvery = 16
	DefaultLeakGrace = 100 * time.Millisecond
)

// pipeBuffer is each direction's buffer in the in-memory connection.
const pipeBuffer = 256 << 10

// Harness runs fuzz inputs against one server, in process. Create it with
// ForHandler or ForConn; its fields may be changed before the first input.
// Check and Fuzz may be called from one goroutine at a time.
type Harness struct {
	// Timeout: see DefaultTimeout.
	Timeout time.Duration
	// MemoryBase, MemoryPerOctet, MemoryPerInflated, MessageLimit: see
	// DefaultMemoryBase.
	MemoryBase, MemoryPerOctet, MemoryPerInflated int64
	MessageLimit                                  int
	// Waive, when set, lists the protocol rules (reference rule ids, as in
	// Finding.Rule) whose violations are not reported: a server's known
	// deviation, so that fuzzing goes on past it.
	Waive func(rule string) bool
	// LeakEvery: every LeakEvery-th session (the first one included; 0:
	// DefaultLeakEvery, negative: never) is checked for goroutines the
	// server started and left running: once the session has ended (both
	// ends closed, the server function returned) the process's goroutine
	// count must come back to what it was before, within LeakGrace (0:
	// DefaultLeakGrace). One still running past that is a "leak", confirmed
	// by running the session once more (a goroutine a library starts once
	// for the process is not one per session). Checking costs a few
	// microseconds when nothing is left; only a session that leaves
	// goroutines makes the harness wait up to LeakGrace, which is why it is
	// not done after every session.
	LeakEvery int
	LeakGrace time.Duration

	serve func(c *pipeEnd, e *execution) // start serving c
	start func()                         // starts what serves every session (once)
	execs int                            // sessions run

	httpOnce sync.Once
	conns    chan net.Conn // to the http.Server's listener
}

// ForHandler fuzzes an http.Handler that upgrades requests to WebSocket
// (gorilla's Upgrader.Upgrade, coder's websocket.Accept, gobwas's
// ws.UpgradeHTTP, ...). It is served by net/http, as in production.
func ForHandler(h http.Handler) *Harness {
	hs := newHarness()
	hs.start = func() { hs.httpOnce.Do(func() { hs.startHTTP(h) }) }
	hs.serve = func(c *pipeEnd, e *execution) { hs.conns <- c }
	return hs
}

// ForConn fuzzes a server that takes a raw connection and does the opening
// handshake itself. serve returns when it is done with c; the harness
// closes c then, if serve did not.
func ForConn(serve func(net.Conn)) *Harness {
	hs := newHarness()
	hs.serve = func(c *pipeEnd, e *execution) {
		e.serving()
		go func() {
			e.label()
			defer e.served()
			defer c.Close()
			defer e.recoverPanic()
			serve(c)
		}()
	}
	return hs
}

func newHarness() *Harness {
	return &Harness{Timeout: DefaultTimeout, MemoryBase: DefaultMemoryBase, MemoryPerOctet: DefaultMemoryPerOctet,
		MemoryPerInflated: DefaultMemoryPerInflated, MessageLimit: DefaultMessageLimit, start: func() {}}
}

type execKey struct{}

// startHTTP runs one http.Server for the harness's life on a listener fed
// with in-memory connections. A handler's panic is caught before net/http
// can swallow it, and charged to the session whose connection it was.
func (hs *Harness) startHTTP(h http.Handler) {
	hs.conns = make(chan net.Conn)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			e, _ := r.Context().Value(execKey{}).(*execution)
			if e != nil {
				e.label()
				e.serving()
				defer e.served()
				defer e.recoverPanic()
			}
			h.ServeHTTP(w, r)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if p, ok := c.(*pipeEnd); ok {
				return context.WithValue(ctx, execKey{}, p.exec)
			}
			return ctx
		},
		ErrorLog: log.New(io.Discard, "", 0),
	}
	go srv.Serve(&chanListener{conns: hs.conns})
}

// chanListener accepts the connections sent on conns; it is never closed.
type chanListener struct {
	conns chan net.Conn
}

func (l *chanListener) Accept() (net.Conn, error) { return <-l.conns, nil }
func (l *chanListener) Close() error              { return nil }
func (l *chanListener) Addr() net.Addr            { return pipeAddr("listener") }

// Finding is a bug the harness saw: a panic, a hang, memory far beyond what
// was sent, or a protocol violation in what the server sent back.
type Finding struct {
	Kind    string // "panic", "hang", "memory", "leak", "violation"
	Rule    string // a violation's rule id (reference/frame, handshake, deflate)
	Detail  string // one plain sentence
	Stack   string // a panic's stack; a leak's goroutines, by stack
	Session *Session
}

func (f *Finding) Error() string { return f.Kind + ": " + f.Detail }

// String is the finding with its session, for a crash report.
//
// Its first line names the bug's class only (kind and rule, or the panic),
// never sizes or positions: go-fuzz tells crashers apart by that line and
// the stack, so one bug is one crasher.
func (f *Finding) String() string {
	head := f.Kind
	switch {
	case f.Rule != "":
		head += " " + f.Rule
	case f.Kind == "panic":
		head = f.Detail
	}
	s := fmt.Sprintf("wsconform serverfuzz: %s\n%s\nsession:\n%s", head, f.Detail, f.Session)
	switch {
	case f.Stack != "" && f.Kind == "leak":
		s += "goroutines left running (grouped by stack):\n" + f.Stack
	case f.Stack != "":
		s += "server stack:\n" + f.Stack
	}
	return s
}

// Fuzz is a go-fuzz entry point body (func(data []byte) int): it panics
// with the finding, so either engine records the input, and returns 1 for
// a session the server accepted (go-fuzz favours those), else 0.
func (hs *Harness) Fuzz(data []byte) int {
	f, accepted := hs.run(Decode(data))
	if f != nil {
		panic(f.String())
	}
	if accepted {
		return 1
	}
	return 0
}

// Check runs one input and returns what it found, or nil.
func (hs *Harness) Check(data []byte) *Finding {
	f, _ := hs.run(Decode(data))
	return f
}

// execution is the state of one session shared with the server's side.
type execution struct {
	id       string // its goroutine label's value (sessionLabel)
	mu       sync.Mutex
	panicked *Finding
	done     chan struct{} // the server closed its end
	conn     net.Conn      // the server's end
	returned chan struct{} // the server's function returned (closed by served)
}

// running holds the sessions whose server function has not returned yet.
// A session that ends on a finding (memory, hang) stops waiting for its
// server, which may go on allocating: the next session waits for it first,
// so that what it does is not charged to someone else's memory cap.
var running = struct {
	sync.Mutex
	set map[*execution]struct{}
}{set: make(map[*execution]struct{})}

// sessionLabel is the pprof label every goroutine serving a session
// carries, and every goroutine those start inherits: a leak check counts
// the goroutines of one session, whatever else runs in the process.
const sessionLabel = "wsconform-serverfuzz-session"

var sessionIDs atomic.Int64

// label marks the calling goroutine, and those it starts, as the session's.
func (e *execution) label() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(sessionLabel, e.id)))
}

func (e *execution) serving() {
	running.Lock()
	running.set[e] = struct{}{}
	running.Unlock()
}

func (e *execution) served() {
	running.Lock()
	delete(running.set, e)
	running.Unlock()
	close(e.returned)
}

// waitStragglers waits up to limit for the servers of earlier sessions to
// return; those still running then are given up on (a hang) and not
// waited for again.
func waitStragglers(limit time.Duration) {
	running.Lock()
	var list []*execution
	for e := range running.set {
		list = append(list, e)
	}
	running.Unlock()
	if len(list) == 0 {
		return
	}
	t := time.NewTimer(limit)
	defer t.Stop()
	for _, e := range list {
		select {
		case <-e.returned:
		case <-t.C:
			running.Lock()
			for _, e := range list {
				delete(running.set, e)
			}
			running.Unlock()
			return
		}
	}
}

func (e *execution) recoverPanic() {
	r := recover()
	if r == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.panicked == nil {
		e.panicked = &Finding{Kind: "panic", Detail: fmt.Sprintf("the server panicked: %v", r), Stack: string(debug.Stack())}
	}
	e.conn.Close() // a hijacked connection has no other owner left
}

// outcome is what one session came to.
type outcome struct {
	id       string // the session's goroutine label
	finding  *Finding
	status   int // the status of the server's answer, 0 if none
	received int // messages and control frames the server sent after it
}

func (hs *Harness) run(s *Session) (*Finding, bool) {
	hs.execs++
	every := cmp.Or(hs.LeakEvery, DefaultLeakEvery)
	if every > 0 && (hs.execs-1)%every == 0 {
		return hs.runWatchingLeaks(s)
	}
	o := hs.runSession(s)
	return o.finding, o.status == 101
}

// runWatchingLeaks runs s and checks that the goroutines it started are
// gone once it has ended; if some are not, it runs s again to confirm.
func (hs *Harness) runWatchingLeaks(s *Session) (*Finding, bool) {
	left, o := hs.leftBehind(s)
	if o.finding != nil || left == 0 {
		return o.finding, o.status == 101
	}
	// Once more: a goroutine a library starts once for the whole process
	// (from the first session that needs it) is not left again.
	left, again := hs.leftBehind(s)
	if again.finding != nil || left == 0 {
		return again.finding, o.status == 101
	}
	_, stacks := labelled(again.id)
	return &Finding{Kind: "leak", Session: s, Stack: stacks,
		Detail: fmt.Sprintf("%d goroutine(s) the server started for this session were still running %v after it ended (connection closed, server function returned), and again when it was run a second time",
			left, cmp.Or(hs.LeakGrace, DefaultLeakGrace))}, o.status == 101
}

// leftBehind runs s and returns how many goroutines of its server are
// still running LeakGrace after it ended. The process's goroutine count is
// watched first (cheap): only when it stays above what it was before the
// session are the goroutines carrying the session's label counted, so that
// goroutines of anything else running in the process are never blamed.
func (hs *Harness) leftBehind(s *Session) (int, outcome) {
	hs.start()
	waitStragglers(hs.Timeout)
	before := runtime.NumGoroutine()
	o := hs.runSession(s)
	if o.finding != nil {
		return 0, o
	}
	deadline := time.Now().Add(cmp.Or(hs.LeakGrace, DefaultLeakGrace))
	for pause := 10 * time.Microsecond; runtime.NumGoroutine() > before; pause = min(2*pause, 5*time.Millisecond) {
		if time.Now().After(deadline) {
			n, _ := labelled(o.id)
			return n, o
		}
		time.Sleep(pause)
	}
	return 0, o
}

// labelled counts the goroutines whose sessionLabel is id and returns
// their stacks (grouped, with counts; at most maxLeakDump octets).
func labelled(id string) (int, string) {
	var b strings.Builder
	pprof.Lookup("goroutine").WriteTo(&b, 1)
	// debug=1 groups goroutines by stack: "N @ pc…", the group's labels on
	// a line of their own, then its frames, then a blank line.
	want := fmt.Sprintf("%q:%q", sessionLabel, id)
	var stacks strings.Builder
	n, count, head, keep := 0, 0, "", false
	for line := range strings.Lines(b.String()) {
		switch k, rest, ok := strings.Cut(line, " @ "); {
		case ok && rest != "":
			count, _ = strconv.Atoi(k)
			head, keep = line, false
		case strings.HasPrefix(line, "# labels: "):
			if keep = strings.Contains(line, want); keep {
				n += count
				if stacks.Len() < maxLeakDump {
					stacks.WriteString(head)
				}
			}
		case keep && stacks.Len() < maxLeakDump:
			stacks.WriteString(line)
		}
	}
	return n, stacks.String()
}

// maxLeakDump bounds the goroutine stacks a leak finding carries.
const maxLeakDump = 16 << 10

// runSession runs s and returns once it has ended: the server closed its
// end (or a finding stopped it), the judge has read everything, the
// client's writer has stopped, and both ends are closed.
func (hs *Harness) runSession(s *Session) outcome {
	hs.start()
	client, server := newPipe(pipeBuffer)
	waitStragglers(hs.Timeout)
	e := &execution{id: strconv.FormatInt(sessionIDs.Add(1), 10), done: make(chan struct{}), conn: server, returned: make(chan struct{})}
	server.exec = e
	var once sync.Once
	server.notifyClose(func() { once.Do(func() { close(e.done) }) })
	defer client.Close()
	defer server.Close()

	memCap := hs.MemoryBase + hs.MemoryPerOctet*int64(s.WireSize()) + hs.MemoryPerInflated*int64(s.inflated(hs.MessageLimit))
	alloc0 := heapAllocs()
	hs.serve(server, e)

	j := newJudge(s, hs.Waive)
	answered := make(chan struct{})
	judged := make(chan struct{})
	go func() {
		defer close(judged)
		j.run(client, answered)
	}()
	written := make(chan struct{})
	go func() {
		defer close(written)
		writeSession(client, s, answered, judged)
	}()

	finding := hs.wait(e, s, alloc0, memCap)
	if finding == nil {
		e.mu.Lock()
		finding = e.panicked
		e.mu.Unlock()
	}
	if finding == nil {
		if used := heapAllocs() - alloc0; int64(used) > memCap {
			finding = memoryFinding(used, memCap, s)
		}
	}
	if finding != nil {
		// Stop the server and the judge alike.
		client.Close()
		server.Close()
	}
	// The server closed its end: the judge reads what is left and stops.
	<-judged
	client.Close()
	<-written
	if finding == nil {
		finding = j.finding
	}
	if finding != nil {
		finding.Session = s
	}
	return outcome{e.id, finding, j.status, j.received}
}

// wait waits for the server to close its end, watching the time and the
// memory allocated meanwhile.
func (hs *Harness) wait(e *execution, s *Session, alloc0 uint64, memCap int64) *Finding {
	timer := time.NewTimer(hs.Timeout)
	defer timer.Stop()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-e.done:
			return nil
		case <-tick.C:
			if used := heapAllocs() - alloc0; int64(used) > memCap {
				return memoryFinding(used, memCap, s)
			}
		case <-timer.C:
			return &Finding{Kind: "hang", Detail: fmt.Sprintf(
				"the server did not close the connection within %v of the client's end of input (its half-close)", hs.Timeout)}
		}
	}
}

func memoryFinding(used uint64, memCap int64, s *Session) *Finding {
	return &Finding{Kind: "memory", Detail: fmt.Sprintf(
		"the server allocated %.1f MiB during a session of %d octets (%d once inflated), over the cap of %.1f MiB",
		float64(used)/(1<<20), s.WireSize(), s.WireSize()+s.inflated(math.MaxInt), float64(memCap)/(1<<20))}
}

var allocSample = []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
var allocMu sync.Mutex

// heapAllocs is the process's cumulative heap allocation in octets.
func heapAllocs() uint64 {
	allocMu.Lock()
	defer allocMu.Unlock()
	metrics.Read(allocSample)
	return allocSample[0].Value.Uint64()
}

// responseWait bounds how long the client waits for the answer to a valid
// request before it sends its frames anyway (the server may be waiting for
// more of the request).
const responseWait = time.Second

// writeSession sends the request, then (unless the session pipelines)
// waits for the server's answer, then sends every step and shuts its side.
func writeSession(c *pipeEnd, s *Session, answered, judged <-chan struct{}) {
	defer c.CloseWrite()
	if _, err := c.Write(s.Request.Bytes()); err != nil {
		return
	}
	if s.waitsForAnswer() {
		t := time.NewTimer(responseWait)
		select {
		case <-answered:
		case <-judged:
		case <-t.C:
		}
		t.Stop()
	}
	for _, st := range s.Steps {
		if _, err := c.Write(st.Wire); err != nil {
			return
		}
	}
}
