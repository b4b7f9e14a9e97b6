package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// runCompression runs a compression plan on a real connection and hands
// what it observed to the pure judging functions.
func runCompression(ctx context.Context, c *cases.Case, env Env, start time.Time) cases.Result {
	p := c.Compression
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	log := NewWireLog(start)
	openDeflate := OpenDeflate
	if p.CheckReach {
		openDeflate = OpenDeflateChecked
	}
	conn, hs, _, err := openDeflate(ctx, env.Target, env.timeouts(), log, p.Offers)
	r.Handshake = hs
	if err != nil {
		if !cases.JudgeRefusedDeflateAnswer(&r, c, hs) {
			openFailed(&r, err, hs, log)
		}
		r.WireLog = log.Entries()
		return r
	}
	return driveCompression(ctx, c, env, conn, hs, log)
}

// driveCompression runs a compression plan on an open connection (either
// role): if permessage-deflate was agreed, the messages and their echoes,
// then a normal close, and judges it.
func driveCompression(ctx context.Context, c *cases.Case, env Env, conn *Conn, hs *observed.Handshake, log *WireLog) cases.Result {
	p := c.Compression
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	r.Handshake = hs
	agreed := conn.Deflate()
	run := cases.CompressionRun{Agreed: agreed, Deadline: env.scaled(c.Timer.After)}
	if agreed != nil {
		conn.Quiet(true) // megabytes of compressed previews tell nobody anything
		begin := time.Now()
		var err error
		run.Echoed, run.Failure, run.Mismatch, err = exchangeEchoes(ctx, conn, p, run.Deadline)
		r.EndedAtOurTimer = errors.Is(err, errEchoDeadline)
		run.Took = time.Since(begin)
		conn.Quiet(false)
		run.Stats = conn.DeflateStats()
	}
	closeNormally(ctx, conn, &r)
	run.Close = conn.State()
	cases.JudgeCompression(&r, c, run)
	r.WireLog = log.Entries()
	return r
}

// exchangeEchoes sends the messages one at a time and checks each echo as it
// arrives (holding one at a time); it returns how many matched and, if
// not all, what went wrong, whether an echo was wrong (rather than
// missing), and the error that stopped the wait for an echo, if one did.
func exchangeEchoes(ctx context.Context, conn *Conn, p *cases.CompressionPlan, deadline time.Duration) (int, string, bool, error) {
	clock := newTargetClock(deadline)
	w := newCompressedWalk(conn, p)
	for i := range p.Count {
		msg, z, err := w.message(i)
		if err != nil {
			return i, fmt.Sprintf("compressing message %d: %v", i+1, err), false, nil
		}
		if err := sendCompressed(conn, p.Frames(z)); err != nil {
			return i, fmt.Sprintf("%d of %d echoes matched; sending message %d failed: %v", i, p.Count, i+1, err), false, nil
		}
		err = awaitEcho(ctx, conn, i+1, clock.run())
		clock.pause()
		if err != nil {
			return i, fmt.Sprintf("%d of %d echoes arrived: %v", i, p.Count, err), false, err
		}
		e, _ := conn.TakeMessage(i)
		if why := p.EchoMismatch(e, msg); why != "" {
			return i, fmt.Sprintf("echo %d of %d is wrong: %s", i+1, p.Count, why), true, nil
		}
	}
	return p.Count, "", false, nil
}

// compressedWalk is a plan's messages compressed for a connection.
type compressedWalk struct {
	conn *Conn
	walk [][]byte // the plan's distinct messages (Walk)
	kept [][]byte // their compressed octets, when kept for repeats
	z    []byte   // the last compressed message, when not kept
}

// newCompressedWalk keeps each message of p's walk compressed for its
// repeats when conn compresses every message on its own: a message's
// compressed octets then depend on it alone, so each is compressed once.
func newCompressedWalk(conn *Conn, p *cases.CompressionPlan) *compressedWalk {
	w := &compressedWalk{conn: conn, walk: p.Walk()}
	if conn.CompressesAlone() && len(w.walk) < p.Count {
		w.kept = make([][]byte, 0, len(w.walk))
	}
	return w
}

// message is message i of the plan and its compressed octets, valid until
// the next call; messages must be taken in order.
func (w *compressedWalk) message(i int) (msg, z []byte, err error) {
	msg = w.walk[i%len(w.walk)]
	switch {
	case w.kept == nil:
		w.z, err = w.conn.Compress(w.z[:0], msg)
		return msg, w.z, err
	case i%len(w.walk) < len(w.kept):
		z = w.kept[i%len(w.walk)]
		w.conn.CountCompressed(len(msg), len(z))
		return msg, z, nil
	}
	z, err = w.conn.Compress(nil, msg)
	w.kept = append(w.kept, z)
	return msg, z, err
}

// Why awaitEcho stopped waiting.
var (
	errEchoDeadline  = errors.New("the deadline passed")
	errCaseAbandoned = errors.New("the case was abandoned")
	errConnEnded     = errors.New("the connection ended")
)

// sendCompressed sends one compressed message as its frames, in one TCP
// write: the octets are the same, and a message cut into 256-octet frames
// no longer costs a system call per frame.
func sendCompressed(conn *Conn, frames []frame.Frame) error {
	if len(frames) == 1 {
		return conn.SendFrame(frames[0], Piece{})
	}
	conn.Cork()
	for _, f := range frames {
		if err := conn.SendFrame(f, Piece{}); err != nil {
			conn.Uncork()
			return err
		}
	}
	return conn.Uncork()
}

// awaitEcho waits until n messages have come back; it says why not
// otherwise.
func awaitEcho(ctx context.Context, conn *Conn, n int, deadline <-chan time.Time) error {
	for {
		wake := conn.Wake()
		if conn.MessageCount() >= n {
			return nil
		}
		select {
		case <-wake:
		case <-deadline:
			conn.Log.Note(fmt.Sprintf("timer fired: %d of %d echoes had arrived", conn.MessageCount(), n))
			return errEchoDeadline
		case <-ctx.Done():
			return errCaseAbandoned
		case <-conn.Done():
			if conn.MessageCount() >= n {
				return nil
			}
			return errConnEnded
		}
	}
}
