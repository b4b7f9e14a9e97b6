package cases

import (
	"fmt"
	"strings"
	"time"
)

// ResourceKind is what a resource-limit case makes the target spend.
type ResourceKind string

const (
	// AnnounceLength: one frame header announcing Announce payload octets,
	// Follow octets of it, then silence.
	AnnounceLength ResourceKind = "announce-length"
	// SearchLimit: single-frame messages of growing size, each on a new
	// connection, up to Cap: the largest echoed and the smallest refused.
	SearchLimit ResourceKind = "search-limit"
	// BypassLimit: a message of the smallest size SearchLimit saw refused,
	// sent in Fragment-octet frames, or compressed.
	BypassLimit ResourceKind = "bypass-limit"
	// InflateBomb: one small compressed frame of zeros inflating to Cap.
	InflateBomb ResourceKind = "inflate-bomb"
	// NeverRead: messages to echo, none of whose echoes we read, then how
	// long the target holds the connection once it stops reading.
	NeverRead ResourceKind = "never-read"
)

// ResourcePlan is a resource-limit case (sections 17 and 18) as data.
// After every plan a new connection must still complete a handshake and
// echo a message (the target survived), or the case FAILS.
type ResourcePlan struct {
	Kind ResourceKind
	// Announce and Follow: AnnounceLength's header and payload octets.
	Announce uint64
	Follow   int
	// Wait is how long the target has to react: to the announced header,
	// to the bomb and to each message of the search and the bypass plus
	// Wait per 16 MiB (WaitFor).
	Wait time.Duration
	// Cap is the largest message sent (SearchLimit, BypassLimit), what the
	// bomb inflates to (InflateBomb), or the most octets of messages sent
	// to a target that never stops reading them (NeverRead).
	Cap int64
	// Fragment: BypassLimit's frame size (0: two halves of the message).
	Fragment int
	// Compressed: offer permessage-deflate and send the message compressed
	// (BypassLimit, InflateBomb); Declined is the verdict when the target
	// declines it.
	Compressed bool
	Declined   Verdict
	// Hold is how long NeverRead waits for the target to give up.
	Hold time.Duration
}

// ResourceView is a resource plan as the catalogue shows it.
type ResourceView struct {
	Kind       ResourceKind `json:"kind"`
	Announce   uint64       `json:"announcedLength,omitempty"`
	Follow     int          `json:"followingOctets,omitempty"`
	Wait       string       `json:"wait,omitempty"`
	Cap        int64        `json:"cap,omitempty"`
	Fragment   int          `json:"fragment,omitempty"`
	Compressed bool         `json:"compressed,omitempty"`
	Declined   Verdict      `json:"declined,omitempty"`
	Hold       string       `json:"hold,omitempty"`
}

// View renders the plan for the catalogue.
func (p *ResourcePlan) View() *ResourceView {
	v := &ResourceView{Kind: p.Kind, Announce: p.Announce, Follow: p.Follow, Cap: p.Cap, Fragment: p.Fragment, Compressed: p.Compressed, Declined: p.Declined}
	if p.Wait > 0 {
		v.Wait = p.Wait.String()
	}
	if p.Hold > 0 {
		v.Hold = p.Hold.String()
	}
	return v
}

// Deadline is how long the plan may take at most (before scaling).
func (p *ResourcePlan) deadline() time.Duration {
	const margin = 20 * time.Second // connections, the alive check
	switch p.Kind {
	case SearchLimit, BypassLimit:
		// The search: at most searchSteps messages, each with its wait.
		return margin + searchSteps*(p.Wait+p.WaitFor(p.Cap))
	case NeverRead:
		return margin + p.Hold + p.Wait
	case InflateBomb:
		return margin + p.WaitFor(p.Cap)
	}
	return margin + p.Wait
}

// WaitFor is how long a message of n octets may take to come back or be
// refused: Wait, plus Wait per 16 MiB.
func (p *ResourcePlan) WaitFor(n int64) time.Duration {
	return p.Wait * time.Duration(1+n/(16<<20))
}

// searchSteps bounds the single-frame search: doubling from searchStart
// to a 64 MiB cap is 11 messages, then bisecting the last step to an
// eighth of it is 3 more.
const (
	searchStart   = 64 << 10
	searchSteps   = 14
	searchBisects = 3
)

// SearchSizes is the doubling part of the search: searchStart, twice
// that, ... up to and including cap.
func SearchSizes(cap int64) []int64 {
	var out []int64
	for n := int64(searchStart); n < cap; n *= 2 {
		out = append(out, n)
	}
	return append(out, cap)
}

// Bisect is the next size to try between the largest size echoed and the
// smallest refused, or 0 once they are an eighth of the gap apart (of
// the doubling step) or searchBisects tries were made.
func Bisect(echoed, refused int64, tries int) int64 {
	if tries >= searchBisects || refused-echoed <= max(1, refused/16) {
		return 0
	}
	return echoed + (refused-echoed)/2
}

// ReactionKind is how the target reacted to what a resource case sent.
type ReactionKind string

const (
	ReactedClose   ReactionKind = "a close frame"
	ReactedDrop    ReactionKind = "a TCP drop without a close frame"
	ReactedEcho    ReactionKind = "the message echoed"
	ReactedSilence ReactionKind = "nothing before our wait ended"
	ReactedOther   ReactionKind = "something else"
)

// Reaction is the target's answer to one message (or header) a resource
// case sent.
type Reaction struct {
	Kind   ReactionKind
	Code   int           // the close frame's code (0: none)
	Octets int64         // ReactedEcho: the echo's length
	After  time.Duration // from the last octet we sent
	Detail string        // ReactedOther: what came
}

// Refused reports whether the reaction turned the message down.
func (r Reaction) Refused() bool { return r.Kind == ReactedClose || r.Kind == ReactedDrop }

// String says what came back, for a verdict text.
func (r Reaction) String() string {
	switch r.Kind {
	case ReactedClose:
		if r.Code == 0 {
			return fmt.Sprintf("the target closed with an empty close frame after %v", round(r.After))
		}
		return fmt.Sprintf("the target closed with code %d after %v", r.Code, round(r.After))
	case ReactedDrop:
		return fmt.Sprintf("the target dropped TCP without a close frame after %v", round(r.After))
	case ReactedEcho:
		return fmt.Sprintf("the target echoed it (%d octets) after %v", r.Octets, round(r.After))
	case ReactedOther:
		return "the target sent " + r.Detail
	}
	return fmt.Sprintf("the target did nothing for %v", round(r.After))
}

// sameRefusal reports whether two refusals are the same: the same close
// code, or either a drop. A close frame can be lost to the reset a server's
// close causes when our data is still unread in its buffer, so a drop is
// never told apart from a close frame: a verdict must not depend on that
// race.
func sameRefusal(a, b Reaction) bool {
	return a.Kind == ReactedDrop || b.Kind == ReactedDrop || a.Code == b.Code
}

func round(d time.Duration) time.Duration {
	if d > time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// Alive is the check after every resource case: a new connection, a
// handshake and one echoed message.
type Alive struct {
	OK       bool
	Observed string // what the check got, in words
}

// The rules a resource case's verdict can name (Result.Rule).
var (
	RuleSlowHandshakeHeld    = RuleRef{"limits-slow-handshake-held", "RFC 6455 §10.4"}
	RuleUnreadConnectionHeld = RuleRef{"limits-unread-connection-held", "RFC 6455 §10.4"}
	RuleAnnouncedNotRefused  = RuleRef{"limits-announced-length-not-refused", "RFC 6455 §10.4"}
	RuleRefusalCode          = RuleRef{"limits-refusal-not-1009", "RFC 6455 §7.4.1"}
	RuleLimitBypassed        = RuleRef{"limits-message-limit-bypassed", "RFC 6455 §10.4"}
	RuleLimitRefusedApart    = RuleRef{"limits-refused-another-way", "RFC 6455 §10.4"}
	RuleNoReaction           = RuleRef{"limits-no-reaction", "RFC 6455 §10.4"}
	RuleStoppedServing       = RuleRef{"limits-stopped-serving", "RFC 6455 §10.4"}
)

// rfcResourceLimits is the requirement the resource cases rest on.
const rfcResourceLimits = "RFC 6455 §10.4"

const limitsMust = "RFC 6455 §10.4: implementations MUST protect themselves against exceeding their frame and message size limits, including the total size after reassembly from multiple frames"

// JudgeAnnounced is the verdict on a target's reaction to a frame header
// announcing n octets, followed by a few octets and silence.
func JudgeAnnounced(n uint64, r Reaction) (Verdict, string) {
	sent := fmt.Sprintf("We sent a frame header announcing %d octets of payload, a few of them, then nothing; %s", n, r)
	switch {
	case r.Kind == ReactedDrop || r.Kind == ReactedClose && (r.Code == 1009 || r.Code == 0):
		return OK, sent + ", refusing a message larger than it will take, as " + limitsMust + " (1009 is the code for it, §7.4.1)"
	case r.Kind == ReactedClose:
		return NonStrict, fmt.Sprintf("%s: the message was refused, but RFC 6455 §7.4.1 has code 1009 for a message too big to process", sent)
	}
	// Waiting is not yet exceeding a limit: a server that reads payload
	// against a limit as it comes protects itself without refusing the
	// header. One that allocated the length is caught by the alive check.
	return NonStrict, sent + ": it waits for the rest. " + limitsMust + ", and refusing with 1009 as soon as a header announces more than the server will take is the way that costs it nothing (§7.4.1); waiting holds a connection for a message it may never take"
}

// SearchResult is what the single-frame search found.
type SearchResult struct {
	Echoed  int64    // the largest message echoed (0: none)
	Refused int64    // the smallest message refused (0: none up to the cap)
	Refusal Reaction // how it was refused
	Cap     int64
	Failure string // the search could not go on: what happened ("" if it could)
	Steps   []string
}

// JudgeSearch is the verdict of the search for the target's message limit.
func JudgeSearch(s SearchResult) (Verdict, string) {
	sent := "We sent single-frame binary messages of growing size, each on a new connection"
	switch {
	case s.Failure != "":
		return Failed, fmt.Sprintf("%s; %s. An echo server must echo a message it accepts, and refuse one it will not take with a close frame (1009, §7.4.1) or a drop", sent, s.Failure)
	case s.Refused == 0:
		return Informational, fmt.Sprintf("%s up to %d octets; the target echoed every one: it has no message limit up to our cap (recorded only; %s)", sent, s.Cap, limitsMust)
	}
	return OK, fmt.Sprintf("%s; the target echoed %d octets and refused %d (%s): its limit is in between, and it protects itself as %s", sent, s.Echoed, s.Refused, s.Refusal, limitsMust)
}

// JudgeBypass is the verdict on a message just above the limit the
// search found, sent another way (how, in words).
func JudgeBypass(s SearchResult, how string, r Reaction) (Verdict, string) {
	switch {
	case s.Failure != "":
		return Failed, "The search for the target's message limit failed: " + s.Failure
	case s.Refused == 0:
		return Informational, fmt.Sprintf("The target echoed single-frame messages up to our cap of %d octets: it has no message limit to bypass (recorded only)", s.Cap)
	}
	sent := fmt.Sprintf("A single-frame message of %d octets was refused (%s); we sent a message of that size %s, and %s", s.Refused, s.Refusal, how, r)
	switch {
	case r.Refused() && sameRefusal(r, s.Refusal):
		return OK, sent + ": refused the same way, as " + limitsMust
	case r.Refused():
		return NonStrict, sent + ": refused, but not the way the single frame was; the limit is one, however the message arrives (" + limitsMust + ")"
	case r.Kind == ReactedEcho:
		return Failed, sent + ": the limit is bypassed. " + limitsMust
	}
	return Failed, sent + ": neither refused nor echoed. " + limitsMust
}

// JudgeBomb is the verdict on a small compressed message inflating to
// n octets.
func JudgeBomb(n int64, compressed int, r Reaction) (Verdict, string) {
	sent := fmt.Sprintf("We sent one compressed frame of %d octets inflating to %d octets of zeros; %s", compressed, n, r)
	switch {
	case r.Kind == ReactedDrop || r.Kind == ReactedClose && (r.Code == 1009 || r.Code == 0):
		return OK, sent + ", refusing a message larger than it will take, as " + limitsMust + " (RFC 7692 §8 warns of exactly this)"
	case r.Kind == ReactedClose:
		return NonStrict, sent + ": refused, but RFC 6455 §7.4.1 has code 1009 for a message too big to process"
	case r.Kind == ReactedEcho:
		return Informational, fmt.Sprintf("%s: it accepted all %d octets, so it has no limit on inflated messages up to our cap (recorded only; RFC 7692 §8 asks implementations to limit them)", sent, n)
	}
	return Failed, sent + ": neither refused nor echoed. An echo server must echo a message it accepts and refuse one it will not take (" + limitsMust + ")"
}

// Held is what a slow-client case measured: how long the target held the
// connection, and whether it gave up within the cap.
type Held struct {
	For      time.Duration
	GaveUp   bool
	Cap      time.Duration
	Buffered int64 // NeverRead: octets of messages sent while the target kept reading
	Stalled  bool  // NeverRead: the target stopped reading (our writes blocked)
}

// hardening is the level of the slow-client cases, and why.
const hardeningNote = "no RFC sets a number (this is hardening, not an RFC MUST): a server that holds such connections forever can be exhausted by them (RFC 6455 §10.4, RFC 7230 §6.5); --strict fails it"

// JudgeNeverRead is the verdict on a connection whose echoes we never read.
func JudgeNeverRead(h Held) (Verdict, string) {
	sent := "We sent messages to echo and never read the echoes"
	switch {
	case !h.Stalled:
		return NonStrict, fmt.Sprintf("%s; the target kept reading for %d octets, buffering echoes nobody read: %s", sent, h.Buffered, hardeningNote)
	case h.GaveUp:
		return OK, fmt.Sprintf("%s; the target stopped reading after %d octets and dropped the connection %v later", sent, h.Buffered, round(h.For))
	}
	return NonStrict, fmt.Sprintf("%s; the target stopped reading after %d octets and still held the connection when we gave up %v later: %s", sent, h.Buffered, round(h.Cap), hardeningNote)
}

// ResourceRun is what running a resource plan observed, for JudgeResource.
type ResourceRun struct {
	// NoConnection says why the case's connection never opened ("": it did).
	NoConnection string
	// Declined: a compressed plan's offer was declined.
	Declined bool
	Reaction Reaction     // AnnounceLength, BypassLimit, InflateBomb
	Search   SearchResult // SearchLimit, BypassLimit
	// How is BypassLimit's way of sending the message, in words.
	How        string
	Compressed int  // InflateBomb: compressed octets sent
	Held       Held // NeverRead
	Alive      Alive
}

// JudgeResource sets both verdicts of a resource case from its run. The
// close verdict follows the main one: these cases judge what the target
// spends, and how the connection ended is part of the reaction judged.
func JudgeResource(r *Result, c *Case, run ResourceRun) {
	p := c.Resource
	switch {
	case run.NoConnection != "":
		r.Behavior, r.Reason = Failed, "No WebSocket connection: "+run.NoConnection
	case run.Declined:
		r.Behavior = p.Declined
		r.Reason = "We offered a plain permessage-deflate; the target declined it, which RFC 7692 allows (the extension is optional), so the case does not apply"
	default:
		switch p.Kind {
		case AnnounceLength:
			r.Behavior, r.Reason = JudgeAnnounced(p.Announce, run.Reaction)
		case SearchLimit:
			r.Behavior, r.Reason = JudgeSearch(run.Search)
		case BypassLimit:
			r.Behavior, r.Reason = JudgeBypass(run.Search, run.How, run.Reaction)
		case InflateBomb:
			r.Behavior, r.Reason = JudgeBomb(p.Cap, run.Compressed, run.Reaction)
		case NeverRead:
			r.Behavior, r.Reason = JudgeNeverRead(run.Held)
		}
	}
	if run.Reaction.Kind != "" {
		r.Observed = append(r.Observed, "reaction: "+run.Reaction.String())
	}
	r.Observed = append(r.Observed, run.Search.Steps...)
	if run.Alive.Observed != "" {
		r.Observed = append(r.Observed, "then, on a new connection, a handshake and an echo: "+run.Alive.Observed)
		if !run.Alive.OK {
			r.Behavior = Failed
			r.Rule, r.RuleSection = RuleStoppedServing.ID, RuleStoppedServing.Section
			r.Reason = sentence(strings.TrimSuffix(r.Reason, ".") + "; then a new connection got: " + run.Alive.Observed +
				". The target stopped serving: RFC 6455 §10.4 says implementations MUST protect themselves against exceeding their limits")
		}
	}
	r.Reason = sentence(r.Reason)
	if (r.Behavior == Failed || r.Behavior == NonStrict) && r.Rule == "" {
		rule := resourceRule(p, run)
		r.Rule, r.RuleSection = rule.ID, rule.Section
	}
	switch r.Behavior {
	case Failed:
		r.BehaviorClose, r.CloseReason = CloseFailed, "see the main verdict: the target did not protect itself"
	case Informational, Unimplemented:
		r.BehaviorClose, r.CloseReason = CloseInformational, "recorded only"
	default:
		r.BehaviorClose, r.CloseReason = CloseOK, "the connection ended as the main verdict describes"
	}
}

// resourceRule is the rule a FAILED or NON-STRICT resource verdict rests on.
func resourceRule(p *ResourcePlan, run ResourceRun) RuleRef {
	re := run.Reaction
	switch {
	case p.Kind == NeverRead:
		return RuleUnreadConnectionHeld
	case re.Kind == ReactedClose && re.Code != 1009 && re.Code != 0 && p.Kind != BypassLimit:
		return RuleRefusalCode
	case p.Kind == AnnounceLength && re.Kind == ReactedSilence:
		return RuleAnnouncedNotRefused
	case p.Kind == BypassLimit && re.Kind == ReactedEcho:
		return RuleLimitBypassed
	case p.Kind == BypassLimit && re.Refused():
		return RuleLimitRefusedApart
	}
	return RuleNoReaction
}
