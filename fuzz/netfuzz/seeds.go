package netfuzz

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Seeding bounds: the fuzzer does not need section 9's megabytes to start
// from a case, only its shape.
const (
	seedMaxBulk     = 64 << 10 // octets of one generated (Bulk) message
	seedMaxMessages = 3        // compressed messages of a compression plan
	seedMaxPlanSize = 1 << 10  // octets per compressed message
)

// Seeds turns catalogue cases into starting sessions: a scripted case's
// steps become frames (pauses and waits dropped, generated messages cut to
// seedMaxBulk), a compression plan becomes its offers plus a few
// compressed messages, and a handshake case becomes its request. base is
// the valid request for the target the sessions will be sent to. Cases
// that test clients (section 16) have no traffic for a server and give
// none.
func Seeds(cs []*cases.Case, base *handshake.Request) []Session {
	var out []Session
	for i, c := range cs {
		if !forServers(c) {
			continue
		}
		rng := rand.New(rand.NewPCG(uint64(i), 0x5eed))
		s := Session{Request: base.Clone(), Origin: "case " + c.ID}
		switch {
		case c.Handshake != nil:
			s.Request = c.Handshake.Request(base, handshake.NewKey)
			if c.Handshake.Pipelined || c.Handshake.Accept.Session != nil {
				s.Steps = append(s.Steps, maskedStep(rng, frame.New(frame.OpText, []byte("Hello, world")), "echo"))
			}
			s.Steps = append(s.Steps, closeStep(rng, frame.ClosePayload(frame.CloseNormal, "")))
		case c.Compression != nil:
			s.Request.Set("Sec-WebSocket-Extensions", offerHeader(c.Compression.Offers))
			s.Steps = compressedSteps(rng, c.Compression)
		case c.Resource != nil:
			s.Steps = resourceSteps(rng, c.Resource)
			if c.Resource.Compressed || c.Resource.Kind == cases.InflateBomb {
				s.Request.Set("Sec-WebSocket-Extensions", "permessage-deflate")
			}
		case c.Deflate != nil:
			s.Request.Set("Sec-WebSocket-Extensions", offerHeader(c.Deflate.Offers))
			s.Steps = scriptSteps(rng, c.Steps)
		default:
			s.Steps = scriptSteps(rng, c.Steps)
		}
		if s.withinLimits() && (len(s.Steps) > 0 || c.Handshake != nil) {
			out = append(out, s)
		}
	}
	return out
}

// forServers reports whether c sends traffic to a server on its own
// (section 16's client rules and browser API checks do not, section 19
// runs only through an intermediary in front of an origin of ours, and
// section 20 speaks HTTP/2, not the HTTP/1.1 sessions fuzzed here).
func forServers(c *cases.Case) bool {
	return c.ClientRule == nil && c.API == nil && c.Intermediary == nil && c.H2 == nil
}

func offerHeader(offers []deflate.Params) string {
	exts := make([]handshake.Extension, len(offers))
	for i, o := range offers {
		exts[i] = o.Extension()
	}
	return handshake.FormatExtensions(exts)
}

func scriptSteps(rng *rand.Rand, steps []cases.Step) []Step {
	var out []Step
	for _, st := range steps {
		switch {
		case st.Raw != nil:
			out = append(out, Step{Raw: bytes.Clone(st.Raw), Chop: st.Chop, Note: "raw octets"})
		case st.Close != nil:
			out = append(out, closeStep(rng, st.Close))
		case st.Frame != nil:
			f := *st.Frame
			f.Payload = bytes.Clone(f.Payload)
			s := Step{Frame: f, Chop: st.Chop}
			if !st.Unmasked {
				s.Frame = f.Masked(maskKey(rng))
			}
			out = append(out, s)
		case st.Message != nil:
			out = append(out, bulkSteps(rng, st.Message, st.Chop)...)
		}
		if len(out) > MaxSteps {
			return out[:MaxSteps]
		}
	}
	return out
}

func bulkSteps(rng *rand.Rand, b *cases.Bulk, chop int) []Step {
	size := min(b.Size, seedMaxBulk)
	msg := bytes.Repeat(b.Pattern, size/max(1, len(b.Pattern))+1)[:size]
	frag := b.Fragment
	if frag <= 0 || frag > size {
		frag = max(size, 1)
	}
	frag = max(frag, size/MaxSteps+1)
	return fragments(rng, b.Opcode, msg, frag, false, chop, fmt.Sprintf("%d-octet message in frames of %d", size, frag))
}

// fragments sends msg as a message of frames of at most frag octets
// (RSV1 on the first when compressed).
func fragments(rng *rand.Rand, op frame.Opcode, msg []byte, frag int, compressed bool, chop int, note string) []Step {
	var out []Step
	for off := 0; off == 0 || off < len(msg); off += frag {
		end := min(len(msg), off+frag)
		f := frame.New(frame.OpContinuation, bytes.Clone(msg[off:end]))
		if off == 0 {
			f.Opcode = op
			if compressed {
				f.Rsv = frame.RSV1
			}
		}
		f.Fin = end == len(msg)
		out = append(out, Step{Frame: f.Masked(maskKey(rng)), Chop: chop, Note: note})
		note = ""
		if frag == 0 {
			break
		}
	}
	return out
}

func compressedSteps(rng *rand.Rand, p *cases.CompressionPlan) []Step {
	var out []Step
	size := min(p.Size, seedMaxPlanSize)
	for i := range min(p.Count, seedMaxMessages) {
		msg := []byte(textOf(rng, size))
		op := frame.OpText
		if i%2 == 1 {
			op, msg = frame.OpBinary, randomBytes(rng, size)
		}
		payload := compress(msg)
		frag := p.Fragment
		if frag <= 0 {
			frag = len(payload) + 1
		}
		out = append(out, fragments(rng, op, payload, frag, true, 0, fmt.Sprintf("compressed %d-octet message", len(msg)))...)
	}
	return append(out, closeStep(rng, frame.ClosePayload(frame.CloseNormal, "")))
}

// resourceSteps starts a resource-limit case's session (section 18): the
// header that announces more than follows, or one message of the kind the
// case sends, scaled down; mutation grows lengths and bombs from there.
func resourceSteps(rng *rand.Rand, p *cases.ResourcePlan) []Step {
	switch {
	case p.Kind == cases.AnnounceLength:
		f := frame.New(frame.OpBinary, bytes.Repeat([]byte{'*'}, p.Follow))
		announced := p.Announce
		f.LengthOverride = &announced
		return []Step{maskedStep(rng, f, fmt.Sprintf("header announcing %d octets, %d follow", p.Announce, p.Follow))}
	case p.Kind == cases.InflateBomb || p.Compressed:
		return append(fragments(rng, frame.OpBinary, bomb(1), len(bomb(1))+1, true, 0, "compressed 1 MiB of zeros"),
			closeStep(rng, frame.ClosePayload(frame.CloseNormal, "")))
	default:
		msg := randomBytes(rng, seedMaxBulk)
		frag := p.Fragment
		if frag <= 0 {
			frag = len(msg)/2 + 1
		}
		frag = max(frag, len(msg)/MaxSteps+1)
		return append(fragments(rng, frame.OpBinary, msg, frag, false, 0, fmt.Sprintf("%d-octet message in frames of %d", len(msg), frag)),
			closeStep(rng, frame.ClosePayload(frame.CloseNormal, "")))
	}
}

func closeStep(rng *rand.Rand, payload []byte) Step {
	return maskedStep(rng, frame.New(frame.OpClose, bytes.Clone(payload)), "close")
}

func maskedStep(rng *rand.Rand, f frame.Frame, note string) Step {
	return Step{Frame: f.Masked(maskKey(rng)), Note: note}
}

func maskKey(rng *rand.Rand) [4]byte {
	k := rng.Uint32()
	return [4]byte{byte(k), byte(k >> 8), byte(k >> 16), byte(k >> 24)}
}

// compress deflates msg on its own (RFC 7692 §7.2.1, no context): such a
// message inflates the same whatever context takeover was agreed, so a
// session stays valid whatever the target negotiates and however it is
// cut and reordered.
func compress(msg []byte) []byte {
	c := compressors.Get().(*deflate.Compressor)
	defer compressors.Put(c)
	out, err := c.Compress(nil, msg)
	if err != nil {
		panic(err) // writing to memory cannot fail
	}
	return out
}

// compressors are reused: setting one up costs more than compressing a
// seed's message, and without context takeover each message starts afresh.
var compressors = sync.Pool{New: func() any {
	c, err := deflate.NewCompressor(6, true)
	if err != nil {
		panic(err) // level 6 is valid
	}
	return c
}}

// bomb is a compressed message of mib MiB of zeros: one MiB compressed on
// its own and sync-flushed is a self-contained run of blocks, so repeating
// it makes the stream for any size without deflating it all.
func bomb(mib int) []byte {
	block := bombBlock()
	out := make([]byte, 0, mib*(len(block)+4))
	for i := range mib {
		out = append(out, block...)
		if i+1 < mib {
			out = append(out, 0, 0, 0xff, 0xff) // the sync flush RFC 7692 strips from a message's end
		}
	}
	return out
}

var bombBlock = sync.OnceValue(func() []byte { return compress(make([]byte, 1<<20)) })
