package cases

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wsconform/wsconform/cases/probe"
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

// compressionPlan is one case of sections 12 and 13: offer
// permessage-deflate, then send count messages, each a consecutive slice
// of the document (wrapping), compressed, strictly one at a time, and
// check each echo.
type compressionPlan struct {
	offers  []deflate.Params
	kind    payloadKind
	variant compressionVariant
	count   int
}

// compressionCase builds the Case for a plan.
func compressionCase(id string, p compressionPlan, subsection string) *Case {
	v, k := p.variant, p.kind
	typ, unit := "binary", "octets"
	if k.text {
		typ, unit = "text", "characters"
	}
	framing := "one frame each"
	if v.fragment > 0 {
		framing = fmt.Sprintf("the compressed payload split into frames of %d octets", v.fragment)
	}
	title := fmt.Sprintf("%d compressed %s messages of %d %s, %s", p.count, typ, v.size, unit, strings.TrimPrefix(framing, "the compressed payload "))
	desc := fmt.Sprintf("%s. Offers %s. If the target accepts, sends %d %s messages, each the next %d %s of %s (%d octets; wrapping at its end), "+
		"compressed (RSV1 on the first frame), %s, the next only after the previous echo. "+
		"OK when every echo has the right type, length and content and all arrive within %v (Autobahn's deadline); a target that declines permessage-deflate is UNIMPLEMENTED (RFC 7692 is optional). "+
		"The duration and both compression ratios are reported. Autobahn sends its %s here; its files are not shipped, so the octets differ (sizes and kinds match).",
		subsection, offersText(p.offers), p.count, typ, v.size, unit, k.standIn, k.size, framing, v.deadline, k.name)
	if k.text {
		desc += " Slices are cut in characters and UTF-8-encoded, so a message may be longer than its size in octets."
	}
	return &Case{
		ID: id, Title: title, Description: desc,
		Clauses: []string{rfcPMDNegotiation, rfcPMDBits, rfcPMDCompress, rfcPMDDecompress},
		Level:   Must,
		Timer:   closeAfter(v.deadline),
		Custom:  p.run,
		Labels:  []string{"compression", "performance", "permessage-deflate", "autobahn"},
	}
}

func offersText(offers []deflate.Params) string {
	parts := make([]string, len(offers))
	for i, o := range offers {
		parts[i] = fmt.Sprintf("%q", o.String())
	}
	return strings.Join(parts, ", then ")
}

func (p compressionPlan) run(ctx context.Context, env Env) Result {
	start := time.Now()
	r := Result{FailFastOffset: -1, Observed: []string{}}
	r.ExpectedClose = normalClose.View()
	r.Expected = []ExpectedOutcome{
		{Verdict: OK, Events: []string{fmt.Sprintf("%d compressed echoes, each equal to the message sent", p.count)}},
		{Verdict: Unimplemented, Events: []string{"permessage-deflate declined in the opening handshake"}},
	}
	log := probe.NewWireLog(start)
	conn, hs, accepted, err := probe.OpenDeflate(ctx, env.Target, env.timeouts(), log, p.offers)
	r.Handshake = hs
	if err != nil {
		openFailed(&r, err, hs, log)
		return r
	}

	verdict, reason := Unimplemented, "the target declined permessage-deflate (offered "+offersText(p.offers)+"): RFC 7692 is optional, so the case does not apply"
	var took time.Duration
	if accepted != nil {
		conn.Quiet(true) // megabytes of compressed previews tell nobody anything
		var echoed int
		deadline := env.scaled(p.variant.deadline)
		begin := time.Now()
		verdict, reason, echoed = p.exchange(ctx, conn, deadline)
		took = time.Since(begin)
		conn.Quiet(false)
		r.Perf = compressionStats(conn.DeflateStats(), echoed, took)
		r.Observed = append(r.Observed, fmt.Sprintf("permessage-deflate accepted: %s", accepted),
			fmt.Sprintf("%d of %d echoes matched", echoed, p.count))
	}
	closeNormally(ctx, conn, &r)
	st := conn.State()
	r.Close = &st
	judge(&r, &Case{Close: normalClose}, nil, st)
	r.Behavior, r.Reason = verdict, reason
	if st.PeerViolation != "" {
		r.Reason += "; the target broke a rule and we failed the connection: " + st.PeerViolation
	}
	r.WireLog = log.Entries()
	if took > 0 {
		r.Duration = took
	}
	return r
}

// exchange sends the messages one at a time and checks each echo; it
// returns the verdict and how many echoes matched.
func (p compressionPlan) exchange(ctx context.Context, conn *probe.Conn, deadline time.Duration) (Verdict, string, int) {
	timer := time.NewTimer(deadline)
	defer timer.Stop()
	data := p.kind.data()
	op := frame.OpBinary
	if p.kind.text {
		op = frame.OpText
	}
	var msg, z []byte
	pos := 0
	for i := range p.count {
		msg, pos = p.slice(msg[:0], data, pos)
		var err error
		if z, err = conn.Compress(z[:0], msg); err != nil {
			return Failed, fmt.Sprintf("compressing message %d: %v", i+1, err), i
		}
		if err := sendCompressed(conn, op, z, p.variant.fragment); err != nil {
			return Failed, fmt.Sprintf("%d of %d echoes matched; sending message %d failed: %v", i, p.count, i+1, err), i
		}
		if why := awaitEcho(ctx, conn, i+1, timer.C); why != "" {
			return Failed, fmt.Sprintf("%d of %d echoes arrived: %s", i, p.count, why), i
		}
		e, _ := conn.TakeMessage(i)
		if why := echoMismatch(e, op == frame.OpBinary, msg); why != "" {
			return Failed, fmt.Sprintf("echo %d of %d is wrong: %s", i+1, p.count, why), i
		}
	}
	return OK, fmt.Sprintf("all %d echoes matched within %v", p.count, deadline), p.count
}

// slice appends the next message to dst: size characters (text) or octets
// of data from pos, wrapping at the end; it returns the next position.
func (p compressionPlan) slice(dst, data []byte, pos int) ([]byte, int) {
	if !p.kind.text {
		for need := p.variant.size; need > 0; {
			if pos == len(data) {
				pos = 0
			}
			end := min(len(data), pos+need)
			dst = append(dst, data[pos:end]...)
			need -= end - pos
			pos = end
		}
		return dst, pos
	}
	for range p.variant.size {
		if pos == len(data) {
			pos = 0
		}
		_, w := utf8.DecodeRune(data[pos:])
		dst = append(dst, data[pos:pos+w]...)
		pos += w
	}
	return dst, pos
}

// sendCompressed sends a compressed message: RSV1 on the first frame
// only (RFC 7692 §6), split as Autobahn's auto-fragmentation splits it.
func sendCompressed(conn *probe.Conn, op frame.Opcode, z []byte, fragment int) error {
	if fragment <= 0 {
		fragment = len(z)
	}
	pieces := autobahnFragments(z, fragment)
	for i, piece := range pieces {
		f := frame.New(op, piece)
		if i == 0 {
			f.Rsv = frame.RSV1
		} else {
			f.Opcode = frame.OpContinuation
		}
		f.Fin = i == len(pieces)-1
		if err := conn.SendFrame(f, probe.Piece{}); err != nil {
			return err
		}
	}
	return nil
}

// awaitEcho waits until n messages have come back; it says why not
// otherwise.
func awaitEcho(ctx context.Context, conn *probe.Conn, n int, deadline <-chan time.Time) string {
	for {
		wake := conn.Wake()
		if conn.MessageCount() >= n {
			return ""
		}
		select {
		case <-wake:
		case <-deadline:
			return "the deadline passed"
		case <-ctx.Done():
			return "the case was abandoned"
		case <-conn.Done():
			if conn.MessageCount() >= n {
				return ""
			}
			return "the connection ended"
		}
	}
}

func echoMismatch(e probe.Event, binary bool, want []byte) string {
	switch {
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

func compressionStats(s probe.DeflateStats, echoed int, took time.Duration) *PerfStats {
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
