package cases

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

// RFC 7692 clauses the compression cases test.
const (
	rfcPMDBits       = "RFC 7692 §6"
	rfcPMDCompress   = "RFC 7692 §7.2.1"
	rfcPMDDecompress = "RFC 7692 §7.2.2"
)

// compressionMessages is how many messages each compression case sends.
const compressionMessages = 1000

// CompressionPlan is a permessage-deflate case (sections 12 and 13) as
// data: offer Offers; if the target accepts one, send Count messages cut
// from the payload document Size characters (text) or octets (binary) at a
// time, from its start to its end (the last one wrapping to its start),
// then again from its start (see Walk), compressed with RSV1 on the first frame,
// the compressed octets split into frames of Fragment octets, strictly one
// at a time (the next only after the previous echo). Every echo must equal
// its message, all within the case's timer.
type CompressionPlan struct {
	Offers   []deflate.Params // in order of preference (RFC 7692 §5.1)
	Payload  payloadKind      // the document messages are sliced from
	Size     int              // characters (text) or octets (binary) per message
	Fragment int              // octets per frame of the compressed payload; 0: one frame
	Count    int              // messages sent
	// Declined is the verdict when the target accepts no offer:
	// UNIMPLEMENTED, as RFC 7692 is optional.
	Declined Verdict
	// CheckReach has every back-reference of the target's messages checked
	// against what it agreed (deflate.CheckReach): its server_max_window_bits
	// window, and no reference into earlier messages after
	// server_no_context_takeover. Section 17 only: it decodes every message
	// twice.
	CheckReach bool
}

// compressionVariant is one of the 18 size/fragmentation variants every
// subsection of 12 and 13 runs (Autobahn's x.y.1 to x.y.18).
type compressionVariant struct {
	size     int           // characters (text) or octets (binary) per message
	fragment int           // octets per frame of the compressed payload; 0: one frame
	deadline time.Duration // Autobahn's timer: all echoes must be in by then
}

func compressionVariants() []compressionVariant {
	deadline := func(size int) time.Duration {
		switch {
		case size <= 64:
			return 60 * time.Second
		case size <= 256:
			return 120 * time.Second
		case size <= kib:
			return 240 * time.Second
		}
		return 480 * time.Second
	}
	var vs []compressionVariant
	for _, size := range []int{16, 64, 256, kib, 4 * kib, 8 * kib, 16 * kib, 32 * kib, 64 * kib, 128 * kib} {
		vs = append(vs, compressionVariant{size, 0, deadline(size)})
	}
	for _, size := range []int{8 * kib, 16 * kib, 32 * kib, 64 * kib, 128 * kib} {
		vs = append(vs, compressionVariant{size, 256, deadline(size)})
	}
	for _, fragment := range []int{kib, 4 * kib, 32 * kib} {
		vs = append(vs, compressionVariant{128 * kib, fragment, deadline(128 * kib)})
	}
	return vs
}

// compressionCase builds the case that runs plan p within the variant's
// deadline; subsection introduces the description and departure, if any,
// says where the case is stricter than Autobahn.
func compressionCase(id string, k payloadKind, offers []deflate.Params, v compressionVariant, subsection, departure string) *Case {
	p := &CompressionPlan{Offers: offers, Payload: k, Size: v.size, Fragment: v.fragment, Count: compressionMessages, Declined: Unimplemented}
	typ, unit := "binary", "octets"
	if k.text {
		typ, unit = "text", "characters"
	}
	framing := "one frame each"
	if v.fragment > 0 {
		framing = fmt.Sprintf("the compressed payload split into frames of %d octets", v.fragment)
	}
	title := fmt.Sprintf("%d compressed %s messages of %d %s, %s", p.Count, typ, v.size, unit, strings.TrimPrefix(framing, "the compressed payload "))
	desc := fmt.Sprintf("%s. Offers %s. If the target accepts, sends %d %s messages of %d %s cut in order from %s (%d octets): from its start to its end (the last one wrapping to its start), then again from its start, "+
		"compressed (RSV1 on the first frame), %s, the next only after the previous echo. "+
		"OK when every echo has the right type, length and content and all arrive within %v (Autobahn's deadline); a target that declines permessage-deflate is UNIMPLEMENTED (RFC 7692 is optional). "+
		"An acceptance that answers none of the offers as RFC 7692 §7.1 requires is FAILED at the opening handshake, as the client must fail the connection (§7.1); Autobahn's client runs the messages whatever the answer. "+
		"The duration and both compression ratios are reported. Autobahn sends its %s here; its files are not shipped, so the octets differ (sizes and kinds match). "+
		"Departure from Autobahn: its client cuts on through the file without starting over, so its messages almost never repeat; starting over at the document's end repeats them, "+
		"which lets our side compress each distinct message once when it compresses every message on its own (client_no_context_takeover agreed), while the target still inflates, checks and echoes all %d.",
		subsection, offersText(offers), p.Count, typ, v.size, unit, k.standIn, k.size, framing, v.deadline, k.name, p.Count)
	if k.text {
		desc += " Slices are cut in characters and UTF-8-encoded, so a message may be longer than its size in octets."
	}
	if departure != "" {
		desc += " " + departure
	}
	return &Case{
		ID: id, Title: title, Description: desc,
		Clauses:     []string{rfcPMDNegotiation, rfcPMDBits, rfcPMDCompress, rfcPMDDecompress},
		Level:       Must,
		Timer:       closeAfter(v.deadline),
		Close:       normalClose,
		Compression: p,
		Labels:      []string{"compression", "performance", "permessage-deflate", "autobahn"},
	}
}

func offersText(offers []deflate.Params) string {
	parts := make([]string, len(offers))
	for i, o := range offers {
		parts[i] = fmt.Sprintf("%q", o.String())
	}
	return strings.Join(parts, ", then ")
}

// binary reports whether the plan's messages are binary.
func (p *CompressionPlan) binary() bool { return !p.Payload.text }

// Messages yields the plan's Count messages in order (0-based), each as
// the octets to compress and send (read-only): message i is
// Walk()[i%len(Walk())].
func (p *CompressionPlan) Messages() iter.Seq2[int, []byte] {
	return func(yield func(int, []byte) bool) {
		walk := p.Walk()
		for i := range p.Count {
			if !yield(i, walk[i%len(walk)]) {
				return
			}
		}
	}
}

// Walk is the plan's distinct messages, at most Count of them: the
// document cut from its start into messages of Size characters (text) or
// octets, the last one wrapping to the document's start when the size does
// not divide it. The plan sends them in order and then again, so a
// message's octets repeat every len(Walk()) messages (and a sender that
// compresses each message on its own compresses each once). The messages
// share the document's octets (one that wraps is a copy): read-only.
func (p *CompressionPlan) Walk() [][]byte {
	data := p.Payload.data()
	var walk [][]byte
	for pos := 0; pos < len(data) && len(walk) < p.Count; {
		var msg []byte
		msg, pos = p.slice(data, pos)
		walk = append(walk, msg)
	}
	return walk
}

// Frames splits one compressed message of the plan into the frames to send.
func (p *CompressionPlan) Frames(compressed []byte) []frame.Frame {
	op := frame.OpBinary
	if !p.binary() {
		op = frame.OpText
	}
	return compressedFrames(op, compressed, p.Fragment)
}

// EchoMismatch says how echo e of message msg differs from it ("" if it
// does not).
func (p *CompressionPlan) EchoMismatch(e observed.Event, msg []byte) string {
	return echoMismatch(e, p.binary(), msg)
}

// expected renders the plan's acceptable outcomes for reports.
func (p *CompressionPlan) expected() []ExpectedOutcome {
	return []ExpectedOutcome{
		{Verdict: OK, Events: []string{fmt.Sprintf("permessage-deflate accepted as one of the offers allows (RFC 7692 §7.1), then %d compressed echoes, each equal to the message sent", p.Count)}},
		{Verdict: p.Declined, Events: []string{"permessage-deflate declined in the opening handshake"}},
	}
}

// slice cuts the message at pos: Size characters (text) or octets of
// data, wrapping to its start at its end. A message that fits is a
// sub-slice of data (capacity capped), one that wraps a copy. It returns
// the position after the message, or len(data) if it reached the end.
func (p *CompressionPlan) slice(data []byte, pos int) ([]byte, int) {
	end, n := p.advance(data, pos, p.Size)
	if n == p.Size {
		return data[pos:end:end], end
	}
	msg := append([]byte(nil), data[pos:end]...)
	for need := p.Size - n; need > 0; need -= n {
		end, n = p.advance(data, 0, need)
		msg = append(msg, data[:end]...)
	}
	return msg, len(data)
}

// advance is the position n characters (text) or octets after pos, or the
// end of data if that comes first, and how many it passed.
func (p *CompressionPlan) advance(data []byte, pos, n int) (int, int) {
	if !p.Payload.text {
		end := min(len(data), pos+n)
		return end, end - pos
	}
	passed := 0
	for passed < n && pos < len(data) {
		// A run of ASCII octets is as many characters: passed in bulk.
		if run := asciiRun(data[pos:min(len(data), pos+n-passed)]); run > 0 {
			pos, passed = pos+run, passed+run
			continue
		}
		_, w := utf8.DecodeRune(data[pos:])
		pos, passed = pos+w, passed+1
	}
	return pos, passed
}

// asciiRun is the length of p's leading run of ASCII octets, found eight
// octets at a time.
func asciiRun(p []byte) int {
	n := 0
	for ; n+8 <= len(p); n += 8 {
		if binary.LittleEndian.Uint64(p[n:])&0x8080808080808080 != 0 {
			break
		}
	}
	for n < len(p) && p[n] < utf8.RuneSelf {
		n++
	}
	return n
}

// compressedFrames splits a compressed message into its frames: RSV1 on
// the first only (RFC 7692 §6), cut as Autobahn's auto-fragmentation cuts.
func compressedFrames(op frame.Opcode, z []byte, fragment int) []frame.Frame {
	if fragment <= 0 {
		fragment = len(z)
	}
	pieces := autobahnFragments(z, fragment)
	out := make([]frame.Frame, len(pieces))
	for i, piece := range pieces {
		f := frame.New(op, piece)
		if i == 0 {
			f.Rsv = frame.RSV1
		} else {
			f.Opcode = frame.OpContinuation
		}
		f.Fin = i == len(pieces)-1
		out[i] = f
	}
	return out
}

// Judging: pure functions of what a run observed.

// answerVerdict is how the target answered the offers.
type answerVerdict struct {
	agreed  *deflate.Params // the accepted parameters (nil: declined or invalid)
	invalid *deflate.Error  // why the acceptance answers no offer (nil: valid or declined)
	reason  string          // one sentence, for an invalid answer
}

// judgeAnswer reads the target's Sec-WebSocket-Extensions values as an
// answer to offers (RFC 7692 §7.1): declined, accepted, or an acceptance a
// client must fail the connection over.
func judgeAnswer(offers []deflate.Params, values []string) answerVerdict {
	agreed, err := deflate.Agreement(offers, values)
	if err == nil {
		return answerVerdict{agreed: agreed}
	}
	v := answerVerdict{invalid: &deflate.Error{Rule: "pmd-invalid-response", Section: "RFC 7692 §7.1", Detail: err.Error()}}
	why := strings.ReplaceAll(err.Error(), "\n", "; ")
	if errors.As(err, &v.invalid) {
		why = requirement(v.invalid)
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok && len(offers) > 1 {
		var parts []string
		for i, e := range joined.Unwrap() {
			var de *deflate.Error
			if errors.As(e, &de) {
				parts = append(parts, fmt.Sprintf("for offer %d, %s", i+1, requirement(de)))
			}
		}
		if len(parts) == len(offers) {
			why = strings.Join(parts, "; ")
		}
	}
	v.reason = fmt.Sprintf("We offered %s; the target accepted with %q, which answers no offer: %s, and a client must then fail the connection (RFC 7692 §7.1)",
		offersText(offers), strings.Join(values, ", "), why)
	return v
}

// requirement is the RFC's requirement a response breaks, in words.
func requirement(e *deflate.Error) string {
	switch e.Rule {
	case "pmd-response-server-no-context-takeover-missing":
		return "a server that accepts an offer carrying server_no_context_takeover must echo it (" + e.Section + ")"
	case "pmd-response-server-max-window-bits-missing", "pmd-response-server-max-window-bits-too-large":
		return "a server that accepts an offer carrying server_max_window_bits must answer it with the same or a smaller value (" + e.Section + ")"
	case "pmd-response-client-max-window-bits-not-offered":
		return "a response must not carry client_max_window_bits unless the offer did (" + e.Section + ")"
	case "pmd-response-client-max-window-bits-no-value", "pmd-response-client-max-window-bits-too-large":
		return "client_max_window_bits in a response must have a value no larger than the offered one (" + e.Section + ")"
	}
	return e.Detail + " (" + e.Section + ")"
}

// echoMismatch says how echo e differs from the message sent ("" if not).
func echoMismatch(e observed.Event, binary bool, want []byte) string {
	switch {
	case e.Kind != observed.Message:
		return fmt.Sprintf("got %s, want a message", e.String())
	case e.Binary != binary:
		return fmt.Sprintf("got %s, want binary=%t", e.String(), binary)
	case e.PayloadLen() != len(want):
		return fmt.Sprintf("%d octets, want %d", e.PayloadLen(), len(want))
	case e.Digest != nil:
		if !e.SamePayload(want) {
			return "content differs from the message sent (SHA-256)"
		}
	case !bytes.Equal(e.Payload, want):
		i := 0
		for e.Payload[i] == want[i] {
			i++
		}
		return fmt.Sprintf("content differs from the message sent at octet %d", i)
	}
	return ""
}

// CompressionRun is what running a plan observed once the connection was
// open.
type CompressionRun struct {
	Agreed   *deflate.Params // nil: the target declined every offer
	Echoed   int             // echoes that matched, in order
	Failure  string          // what ended the exchange before every echo matched ("" if none)
	Mismatch bool            // an echo came back that does not equal its message
	Deadline time.Duration   // the deadline the echoes had (scaled)
	Took     time.Duration   // first message to last echo
	Stats    observed.DeflateStats
	Close    observed.CloseState
}

// JudgeCompression sets both verdicts of a compression case from what its
// run observed.
func JudgeCompression(r *Result, c *Case, run CompressionRun) {
	p := c.Compression
	st := run.Close
	r.Close = &st
	judge(r, c, nil, st)
	broke := ""
	if st.FailedOn != "" {
		broke = ", and " + st.Peer() + " broke " + st.FailedOn + " so we failed the connection"
	}
	r.ReasonIsClose = false // the echoes decide the main verdict
	switch {
	case run.Agreed == nil:
		r.Behavior = p.Declined
		r.Reason = "We offered " + offersText(p.Offers) + "; the target declined permessage-deflate, which RFC 7692 allows (the extension is optional), so the case does not apply"
		if st.IsServer {
			r.Reason = "The client offered no permessage-deflate this case can accept (" + clientAcceptText(c) + "); RFC 7692 is optional, so the case does not apply"
		}
	case run.Failure != "" || run.Echoed < p.Count:
		what := run.Failure
		if what == "" {
			what = fmt.Sprintf("%d of %d echoes matched", run.Echoed, p.Count)
		}
		r.Behavior = Failed
		r.Reason = sentence(weSent(c) + what + broke + "; an echo server must send every message back as it was sent, and a compressed one must inflate to it (RFC 7692 §7.2.2)")
	default:
		r.Behavior = OK
		r.Reason = sentence(fmt.Sprintf("%sall %d echoes came back equal to the messages within %v%s, as RFC 7692 §7.2 requires", weSent(c), p.Count, run.Deadline, broke))
	}
	if run.Agreed != nil {
		r.Observed = append(r.Observed, fmt.Sprintf("permessage-deflate accepted: %s", run.Agreed),
			fmt.Sprintf("%d of %d echoes matched", run.Echoed, p.Count))
		r.Perf = compressionStats(run.Stats, run.Echoed, run.Took)
		if run.Took > 0 {
			r.Duration = run.Took
		}
	}
	judgeDataAfterClose(r, c, st)
	nameCompressionRule(r, c, run)
}

// JudgeRefusedDeflateAnswer fills r for a connection the probe refused
// over the target's answer to the offers; false if the answer is not why.
func JudgeRefusedDeflateAnswer(r *Result, c *Case, hs *observed.Handshake) bool {
	if hs == nil || len(hs.Violations) > 0 {
		return false
	}
	resp := hs.Answer
	// 101 over HTTP/1.1; 2xx answers an extended CONNECT (RFC 8441 §5).
	if resp == nil || resp.Status != 101 && (resp.Proto != "HTTP/2" || resp.Status/100 != 2) {
		return false
	}
	v := judgeAnswer(c.DeflateOffers(), resp.Values("Sec-WebSocket-Extensions"))
	if v.invalid == nil {
		return false
	}
	r.Behavior, r.BehaviorClose = Failed, CloseFailed
	r.Reason = v.reason
	r.CloseReason = "the opening handshake did not complete: we failed the connection over the target's permessage-deflate answer"
	r.Rule, r.RuleSection = v.invalid.Rule, v.invalid.Section
	return true
}

// DeflateOffers are the permessage-deflate offers the case makes before
// anything else (nil: none).
func (c *Case) DeflateOffers() []deflate.Params {
	switch {
	case c.Compression != nil:
		return c.Compression.Offers
	case c.Deflate != nil:
		return c.Deflate.Offers
	case c.Resource != nil && c.Resource.Compressed:
		return []deflate.Params{{}}
	}
	return nil
}

// JudgeDeflateDeclined fills r for a case whose offers the target declined
// (RFC 7692 is optional): verdict, then the normal close we started.
func JudgeDeflateDeclined(r *Result, c *Case, verdict Verdict, st observed.CloseState) {
	r.Close = &st
	r.Behavior = verdict
	r.Reason = "We offered " + offersText(c.DeflateOffers()) + "; the target declined permessage-deflate, which RFC 7692 allows (the extension is optional), so the case does not apply"
	r.BehaviorClose, r.CloseReason = CloseOK, "nothing of the case was sent; we closed normally"
	if !st.HandshakeDone() {
		r.BehaviorClose, r.CloseReason = CloseInformational, "nothing of the case was sent; our normal close did not complete (recorded only)"
	}
}

func compressionStats(s observed.DeflateStats, echoed int, took time.Duration) *PerfStats {
	st := &PerfStats{Messages: echoed, OctetsSent: s.SentMessage, OctetsEchoed: s.ReceivedMessage}
	if took > 0 {
		st.ThroughputMBps = float64(s.ReceivedMessage) / took.Seconds() / 1e6
	}
	if s.ReceivedMessage > 0 {
		st.CompressionRatio = float64(s.ReceivedCompressed) / float64(s.ReceivedMessage)
	}
	if s.SentMessage > 0 {
		st.SentCompressionRatio = float64(s.SentCompressed) / float64(s.SentMessage)
	}
	return st
}

// clientAcceptText says what a client's offer needs for the case to accept
// it as the server.
func clientAcceptText(c *Case) string {
	if c.Clients == nil || len(c.Clients.Deflate) == 0 {
		return "none is accepted"
	}
	var parts []string
	for _, a := range c.Clients.Deflate {
		var need []string
		if a.ClientNoContextTakeover {
			need = append(need, "client_no_context_takeover")
		}
		if a.ClientMaxWindowBits != 0 {
			need = append(need, fmt.Sprintf("client_max_window_bits (we answer %d)", a.ClientMaxWindowBits))
		}
		if len(need) == 0 {
			parts = append(parts, "any permessage-deflate offer")
			continue
		}
		parts = append(parts, "an offer with "+strings.Join(need, " and "))
	}
	return "we accept " + strings.Join(parts, ", or ")
}
