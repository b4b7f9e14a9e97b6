package observed

import (
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// CloseState is how the connection ended, in Autobahn's terms.
type CloseState struct {
	SentClose     bool `json:"sentClose"`
	ReceivedClose bool `json:"receivedClose"`
	ClosedByMe    bool `json:"closedByMe"`  // we sent the first close frame
	FailedByMe    bool `json:"failedByMe"`  // we failed the connection (peer broke a rule or a kill timer fired)
	DroppedByMe   bool `json:"droppedByMe"` // we closed TCP first
	// LocalCode and RemoteCode are the status codes of our and the peer's
	// close frames; nil when the frame had no code (or was not sent). A
	// code that is present can be 0: that is a code no endpoint may send.
	LocalCode    *frame.CloseCode `json:"localCloseCode,omitempty"`
	LocalReason  string           `json:"localCloseReason,omitempty"`
	RemoteCode   *frame.CloseCode `json:"remoteCloseCode,omitempty"`
	RemoteReason string           `json:"remoteCloseReason,omitempty"`
	// RemoteCloseViolation is the rule the peer's close frame broke (its
	// header or its body), whoever closed first; RemoteCloseRule is that
	// rule's id.
	RemoteCloseViolation string `json:"remoteCloseViolation,omitempty"`
	RemoteCloseRule      string `json:"remoteCloseRule,omitempty"`
	RemoteCloseSection   string `json:"remoteCloseRuleSection,omitempty"`
	// DataAfterClose is set when the peer sent a data frame after its own
	// close frame (RFC 6455 §5.5.1 forbids it): the first such frame, as a
	// broken rule.
	DataAfterClose string `json:"dataAfterClose,omitempty"`
	CloseTimeout   bool   `json:"wasCloseHandshakeTimeout"`
	DropTimeout    bool   `json:"wasServerConnectionDropTimeout"`
	// PeerViolation is the first rule the peer broke, PeerRule its id;
	// FailedOn is the one that made us fail the connection ("" when a
	// timer of ours did, or we did not fail it).
	PeerViolation string `json:"peerViolation,omitempty"`
	PeerRule      string `json:"peerRule,omitempty"`
	PeerSection   string `json:"peerRuleSection,omitempty"`
	FailedOn      string `json:"failedOnViolation,omitempty"`
	TCPError      string `json:"tcpError,omitempty"`
	// Abandoned says what was still outstanding when we gave up on the
	// connection at our own deadline ("" if we did not).
	Abandoned      string        `json:"abandoned,omitempty"`
	NotCleanReason string        `json:"wasNotCleanReason,omitempty"`
	Clean          bool          `json:"wasClean"`
	ClosedAt       time.Duration `json:"closedAt_ns,omitempty"` // when TCP ended, since start
	// IsServer: we played the server (the peer under test is a client);
	// closing TCP first after the closing handshake is then our job
	// (§7.1.1), and the client closing it first is allowed too.
	IsServer bool `json:"isServer,omitempty"`
}

// Code is a present close code, for CloseState's code fields.
func Code(c frame.CloseCode) *frame.CloseCode { return &c }

// HandshakeDone reports whether both close frames were exchanged.
func (s CloseState) HandshakeDone() bool { return s.SentClose && s.ReceivedClose }

// Peer names the endpoint under test in what we write about it: "the
// target" (a server), or "the client" when we played the server.
func (s CloseState) Peer() string {
	if s.IsServer {
		return "the client"
	}
	return "the target"
}
