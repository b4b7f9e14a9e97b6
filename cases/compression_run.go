package cases

import (
	"context"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
)

// runCompression runs a compression plan on a real connection and hands
// what it observed to the pure judging functions.
func runCompression(ctx context.Context, c *Case, env Env, start time.Time) Result {
	p := c.Compression
	r := baseResult(c)
	r.FailFastOffset = -1
	r.Expected = p.expected()
	log := probe.NewWireLog(start)
	conn, hs, agreed, err := probe.OpenDeflate(ctx, env.Target, env.timeouts(), log, p.Offers)
	r.Handshake = hs
	if err != nil {
		if !judgeRefusedAnswer(&r, c, hs) {
			openFailed(&r, err, hs, log)
		}
		r.WireLog = log.Entries()
		return r
	}

	run := compressionRun{agreed: agreed, deadline: env.scaled(c.Timer.After)}
	if agreed != nil {
		conn.Quiet(true) // megabytes of compressed previews tell nobody anything
		begin := time.Now()
		run.echoed, run.failure = exchangeEchoes(ctx, conn, p, run.deadline)
		run.took = time.Since(begin)
		conn.Quiet(false)
		run.stats = conn.DeflateStats()
	}
	closeNormally(ctx, conn, &r)
	run.close = conn.State()
	judgeCompression(&r, c, run)
	r.WireLog = log.Entries()
	return r
}

// exchangeEchoes sends the messages one at a time and checks each echo as it
// arrives (holding one at a time); it returns how many matched and, if
// not all, what went wrong.
func exchangeEchoes(ctx context.Context, conn *probe.Conn, p *CompressionPlan, deadline time.Duration) (int, string) {
	clock := newTargetClock(deadline)
	data := p.Payload.data()
	op := frame.OpBinary
	if !p.binary() {
		op = frame.OpText
	}
	var msg, z []byte
	pos := 0
	for i := range p.Count {
		msg, pos = p.slice(msg[:0], data, pos)
		var err error
		if z, err = conn.Compress(z[:0], msg); err != nil {
			return i, fmt.Sprintf("compressing message %d: %v", i+1, err)
		}
		if err := sendCompressed(conn, op, z, p.Fragment); err != nil {
			return i, fmt.Sprintf("%d of %d echoes matched; sending message %d failed: %v", i, p.Count, i+1, err)
		}
		why := awaitEcho(ctx, conn, i+1, clock.run())
		clock.pause()
		if why != "" {
			return i, fmt.Sprintf("%d of %d echoes arrived: %s", i, p.Count, why)
		}
		e, _ := conn.TakeMessage(i)
		if why := echoMismatch(e, p.binary(), msg); why != "" {
			return i, fmt.Sprintf("echo %d of %d is wrong: %s", i+1, p.Count, why)
		}
	}
	return p.Count, ""
}

// sendCompressed sends one compressed message as its frames, in one TCP
// write: the octets are the same, and a message cut into 256-octet frames
// no longer costs a system call per frame.
func sendCompressed(conn *probe.Conn, op frame.Opcode, z []byte, fragment int) error {
	frames := compressedFrames(op, z, fragment)
	if len(frames) == 1 {
		return conn.SendFrame(frames[0], probe.Piece{})
	}
	conn.Cork()
	for _, f := range frames {
		if err := conn.SendFrame(f, probe.Piece{}); err != nil {
			conn.Uncork()
			return err
		}
	}
	return conn.Uncork()
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
			conn.Log.Note(fmt.Sprintf("timer fired: %d of %d echoes had arrived", conn.MessageCount(), n))
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
