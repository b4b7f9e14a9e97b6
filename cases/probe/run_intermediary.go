package probe

import (
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// NotBehindText is the result of a section 19 case run without an origin.
const NotBehindText = "an intermediary case: it runs only through an intermediary in front of wsconform's origin server (run URL --upstream ADDR)"

// runIntermediary runs a section 19 case: one connection through the
// intermediary to the origin, both ends of which we hold and record.
func runIntermediary(ctx context.Context, c *cases.Case, env Env, start time.Time) cases.Result {
	if env.Origin == nil {
		return cases.NotRunResult(c, NotBehindText)
	}
	p := c.Intermediary
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	log, olog := NewWireLog(start), NewWireLog(start)
	run := intermediaryRun(ctx, p, env, log, olog, &r)
	r.WireLog = append(log.Entries(), observed.Entry{At: time.Since(start), Dir: observed.Note, Text: "the origin server's side of the same connection follows"})
	r.WireLog = append(r.WireLog, olog.Entries()...)
	r.Duration = time.Since(start)
	cases.JudgeIntermediary(&r, c, run)
	return r
}

func intermediaryRun(ctx context.Context, p *cases.IntermediaryPlan, env Env, log, olog *WireLog, r *cases.Result) (run cases.IntermediaryRun) {
	key := handshake.NewKey()
	var protocols []string
	if p.OriginSelects != "" {
		protocols = []string{p.OriginSelects}
	}
	deflating := p.Kind == cases.ExtensionPass || p.Deflate
	visit := env.Origin.Expect(ctx, key, protocols, deflating, olog)
	defer env.Origin.Forget(key)
	edit := func(req *handshake.Request) {
		req.Set("Sec-WebSocket-Key", key)
		if len(p.Offer) > 0 {
			req.Set("Sec-WebSocket-Protocol", strings.Join(p.Offer, ", "))
		}
	}
	var conn *Conn
	var err error
	if deflating {
		conn, r.Handshake, _, err = OpenDeflateEdit(ctx, env.Target, env.timeouts(), log, []deflate.Params{{}}, edit)
	} else {
		conn, r.Handshake, err = Open(ctx, env.Target, env.timeouts(), log, edit)
	}
	opened := time.Now()
	// Our 101 came through the origin's answer, which is written before
	// the visit is marked arrived: the handshake timeout is ample.
	var oconn *Conn
	wait := time.NewTimer(env.timeouts().Handshake)
	defer wait.Stop()
	select {
	case <-visit.Arrived():
		oconn = visit.Conn
		run.OriginOffer, run.OriginAnswer = originFields(visit.Request, offeredField(p)), answerOf(p, visit)
	case <-wait.C:
	case <-ctx.Done():
	}
	defer func() {
		if oconn != nil {
			end(ctx, oconn, env)
			run.Origin = sideOf(oconn)
		}
	}()
	hs := r.Handshake
	switch {
	case err != nil && hs != nil && hs.Answer != nil && hs.Status == 101:
		// The answer that reached us broke a rule (a subprotocol or an
		// extension we did not offer): that is the case's finding.
		run.HandshakeError = err.Error()
		run.ClientAnswer = answerField(hs.Answer, p)
		abortOrigin(oconn)
		return run
	case err != nil:
		run.NoConnection = err.Error()
		abortOrigin(oconn)
		var op *net.OpError
		if hs == nil && errors.As(err, &op) && op.Op == "dial" {
			r.MarkUnreachable(err)
		}
		return run
	}
	defer func() {
		end(ctx, conn, env)
		run.Client = sideOf(conn)
	}()
	run.ClientAnswer = answerField(hs.Answer, p)
	run.ClientDeflate = conn.Deflate() != nil
	if oconn == nil {
		run.OriginMissed = true
		closeFrom(conn, 1000, "")
		return run
	}
	run.OriginDeflate = oconn.Deflate() != nil
	if p.Total() > 1<<20 {
		conn.Quiet(true)
		oconn.Quiet(true)
	}
	patience := env.scaled(p.Wait * time.Duration(1+p.Total()/(16<<20)))
	both := []*Conn{conn, oconn}
	switch p.Kind {
	case cases.RelayUp, cases.RelayDown:
		from, to := conn, oconn
		if p.Kind == cases.RelayDown {
			from, to = oconn, conn
		}
		msgs, err := relayFrames(from, p)
		if err != nil {
			from.Log.Note("compressing: " + err.Error())
		}
		run.Sent = shapesOf(msgs)
		go sendRelay(from, msgs, p.PingAfter)
		awaitConns(ctx, patience, both, func() bool {
			return to.MessageCount() >= len(p.Messages) && (p.PingAfter == 0 || sawPong(from))
		})
		closeFrom(conn, 1000, "")
	case cases.CloseUp:
		closeFrom(conn, p.CloseCode, p.CloseReason)
	case cases.CloseDown:
		closeFrom(oconn, p.CloseCode, p.CloseReason)
	case cases.SubprotocolPass:
		closeFrom(conn, 1000, "")
	case cases.ExtensionPass:
		payload := cases.RelayPayload(0, p.Messages[0])
		sendText(conn, payload)
		awaitConns(ctx, patience, both, func() bool { return oconn.MessageCount() >= 1 })
		if oconn.MessageCount() >= 1 {
			sendText(oconn, payload)
			awaitConns(ctx, patience, both, func() bool { return conn.MessageCount() >= 1 })
		}
		closeFrom(conn, 1000, "")
	case cases.IdleHold:
		run.Capped = !awaitConns(ctx, env.scaled(p.IdleCap), both, func() bool { return conn.Closing() || oconn.Closing() })
		run.Lived = time.Since(opened)
		if run.Capped {
			closeFrom(conn, 1000, "")
		}
	}
	return run
}

// abortOrigin drops the origin's end of a connection ours never became:
// the intermediary may hold it open.
func abortOrigin(oconn *Conn) {
	if oconn != nil {
		oconn.Abort()
	}
}

// offeredField is the request field a handshake case compares.
func offeredField(p *cases.IntermediaryPlan) string {
	if p.Kind == cases.ExtensionPass || p.Deflate {
		return "Sec-WebSocket-Extensions"
	}
	return "Sec-WebSocket-Protocol"
}

func answerOf(p *cases.IntermediaryPlan, v *OriginVisit) string {
	if v.Conn == nil {
		return ""
	}
	if p.Kind == cases.ExtensionPass || p.Deflate {
		if d := v.Conn.Deflate(); d != nil {
			return d.String()
		}
		return ""
	}
	return v.Selected
}

func answerField(resp *handshake.Response, p *cases.IntermediaryPlan) string {
	if resp == nil {
		return ""
	}
	return strings.Join(resp.Values(offeredField(p)), ", ")
}

// relayFrames cuts the plan's messages into the frames the sending end
// sends: as the plan cuts them or, on a connection that agreed to
// permessage-deflate, each message compressed (in order: the context is
// taken over) and its compressed octets cut into as many frames.
func relayFrames(c *Conn, p *cases.IntermediaryPlan) ([][]frame.Frame, error) {
	out := make([][]frame.Frame, len(p.Messages))
	for i, m := range p.Messages {
		payload := cases.RelayPayload(i, m)
		op := frame.OpText
		if m.Binary {
			op = frame.OpBinary
		}
		sizes := m.FrameSizes()
		var rsv uint8
		if c.Deflate() != nil {
			z, err := c.Compress(nil, payload)
			if err != nil {
				return out[:i], err
			}
			payload, rsv, sizes = z, frame.RSV1, cutInto(len(z), len(sizes))
		}
		off := 0
		for j, n := range sizes {
			f := frame.New(op, payload[off:off+n])
			f.Fin = j == len(sizes)-1
			if j > 0 {
				f.Opcode = frame.OpContinuation
			} else {
				f.Rsv = rsv // RFC 7692 §6: RSV1 on the first frame only
			}
			off += n
			out[i] = append(out[i], f)
		}
	}
	return out, nil
}

// cutInto cuts n octets into k frames (fewer if n < k), the last taking
// the remainder.
func cutInto(n, k int) []int {
	k = max(1, min(k, n))
	sizes := make([]int, k)
	for i := range sizes {
		sizes[i] = n / k
	}
	sizes[k-1] += n % k
	return sizes
}

// sendRelay sends the frames, with a ping after the first message's
// pingAfter-th frame.
func sendRelay(c *Conn, msgs [][]frame.Frame, pingAfter int) {
	for i, frames := range msgs {
		for j, f := range frames {
			if c.SendFrame(f, Piece{}) != nil {
				return
			}
			if i == 0 && j+1 == pingAfter {
				if c.SendFrame(frame.New(frame.OpPing, cases.PingPayload), Piece{}) != nil {
					return
				}
			}
		}
	}
}

func shapesOf(msgs [][]frame.Frame) []observed.FrameShape {
	var out []observed.FrameShape
	for _, frames := range msgs {
		for _, f := range frames {
			out = append(out, observed.FrameShape{Opcode: f.Opcode, Fin: f.Fin, Rsv: f.Rsv, Length: uint64(len(f.Payload))})
		}
	}
	return out
}

// sendText sends one text message, compressed when the connection
// agreed to permessage-deflate.
func sendText(c *Conn, payload []byte) {
	if c.Deflate() == nil {
		c.SendFrame(frame.New(frame.OpText, payload), Piece{})
		return
	}
	z, err := c.Compress(nil, payload)
	if err != nil {
		c.Log.Note("compressing: " + err.Error())
		return
	}
	f := frame.New(frame.OpText, z)
	f.Rsv = frame.RSV1
	c.SendFrame(f, Piece{})
}

func sawPong(c *Conn) bool {
	for _, e := range c.Events() {
		if e.Kind == observed.Pong && string(e.Payload) == string(cases.PingPayload) {
			return true
		}
	}
	return false
}

// awaitConns waits until done() holds, either connection ends, wait
// passes or ctx ends; it reports whether done() held.
func awaitConns(ctx context.Context, wait time.Duration, conns []*Conn, done func() bool) bool {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		wakes := make([]<-chan struct{}, len(conns))
		for i, c := range conns {
			wakes[i] = c.Wake()
		}
		if done() {
			return true
		}
		for _, c := range conns {
			select {
			case <-c.Done():
				return done()
			default:
			}
		}
		select {
		case <-wakes[0]:
		case <-wakes[1]:
		case <-t.C:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// closeFrom starts the closing handshake from c: code 0 is an empty close.
func closeFrom(c *Conn, code frame.CloseCode, reason string) {
	if c.Closing() {
		return
	}
	if code == 0 {
		c.SendEmptyClose()
		return
	}
	c.SendClose(code, reason)
}

// end waits for c to finish its closing handshake and TCP, abandoning it
// at ctx's end or once the close and drop timeouts have passed twice
// (the other end's answer crosses the intermediary).
func end(ctx context.Context, c *Conn, env Env) {
	to := env.timeouts()
	t := time.NewTimer(2 * (to.CloseWait + to.DropWait + to.Handshake))
	defer t.Stop()
	select {
	case <-c.Done():
		return
	case <-t.C:
		c.Abandon("the intermediary's part of the closing handshake")
	case <-ctx.Done():
		c.Abandon("the closing handshake through the intermediary")
	}
	<-c.Done()
}

func sideOf(c *Conn) cases.Side {
	shapes, omitted := c.Shapes()
	return cases.Side{Events: c.Events(), Shapes: shapes, Omitted: omitted, Close: c.State()}
}
