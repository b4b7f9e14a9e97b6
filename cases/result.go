package cases

import (
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
)

// SchemaVersion names the layout of Run as written to wsconform.json.
// Bump it on any incompatible change.
const SchemaVersion = "wsconform/results/v1"

// Run is everything one run produced: the results model every reporter reads.
type Run struct {
	Schema string `json:"schema"`
	Tool   string `json:"tool"` // wsconform version
	// Catalogue is CatalogueDigest() of the catalogue the run used.
	Catalogue   string        `json:"catalogue,omitempty"`
	Target      TargetInfo    `json:"target"`
	Selection   Selection     `json:"selection"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Interrupted bool          `json:"interrupted,omitempty"`
	// TargetDown is set when the target stopped accepting connections
	// during the run; InFlight names the cases running when it went down.
	TargetDown *TargetDown `json:"targetDown,omitempty"`
	Results    []Result    `json:"results"`
}

type TargetInfo struct {
	URL   string `json:"url"`
	Agent string `json:"agent"`
	// Embedded is set when the target was the built-in reference server.
	Embedded bool `json:"embedded,omitempty"`
	// Options are the command-line options of the run that change what is
	// sent to the target, as arguments (credentials redacted): every
	// reproduce command carries them.
	Options []string `json:"options,omitempty"`
	// TLS is what the pre-flight connection negotiated, for wss:// targets.
	TLS *TLSInfo `json:"tls,omitempty"`
}

// TLSInfo is the TLS session the pre-flight connection negotiated.
type TLSInfo struct {
	Version     string `json:"version"`     // e.g. "TLS 1.3"
	CipherSuite string `json:"cipherSuite"` // e.g. "TLS_AES_128_GCM_SHA256"
	ALPN        string `json:"alpn,omitempty"`
	ServerName  string `json:"serverName,omitempty"` // the name we checked the certificate against
	Verified    bool   `json:"verified"`             // false with --insecure
	// Chain is the certificates the server sent, its own first.
	Chain []CertInfo `json:"chain"`
}

// CertInfo describes one certificate of a chain.
type CertInfo struct {
	Subject   string    `json:"subject"`
	Issuer    string    `json:"issuer"`
	NotBefore time.Time `json:"notBefore"`
	NotAfter  time.Time `json:"notAfter"`
	SHA256    string    `json:"sha256"` // fingerprint of the DER encoding, hex
}

type Selection struct {
	Cases       []string `json:"cases,omitempty"`
	Exclude     []string `json:"exclude,omitempty"`
	LabelFilter string   `json:"labelFilter,omitempty"`
	Strict      bool     `json:"strict,omitempty"`
	Parallel    int      `json:"parallel"`
	Scale       float64  `json:"timeoutScale"`
}

type TargetDown struct {
	At       time.Time `json:"at"`
	Error    string    `json:"error"`
	InFlight []string  `json:"inFlight"`
	// CutOff are the cases in flight whose connection the target dropped
	// without a close frame as it went down.
	CutOff []string `json:"cutOff,omitempty"`
	// KilledBy is the case that crashed the target (FAILED): the one among
	// CutOff that sent something the target must reject, or, when there
	// is none, every case cut off, one of which did. The rest of CutOff is
	// NOT RUN.
	KilledBy []string `json:"killedBy,omitempty"`
}

// Result is one case's outcome.
type Result struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	Clauses     []string `json:"clauses"`
	Level       Level    `json:"level"`
	Labels      []string `json:"labels,omitempty"`

	Behavior      Verdict      `json:"behavior"`
	BehaviorClose CloseVerdict `json:"behaviorClose"`
	Reason        string       `json:"result"`      // why the main verdict
	CloseReason   string       `json:"resultClose"` // why the close verdict
	// ReasonIsClose: the close decided the main verdict too, so Reason
	// says what CloseReason says (readers show it once).
	ReasonIsClose bool `json:"reasonIsClose,omitempty"`
	// Rule is the stable id of the rule the target broke (the rule its
	// close frame broke when that decided the close verdict), as the
	// receiver named it (reference/frame, reference/deflate); for a target
	// that let our script's broken rule pass, that rule; for a well-formed
	// answer that is not the one required, one of failure_rule.go's
	// (echo-mismatch, pong-missing, ...). Every FAILED verdict names one;
	// empty when the target broke none.
	Rule string `json:"rule,omitempty"`
	// RuleSection is the RFC section that states Rule.
	RuleSection string `json:"ruleSection,omitempty"`

	Expected      []ExpectedOutcome    `json:"expected,omitempty"`
	ExpectedClose *CloseExpectView     `json:"expectedClose,omitempty"`
	Observed      []string             `json:"received"`
	Close         *observed.CloseState `json:"close,omitempty"`
	Handshake     *observed.Handshake  `json:"handshake,omitempty"`

	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	// FailFastOffset is how many octets of the script we had written when
	// the target's close frame arrived (-1: it did not close first).
	FailFastOffset int64            `json:"failFastOffset"`
	Perf           *PerfStats       `json:"perf,omitempty"`
	WireLog        []observed.Entry `json:"wirelog,omitempty"`
	// Error is a tool-side problem (could not connect...), not a verdict.
	Error string `json:"error,omitempty"`
	// Unreachable is set when the case could not even connect: the engine
	// then checks whether the target went down. Not written out.
	Unreachable bool `json:"-"`
	// EndedAtOurTimer is set when the case ended because one of our timers
	// or its deadline ran out while we waited for the target (not on
	// something the target sent, nor on an interrupt). Not written out.
	EndedAtOurTimer bool   `json:"-"`
	Reproduce       string `json:"reproduce,omitempty"`
}

// ExpectedOutcome is an Outcome rendered for reports.
type ExpectedOutcome struct {
	Verdict Verdict  `json:"verdict"`
	Events  []string `json:"events"`
}

// CloseExpectView is CloseExpect rendered for reports.
type CloseExpectView struct {
	ClosedByMe   bool  `json:"closedByMe"`
	Codes        []int `json:"closeCode"`
	RequireClean bool  `json:"requireClean"`
}

// PerfStats are the numbers a performance-style case exists for.
type PerfStats struct {
	Messages       int     `json:"messages"`
	OctetsSent     int64   `json:"octetsSent"`
	OctetsEchoed   int64   `json:"octetsEchoed"`
	ThroughputMBps float64 `json:"throughputMBps"`
	// CompressionRatio (sections 12, 13) is the target's: compressed
	// payload octets it sent over the octets they inflated to (lower is
	// better). SentCompressionRatio is the same for the probe's messages.
	CompressionRatio     float64 `json:"compressionRatio,omitempty"`
	SentCompressionRatio float64 `json:"sentCompressionRatio,omitempty"`
}

// Passes says whether the result lets CI pass: both verdicts must pass.
func (r Result) Passes(strict bool) bool {
	return r.Behavior.Passes(strict) && r.BehaviorClose.Passes(strict)
}

// NotRunResult is the result of a case that never ran.
func NotRunResult(c *Case, why string) Result {
	r := NewResult(c)
	r.Behavior, r.BehaviorClose = NotRun, CloseNotRun
	r.Reason, r.CloseReason = why, why
	r.FailFastOffset = -1
	return r
}

// NewResult is a result for c with nothing judged yet.
func NewResult(c *Case) Result {
	return Result{
		ID: c.ID, Title: c.Title, Description: c.Description, Clauses: c.Clauses,
		Level: c.Level, Labels: c.Labels, Observed: []string{},
	}
}

// Summary counts verdicts.
func (run *Run) Summary() map[Verdict]int {
	m := map[Verdict]int{}
	for _, r := range run.Results {
		m[r.Behavior]++
	}
	return m
}

// MarkUnreachable records that the case could not connect to the target.
func (r *Result) MarkUnreachable(err error) {
	r.Error = fmt.Errorf("%w: %v", errTargetDown, err).Error()
	r.Unreachable = true
}
