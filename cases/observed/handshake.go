package observed

import (
	"time"

	"github.com/wsconform/wsconform/reference/handshake"
)

// Handshake is the opening handshake as it happened.
type Handshake struct {
	Request  string `json:"request"`
	Response string `json:"response,omitempty"`
	Status   int    `json:"status,omitempty"`
	// TimedOut: no response head came before our handshake timeout, with
	// the connection still open (Autobahn's wasOpenHandshakeTimeout).
	TimedOut   bool                  `json:"timed_out,omitempty"`
	Violations []handshake.Violation `json:"violations,omitempty"`
	Duration   time.Duration         `json:"duration_ns"`
	// Sent and Answer are the request sent and the response read, parsed
	// (Answer is nil if none came); the report shows Request and Response.
	Sent   *handshake.Request  `json:"-"`
	Answer *handshake.Response `json:"-"`
}
