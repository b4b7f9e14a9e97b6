package server

import (
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// Defaults for zero Config fields.
const (
	DefaultMaxMessageSize   = 32 << 20 // Autobahn 9.x sends up to 16 MiB
	DefaultHandshakeTimeout = 5 * time.Second
	DefaultIdleTimeout      = 60 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultCloseTimeout     = 2 * time.Second
)

// Config tunes a Server. The zero value is a strict server with the
// defaults above.
type Config struct {
	// MaxMessageSize bounds a message after reassembly (and a control frame
	// payload); a larger one fails the connection with 1009 as soon as a
	// frame header announces it.
	MaxMessageSize int64
	// HandshakeTimeout bounds the whole opening handshake.
	HandshakeTimeout time.Duration
	// IdleTimeout bounds the wait for the peer's next octet while reading;
	// when it expires, the server closes with 1001 (Going Away).
	IdleTimeout time.Duration
	// WriteTimeout bounds a write that makes no progress: a client that
	// reads nothing of what the server sends for this long is dropped
	// (a connection that never reads would hold the server forever).
	WriteTimeout time.Duration
	// CloseTimeout bounds how long, after sending its close frame and
	// shutting its side of TCP, the server keeps reading (and discarding)
	// until the client closes too.
	CloseTimeout time.Duration
	// Logf, when set, receives one line per connection failure.
	Logf func(format string, args ...any)
	// DisableDeflate declines every permessage-deflate offer (RFC 7692), as
	// a server without compression does.
	DisableDeflate bool
	// EchoDeflate is how echoes are compressed once permessage-deflate is
	// agreed (what the server receives is inflated whatever the client's
	// method).
	EchoDeflate EchoDeflate
	// DisableHTTP2 makes the server speak HTTP/1.1 only: a connection
	// opening with the HTTP/2 preface gets the RFC 6455 handshake's 400.
	DisableHTTP2 bool
	// H2WithoutConnectProtocol makes the server speak HTTP/2 without
	// advertising SETTINGS_ENABLE_CONNECT_PROTOCOL (RFC 8441 §3), as a
	// server without WebSockets over HTTP/2 does; it then refuses
	// extended CONNECTs.
	H2WithoutConnectProtocol bool
	// Faults disables single checks, for tests only.
	Faults Faults
}

// EchoDeflate is a way to compress echoes. Each is valid DEFLATE (RFC
// 7692 §7.2.1 names no method; §7.2.3.3 shows a stored block).
type EchoDeflate uint8

const (
	// EchoLZ77: LZ77 back-references and Huffman codes (flate.BestSpeed),
	// what clients meet in the wild. The default.
	EchoLZ77 EchoDeflate = iota
	// EchoHuffmanOnly: Huffman codes only (flate.HuffmanOnly), cheaper to
	// make but slower to inflate than LZ77 output.
	EchoHuffmanOnly
	// EchoStored: stored blocks (flate.NoCompression), the octets as they
	// are: echoes are still inflated and compared by the client, but cost
	// neither end a compression pass (a third of the CPU of sections 12 and
	// 13 otherwise). See Embedded.
	EchoStored
)

// Embedded is the configuration of the reference server `wsconform run`
// starts when given no target: the strict defaults, with stored echoes.
// The client's messages are still compressed with LZ77 and inflated and
// judged by the server, so its receiving side is certified in full.
func Embedded() Config { return Config{EchoDeflate: EchoStored} }

// Faults turns the strict server into a subtly broken one, one check at a
// time, so that a test can show which conformance cases catch which bug.
// Never set them outside tests.
type Faults struct {
	SkipUTF8Validation        bool // text and close reasons are not checked (catches: 6.3-6.23, 7.5.1)
	NoFailFastUTF8            bool // text is checked only once the message is complete (6.4.x turn NON-STRICT)
	SkipCloseCodeValidation   bool // any close code, and a 1-octet close body, is accepted (7.3.2, 7.9.x)
	AcceptReservedOpcodes     bool // frames with opcodes 3-7 and 11-15 are skipped, not failed (4.x)
	AcceptRSV                 bool // RSV bits without an extension are ignored (3.x)
	SkipMaskCheck             bool // unmasked client frames are accepted (§5.1)
	IgnorePing                bool // pings get no pong (2.x)
	AllowControlFragmentation bool // control frames without FIN are accepted (5.1, 5.2)
	AcceptLongControl         bool // control frames over 125 octets are accepted (2.5)
	AcceptNonMinimalLength    bool // a length field wider than needed is accepted (§5.2)
	SkipFragmentationCheck    bool // stray continuations / data frames inside a message are dropped (5.x)
	DeflateKeepContext        bool // server_no_context_takeover is agreed but not honoured (13.2, 13.5-13.7, 17.2.1)
	// Section 17 and 18's planted bugs.
	DeflateResetInflate        bool // the client's messages are inflated from an empty window, though it kept its context (17.2.2)
	DeflateIgnoreWindow        bool // server_max_window_bits is agreed but the server compresses with its full window (17.3.x)
	DeflateAcceptInvalidOffers bool // an offer that must be declined is accepted as a plain permessage-deflate (17.1.x)
	DeflateUnaskedClientBits   bool // client_max_window_bits=15 is answered to offers that did not carry it (§7.1.2.2)
	AcceptRSV1Continuation     bool // RSV1 on a continuation frame is ignored (17.4.1)
	AcceptRSV1Control          bool // RSV1 on a control frame is ignored (17.4.2-3)
	LimitFramesOnly            bool // MaxMessageSize bounds each frame, not the reassembled message (18.2.2-3)
	InflateUnlimited           bool // inflated messages are not bounded (17.5.1, 18.2.4)
	HandshakeDeadlinePerRead   bool // the handshake timeout restarts with every octet read (18.3.2)
	// Section 20's planted bug.
	H2AcceptMalformed bool // extended CONNECTs RFC 8441 / RFC 9113 make malformed are accepted (20.2.x)
	H2WithholdWindow  bool // no WINDOW_UPDATE for streams: a message past the initial window stalls (20.4.1)
	H2ResetOnClose    bool // a WebSocket's stream ends with RST_STREAM instead of END_STREAM (20.3.1)
}

// waived reports whether a fault switches off the rule a violation names.
func (f Faults) waived(rule string) bool {
	switch rule {
	case frame.RuleRSVWithoutExtension:
		return f.AcceptRSV
	case frame.RuleReservedOpcode:
		return f.AcceptReservedOpcodes
	case frame.RuleClientFrameUnmasked:
		return f.SkipMaskCheck
	case frame.RuleControlFragmented:
		return f.AllowControlFragmentation
	case frame.RuleControlTooLong:
		return f.AcceptLongControl
	case frame.RuleLengthNotMinimal:
		return f.AcceptNonMinimalLength
	case frame.RuleContinuationNoStart, frame.RuleDataInsideFragmented:
		return f.SkipFragmentationCheck
	case frame.RuleCloseOneOctet, frame.RuleCloseCodeInvalid:
		return f.SkipCloseCodeValidation
	case frame.RuleCloseReasonUTF8, frame.RuleTextInvalidUTF8:
		return f.SkipUTF8Validation
	case frame.RuleCompressedContinued:
		return f.AcceptRSV1Continuation
	case frame.RuleCompressedControl:
		return f.AcceptRSV1Control
	}
	return false
}

func (c Config) withDefaults() Config {
	if c.MaxMessageSize <= 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.HandshakeTimeout <= 0 {
		c.HandshakeTimeout = DefaultHandshakeTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.CloseTimeout <= 0 {
		c.CloseTimeout = DefaultCloseTimeout
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}
