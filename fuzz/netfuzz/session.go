package netfuzz

import (
	"slices"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Session is one unit of fuzzing: an opening-handshake request and the
// frames sent once the target accepts it, all as data. The corpus holds
// sessions; mutations change them; a finding's reproducer is one.
type Session struct {
	Request *handshake.Request
	Steps   []Step
	// Origin says where the session came from: the catalogue case it was
	// seeded from, and how many mutations away it is.
	Origin string
}

// Step is one frame the fuzzer sends (or raw octets), and how its octets
// are cut on the wire.
type Step struct {
	// Frame is sent masked with its own key when Header.Masked, else bare;
	// its length field may lie (LengthOverride). A compressed message's
	// payload is already deflated here (RSV1 set on its first frame).
	Frame frame.Frame
	Raw   []byte // octets sent instead of Frame when set
	Chop  int    // octets per write; 0 writes the step at once
	Note  string // what the step meant, for people reading a reproducer
}

// Limits that keep every session, and so every reproducer, small: a
// mutation that would pass them is undone (a flood of pings once made
// reproducers of 120 MB).
const (
	MaxSteps        = 64
	MaxSessionBytes = 1 << 20 // request and frames as sent
	maxHeaderBlock  = 96 << 10
)

func (s Session) clone() Session {
	c := Session{Origin: s.Origin, Steps: slices.Clone(s.Steps)}
	if s.Request != nil {
		c.Request = s.Request.Clone()
	}
	for i := range c.Steps {
		c.Steps[i].Frame.Payload = slices.Clone(c.Steps[i].Frame.Payload)
		c.Steps[i].Raw = slices.Clone(c.Steps[i].Raw)
		if lo := c.Steps[i].Frame.LengthOverride; lo != nil {
			v := *lo
			c.Steps[i].Frame.LengthOverride = &v
		}
	}
	return c
}

// bytes is the step as it goes on the wire.
func (s Step) bytes() []byte {
	if s.Raw != nil {
		return s.Raw
	}
	return s.Frame.Bytes()
}

// Work a conforming server may take longer for: slackPerMiB for every MiB
// it has to read, or inflate (and, an echo server, send back).
const (
	slackPerMiB = 250 * time.Millisecond
	// deflateBestRatio is about the most one octet of DEFLATE data
	// inflates to (a run of 258 octets in under two bits).
	deflateBestRatio = 1032
)

// slack is how much longer than the deadline a conforming server may take
// to answer s: a decompression bomb of 80 MiB is a lot of honest work.
func (s Session) slack() time.Duration { return time.Duration(s.work()>>20) * slackPerMiB }

// work is the octets the target may have to handle for s: those sent, and
// at most what its compressed frames inflate to.
func (s Session) work() int64 {
	work := int64(s.Size())
	for _, st := range s.Steps {
		if st.Raw == nil && st.Frame.Rsv&frame.RSV1 != 0 {
			work += deflateBestRatio * int64(len(st.Frame.Payload))
		}
	}
	return work
}

// cost estimates what running s costs, in octets handled: its work, plus
// the compression contexts both ends set up when it offers deflate.
func (s Session) cost() int64 {
	c := s.work()
	if s.offersDeflate() {
		c += 256 << 10
	}
	return c
}

// withClose is s followed by a normal close frame (masked with a fixed
// key: the session stays a function of its data).
func (s Session) withClose() Session {
	f := frame.New(frame.OpClose, frame.ClosePayload(frame.CloseNormal, "")).Masked([4]byte{0x5a, 0xa5, 0x3c, 0xc3})
	s.Steps = append(slices.Clip(s.Steps), Step{Frame: f, Note: "closing handshake"})
	return s
}

// size is len(bytes()) without building them.
func (s Step) size() int {
	if s.Raw != nil {
		return len(s.Raw)
	}
	return frameSize(s.Frame)
}

// wire is the octets sent after the opening handshake.
func (s Session) wire() []byte {
	var b []byte
	for _, st := range s.Steps {
		if st.Raw != nil {
			b = append(b, st.Raw...)
		} else {
			b = st.Frame.Append(b)
		}
	}
	return b
}

// Size is the session's octets on the wire: request and frames.
func (s Session) Size() int {
	n := 0
	if s.Request != nil {
		n = len(s.Request.Bytes())
	}
	for _, st := range s.Steps {
		n += st.size()
	}
	return n
}

func frameSize(f frame.Frame) int {
	length := uint64(len(f.Payload))
	if f.LengthOverride != nil {
		length = *f.LengthOverride
	}
	enc := f.Encoding
	if enc == frame.LengthMinimal {
		enc = frame.MinimalLengthEncoding(length)
	}
	n := 2 + len(f.Payload)
	switch enc {
	case frame.Length16:
		n += 2
	case frame.Length64:
		n += 8
	}
	if f.Header.Masked {
		n += 4
	}
	return n
}

// withinLimits reports whether s may join the corpus or be sent.
func (s Session) withinLimits() bool {
	if len(s.Steps) > MaxSteps || s.Size() > MaxSessionBytes {
		return false
	}
	return s.Request == nil || len(s.Request.Bytes()) <= maxHeaderBlock
}

// offers are the permessage-deflate offers in the request, as far as they
// parse: the probe sets up its codec when the target accepts one.
func (s Session) offers() []deflate.Params {
	if s.Request == nil {
		return nil
	}
	var out []deflate.Params
	for _, v := range s.Request.Values("Sec-WebSocket-Extensions") {
		exts, err := handshake.ParseExtensions(v)
		if err != nil {
			continue
		}
		offers, _ := deflate.Offers(exts)
		out = append(out, offers...)
	}
	return out
}

// offersDeflate reports whether the request mentions permessage-deflate at
// all (well-formed or not).
func (s Session) offersDeflate() bool {
	if s.Request == nil {
		return false
	}
	for _, v := range s.Request.Values("Sec-WebSocket-Extensions") {
		if strings.Contains(strings.ToLower(v), "permessage-deflate") {
			return true
		}
	}
	return false
}
