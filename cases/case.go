package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

// Case is one conformance test, as data.
type Case struct {
	ID          string   // stable; Autobahn's numbering for sections 1-13
	Title       string   // one line
	Description string   // what is sent, and why the RFC requires the expected outcome
	Clauses     []string // e.g. "RFC 6455 §5.2"
	Level       Level
	Labels      []string
	// Serial cases run alone: timing- and load-sensitive (section 9).
	Serial bool

	Steps  []Step
	Timer  Timer
	Expect []Outcome // ordered; the first whose events equal what happened wins
	Close  CloseExpect
	// Echoes, when set, makes this a performance-style case: the verdict is
	// OK when every expected echo arrived with the right type and length
	// before the timer, and the duration is the real output (Autobahn 9.x).
	Echoes *EchoCheck
	// Compression, when set, makes this a permessage-deflate case
	// (sections 12 and 13): the plan says what is offered and sent, and
	// replaces Steps and Expect.
	Compression *CompressionPlan
	// Handshake, when set, makes this an opening-handshake case (section
	// 15): one request and a table that judges the answer, instead of Steps.
	// Expect and Close then judge the session on an accepted connection.
	Handshake *HandshakeExchange
	// Deflate, when set, runs Steps on a connection whose opening handshake
	// offered permessage-deflate (section 17): the script's RSV1 frames are
	// then compressed messages, and the target's are inflated before they
	// become events.
	Deflate *DeflateOffer
	// Resource, when set, makes this a resource-limit case (sections 17
	// and 18): the plan says what is sent and how long we wait; it
	// replaces Steps and Expect.
	Resource *ResourcePlan
	// H2, when set, makes this a section 20 case (WebSocket over HTTP/2,
	// RFC 8441): the plan runs on an HTTP/2 connection of its own and
	// replaces Steps and Expect.
	H2 *H2Plan
	// Intermediary, when set, makes this a section 19 case: it runs only
	// through an intermediary in front of the origin server the suite
	// controls (run --upstream), and compares what reached each end.
	Intermediary *IntermediaryPlan
	// ClientRule, when set, makes this a section 16 case that tests a rule
	// only clients have (PlayClientRule). Only `wsconform clients` plays it.
	ClientRule *ClientRule
	// API, when set, makes this a check of a browser's WebSocket API
	// (section 16, label browser): the harness page runs it and the case
	// judges what the page observed (JudgeAPI). Only `wsconform clients
	// --browser` runs it.
	API *APICheck
	// Timeout is the hard limit for the whole case (0: derived from Timer).
	Timeout time.Duration
	// SourceFile and SourceLine locate the function that builds the case's
	// section (set by the catalogue), so test runners can point at it.
	SourceFile string
	SourceLine int
	// Clients, when set, lets the case be played against a WebSocket
	// client (`wsconform clients`): we are the server, send the same steps
	// unmasked, require every client frame masked (§5.1), and judge with
	// the same expectations, adjusted as it says. The catalogue sets it for
	// Autobahn's sections 1-7, 9, 10, 12 and 13 (see clientPlay).
	Clients *ClientPlay
	// FailFastAt, for fail-fast cases (6.4.x), is the offset of the first
	// octet that makes the script's text invalid, counted over every octet
	// written after the opening handshake; the result's reason then says how
	// far past it the target failed (Result.FailFastOffset).
	FailFastAt int64
}

// ClientPlay is how a case changes when it tests a client.
type ClientPlay struct {
	// Note is added to the description when the case tests a client:
	// where the client's duty differs from the server's, and why.
	Note string
	// Close, if set, replaces Close when the case tests a client.
	Close *CloseExpect
	// Deflate lists, for a compression case, how we accept the client's
	// permessage-deflate offer, in order of preference (Autobahn's
	// per-case SERVER_ACCEPT); the first the client's offers allow wins,
	// and the case is UNIMPLEMENTED when none does.
	Deflate []DeflateAccept
}

// DeflateAccept is one way we, as the server, accept a client's
// permessage-deflate offer: echo what the client asked of us (RFC 7692
// §7.1.1.1, §7.1.2.1) and ask of the client what is set here.
type DeflateAccept struct {
	// ClientNoContextTakeover asks the client not to take over its LZ77
	// context (RFC 7692 §7.1.1.2); the client must have offered it.
	ClientNoContextTakeover bool
	// ClientMaxWindowBits (9-15, 0: not asked) limits the client's window
	// (§7.1.2.2); the client must have offered client_max_window_bits.
	ClientMaxWindowBits int
}

// String is the acceptance as our response shows it, beyond what the
// client asked of us: "permessage-deflate", plus the client parameters.
func (a DeflateAccept) String() string {
	s := "permessage-deflate"
	if a.ClientNoContextTakeover {
		s += "; client_no_context_takeover"
	}
	if a.ClientMaxWindowBits != 0 {
		s += fmt.Sprintf("; client_max_window_bits=%d", a.ClientMaxWindowBits)
	}
	return s
}

// ForClients is the case as it is played against a client: its close
// expectation and description adjusted by Clients. It is c itself when
// nothing changes; nil when the case cannot test clients.
func (c *Case) ForClients() *Case {
	p := c.Clients
	if p == nil {
		if c.ClientRule != nil {
			return c // section 16: written for clients
		}
		return nil
	}
	if p.Note == "" && p.Close == nil {
		return c
	}
	cc := *c
	if p.Close != nil {
		cc.Close = *p.Close
	}
	if p.Note != "" {
		cc.Description += " " + p.Note
	}
	return &cc
}

// Section is the first component of the id ("5" for "5.19").
func (c *Case) Section() string {
	for i := 0; i < len(c.ID); i++ {
		if c.ID[i] == '.' {
			return c.ID[:i]
		}
	}
	return c.ID
}

// Group is the id without its last component ("6.4" for "6.4.3").
func (c *Case) Group() string {
	for i := len(c.ID) - 1; i >= 0; i-- {
		if c.ID[i] == '.' {
			return c.ID[:i]
		}
	}
	return c.ID
}

// WaitsOnTarget reports whether the case spends most of its time waiting
// for the target to give up on a slow client (a stalled or dripping
// handshake, a connection that never reads): a scheduler starts these
// first, so that their waits overlap the rest of the run.
func (c *Case) WaitsOnTarget() bool {
	return c.Handshake != nil && (c.Handshake.StopAfter != "" || c.Handshake.Drip > 0) ||
		c.Resource != nil && c.Resource.Kind == NeverRead ||
		c.Intermediary != nil && c.Intermediary.Kind == IdleHold
}

// Deadline is how long the case may run before it is abandoned.
func (c *Case) Deadline(scale float64) time.Duration {
	d := c.Timeout
	if d == 0 && c.Resource != nil {
		d = c.Resource.deadline()
	}
	if d == 0 && c.Intermediary != nil {
		d = c.Intermediary.deadline()
	}
	if d == 0 {
		d = c.Timer.After + 10*time.Second
		if c.Compression != nil {
			// The timer charges the target only (targetClock); our own
			// compressing gets as long again before the case is abandoned.
			d += c.Timer.After
		}
		for _, s := range c.Steps {
			d += s.Pause
			for _, cut := range s.Cuts {
				d += cut.Pause
			}
		}
	}
	return time.Duration(float64(d) * scale)
}

// DeflateOffer is what a scripted case offers before its script runs.
type DeflateOffer struct {
	Offers []deflate.Params // in order of preference (RFC 7692 §5.1)
	// Declined is the verdict when the target accepts none: UNIMPLEMENTED,
	// as RFC 7692 is optional.
	Declined Verdict
}

// Step is one action of a script: send a frame (optionally chopped, with
// pauses inside it), send raw octets, send a close, or pause.
type Step struct {
	Frame    *frame.Frame // payload unmasked; masked on the wire unless Unmasked
	Unmasked bool         // send without a mask (§5.1 forbids it for clients)
	Chop     int          // octets per TCP write (0: one write)
	Cuts     []Cut        // pauses inside this frame
	Raw      []byte       // raw octets instead of a frame
	// Close sends a close frame with this payload as part of the closing
	// handshake (a close inside Frame is sent raw and changes no state).
	Close []byte
	// Pause waits between steps; Marker, if set, is recorded as an event
	// when the pause ends with the connection still open.
	Pause  time.Duration
	Marker string
	// AwaitEcho waits (up to the timer) until this many messages have come
	// back before the next step.
	AwaitEcho int
	// RoundTrips sends Frame this many times, each only once the previous
	// one came back (sequential round trips, 9.7/9.8).
	RoundTrips int
	// Corked holds this step's octets back so that they go out in one TCP
	// write with the next steps', up to and including the first step that
	// is not corked (Autobahn's frames sent in one reactor turn).
	Corked bool
	// Message, when set, is a message generated as the step runs, each of
	// its frames sent as Frame would be (with Chop): section 9's megabytes
	// are made per run and streamed, never held by the catalogue.
	Message *Bulk
}

// Bulk is a message of Size octets of Pattern repeated, sent as frames of
// Fragment octets (split as Autobahn's fragmenter splits them).
type Bulk struct {
	Opcode   frame.Opcode
	Pattern  []byte
	Size     int
	Fragment int
}

// Cut pauses inside a frame after At octets of it (header included).
type Cut struct {
	At     int
	Pause  time.Duration
	Marker string
}

// TimerKind is what happens when a case's timer fires with the connection open.
type TimerKind int

const (
	// KillAfter: we fail the connection (close 1001) — the target was
	// supposed to act (echo, or fail) and did not.
	KillAfter TimerKind = iota
	// CloseAfter: we start a normal close (empty close payload).
	CloseAfter
)

// String is what the timer does, for people.
func (k TimerKind) String() string {
	if k == KillAfter {
		return "fail the connection"
	}
	return "close normally"
}

// Timer is armed once every step has been sent.
type Timer struct {
	Kind  TimerKind
	After time.Duration
}

// Outcome is one acceptable sequence of events and the verdict it earns.
type Outcome struct {
	Verdict Verdict
	Events  []observed.Event
}

// CloseExpect is how the connection must end (Autobahn's expectedClose).
type CloseExpect struct {
	ClosedByMe   bool              // must we be the ones that start the close?
	Codes        []frame.CloseCode // acceptable codes in the target's close frame (no code is always accepted)
	RequireClean bool              // full closing handshake and orderly TCP shutdown required
	// WrongEndpointFatal turns "we had to close" into a FAILED main verdict
	// (invalid UTF-8 cases).
	WrongEndpointFatal bool
	// WrongCodeFails turns a WRONG CODE close verdict into a FAILED main
	// verdict (section 7, where the close code is the test).
	WrongCodeFails bool
	// Informational forces both verdicts to INFORMATIONAL.
	Informational bool
	// NonStrictCodes are close codes the RFC allows but Autobahn rejects
	// (1004 in 7.9.3): the close verdict is OK and the main verdict at best
	// NON-STRICT.
	NonStrictCodes []frame.CloseCode
}

// EchoCheck describes the echoes a performance-style case waits for.
type EchoCheck struct {
	Count  int  `json:"count"`  // messages expected back
	Binary bool `json:"binary"` // their type
	Length int  `json:"length"` // octets each
}
