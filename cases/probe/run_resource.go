package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/klauspost/compress/flate"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

// runResource runs a resource plan (sections 17 and 18): what it sends
// depends on the kind; every kind ends with the alive check, a new
// connection that must complete a handshake and echo a message.
func runResource(ctx context.Context, c *cases.Case, env Env, start time.Time) cases.Result {
	p := c.Resource
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	log := NewWireLog(start)
	var run cases.ResourceRun
	switch p.Kind {
	case cases.AnnounceLength:
		run = announce(ctx, env, p, log, &r)
	case cases.SearchLimit:
		run.Search = searchLimit(ctx, env, p, log)
	case cases.BypassLimit:
		run = bypassLimit(ctx, env, p, log, &r)
	case cases.InflateBomb:
		run = inflateBomb(ctx, env, p, log, &r)
	case cases.NeverRead:
		run = neverRead(ctx, env, p, log, &r)
	}
	if run.NoConnection == "" || !r.Unreachable {
		run.Alive = aliveCheck(ctx, env, log)
	}
	cases.JudgeResource(&r, c, run)
	r.WireLog = log.Entries()
	return r
}

// openFor opens the case's connection (offering a plain permessage-deflate
// when compressed); nil and the run's NoConnection (or Declined) set when
// there is nothing to send on.
func openFor(ctx context.Context, env Env, compressed bool, log *WireLog, r *cases.Result, run *cases.ResourceRun) *Conn {
	var conn *Conn
	var err error
	if compressed {
		var agreed *deflate.Params
		conn, r.Handshake, agreed, err = OpenDeflate(ctx, env.Target, env.timeouts(), log, []deflate.Params{{}})
		if err == nil && agreed == nil {
			run.Declined = true
			closeNormally(ctx, conn, r)
			return nil
		}
	} else {
		conn, r.Handshake, err = Open(ctx, env.Target, env.timeouts(), log, nil)
	}
	if err != nil {
		run.NoConnection = err.Error()
		var op *net.OpError
		if r.Handshake == nil && errors.As(err, &op) && op.Op == "dial" {
			r.MarkUnreachable(err)
		}
		return nil
	}
	conn.Quiet(true) // megabytes of payload previews tell nobody anything
	return conn
}

// announce sends a header announcing p.Announce octets, p.Follow of them,
// and waits for the target's reaction.
func announce(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog, r *cases.Result) (run cases.ResourceRun) {
	conn := openFor(ctx, env, false, log, r, &run)
	if conn == nil {
		return run
	}
	conn.Quiet(false)
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: NewMaskKey(), Length: p.Announce}
	wire := frame.AppendHeader(nil, h)
	payload := bytes.Repeat([]byte{'*'}, p.Follow)
	frame.MaskBytes(h.Mask, 0, payload)
	sent := time.Now()
	if err := conn.WriteRaw(append(wire, payload...), 0); err != nil {
		log.Note("write failed: " + err.Error())
	}
	run.Reaction = awaitReaction(ctx, conn, 0, sent, env.scaled(p.Wait))
	endConn(ctx, conn, r, run.Reaction)
	return run
}

// endConn ends the case's connection after a reaction: closed normally
// after an echo, dropped after silence; r.Close is how it ended.
func endConn(ctx context.Context, conn *Conn, r *cases.Result, re cases.Reaction) {
	switch re.Kind {
	case cases.ReactedEcho:
		closeNormally(ctx, conn, r)
	case cases.ReactedSilence, cases.ReactedOther:
		conn.Abort()
		<-conn.Done()
	default:
		<-conn.Done()
	}
	st := conn.State()
	r.Close = &st
}

// awaitReaction waits up to wait for the target to echo a message (of any
// size but want, if want > 0, is "something else"), close, or drop.
func awaitReaction(ctx context.Context, conn *Conn, want int64, since time.Time, wait time.Duration) cases.Reaction {
	t := time.NewTimer(wait)
	defer t.Stop()
	for {
		wake := conn.Wake()
		if conn.MessageCount() > 0 {
			e, _ := conn.TakeMessage(0)
			n := int64(e.PayloadLen())
			if want > 0 && n != want {
				return cases.Reaction{Kind: cases.ReactedOther, After: time.Since(since), Detail: fmt.Sprintf("a message of %d octets, not the %d sent", n, want)}
			}
			return cases.Reaction{Kind: cases.ReactedEcho, Octets: n, After: time.Since(since)}
		}
		select {
		case <-wake:
		case <-conn.Done():
			if conn.MessageCount() > 0 {
				continue
			}
			st := conn.State()
			re := cases.Reaction{Kind: cases.ReactedDrop, After: time.Since(since)}
			if st.ReceivedClose {
				re.Kind = cases.ReactedClose
				if st.RemoteCode != nil {
					re.Code = int(*st.RemoteCode)
				}
			}
			return re
		case <-t.C:
			return cases.Reaction{Kind: cases.ReactedSilence, After: time.Since(since)}
		case <-ctx.Done():
			return cases.Reaction{Kind: cases.ReactedSilence, After: time.Since(since)}
		}
	}
}

// streamChunk is how much payload is generated, masked and written at a
// time: a message of 64 MiB is never held whole.
const streamChunk = 64 << 10

// sendStreamed writes one masked frame of n octets of pattern, generated
// as it goes. It stops early, without error, once the connection is
// closing (the target refused the message).
func sendStreamed(conn *Conn, h frame.Header, n int64, pattern byte) error {
	h.Masked, h.Mask, h.Length = true, NewMaskKey(), uint64(n)
	if err := conn.WriteRaw(frame.AppendHeader(nil, h), 0); err != nil {
		return err
	}
	buf := make([]byte, streamChunk)
	pos := 0
	for n > 0 {
		if conn.Closing() {
			return nil
		}
		chunk := buf[:min(int64(len(buf)), n)]
		for i := range chunk {
			chunk[i] = pattern
		}
		pos = frame.MaskBytes(h.Mask, pos, chunk)
		if err := conn.WriteRaw(chunk, 0); err != nil {
			return err
		}
		n -= int64(len(chunk))
	}
	return nil
}

// sendMessage writes a binary message of n octets in frames of fragment
// octets (0: one frame).
func sendMessage(conn *Conn, n int64, fragment int64) error {
	if fragment <= 0 {
		fragment = n
	}
	for off := int64(0); off < n; off += fragment {
		op := frame.OpBinary
		if off > 0 {
			op = frame.OpContinuation
		}
		size := min(fragment, n-off)
		if err := sendStreamed(conn, frame.Header{Fin: off+size >= n, Opcode: op}, size, 'x'); err != nil {
			return err
		}
		if conn.Closing() {
			return nil
		}
	}
	return nil
}

// oneMessage sends a message of n octets on a new connection and returns
// the target's reaction.
func oneMessage(ctx context.Context, env Env, p *cases.ResourcePlan, n, fragment int64, log *WireLog) (cases.Reaction, string) {
	var r cases.Result
	var run cases.ResourceRun
	conn := openFor(ctx, env, false, log, &r, &run)
	if conn == nil {
		return cases.Reaction{}, run.NoConnection
	}
	if err := sendMessage(conn, n, fragment); err != nil {
		log.Note(fmt.Sprintf("sending %d octets: %v", n, err))
	}
	re := awaitReaction(ctx, conn, n, time.Now(), env.scaled(p.WaitFor(n)))
	endConn(ctx, conn, &r, re)
	return re, ""
}

// searches holds, per target, the single-frame search of the run: 18.2.1
// and the bypass cases share it, so it runs once.
var searches sync.Map // target URL -> *searchOnce

type searchOnce struct {
	once sync.Once
	res  cases.SearchResult
}

// searchLimit finds the target's message limit with single-frame messages
// (cases.SearchSizes, then cases.Bisect), once per target and run.
func searchLimit(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog) cases.SearchResult {
	v, _ := searches.LoadOrStore(env.Target.URL.String(), &searchOnce{})
	s := v.(*searchOnce)
	ran := false
	s.once.Do(func() {
		ran = true
		s.res = runSearch(ctx, env, p, log)
	})
	if !ran {
		log.Note("the single-frame search already ran in this run: its result is reused")
	}
	return s.res
}

func runSearch(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog) cases.SearchResult {
	res := cases.SearchResult{Cap: p.Cap}
	try := func(n int64) bool {
		re, noConn := oneMessage(ctx, env, p, n, 0, log)
		step := fmt.Sprintf("single frame of %d octets: %s", n, re)
		switch {
		case noConn != "":
			res.Failure = fmt.Sprintf("a new connection for a message of %d octets failed: %s", n, noConn)
			return false
		case re.Kind == cases.ReactedEcho:
			res.Echoed = n
		case re.Refused():
			res.Refused, res.Refusal = n, re
		default:
			res.Failure = fmt.Sprintf("a message of %d octets: %s", n, re)
			return false
		}
		res.Steps = append(res.Steps, step)
		log.Note("search: " + step)
		return true
	}
	for _, n := range cases.SearchSizes(p.Cap) {
		if !try(n) {
			return res
		}
		if res.Refused > 0 {
			break
		}
	}
	for tries := 0; res.Refused > 0; tries++ {
		n := cases.Bisect(res.Echoed, res.Refused, tries)
		if n == 0 || !try(n) {
			break
		}
	}
	return res
}

// bypassLimit sends a message of the smallest refused size another way.
func bypassLimit(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog, r *cases.Result) (run cases.ResourceRun) {
	run.Search = searchLimit(ctx, env, p, log)
	n := run.Search.Refused
	switch {
	case p.Compressed:
		run.How = "as one compressed frame of zeros"
	case p.Fragment > 0:
		run.How = fmt.Sprintf("in frames of %d octets", p.Fragment)
	default:
		run.How = fmt.Sprintf("as two frames of %d and %d octets", n/2, n-n/2)
	}
	if run.Search.Failure != "" || n == 0 {
		return run
	}
	conn := openFor(ctx, env, p.Compressed, log, r, &run)
	if conn == nil {
		return run
	}
	var err error
	switch {
	case p.Compressed:
		z := compressZeros(n)
		err = conn.SendFrame(frame.Frame{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpBinary}, Payload: z}, Piece{Force: true, Raw: true})
	case p.Fragment > 0:
		err = sendMessage(conn, n, int64(p.Fragment))
	default:
		err = sendMessage(conn, n, n-n/2)
	}
	if err != nil {
		log.Note("sending the message: " + err.Error())
	}
	run.Reaction = awaitReaction(ctx, conn, n, time.Now(), env.scaled(p.WaitFor(n)))
	endConn(ctx, conn, r, run.Reaction)
	return run
}

// compressZeros is n zeros compressed from an empty window, as §7.2.1
// sends a message (the 0x00 0x00 0xff 0xff removed): about n/1000 octets,
// made without holding the n octets.
func compressZeros(n int64) []byte {
	if z, ok := zerosCache.Load(n); ok {
		return z.([]byte)
	}
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestSpeed)
	zeros := make([]byte, streamChunk)
	for left := n; left > 0; left -= int64(len(zeros)) {
		w.Write(zeros[:min(int64(len(zeros)), left)])
	}
	w.Flush()
	z := bytes.TrimSuffix(b.Bytes(), []byte{0x00, 0x00, 0xff, 0xff})
	zerosCache.Store(n, z)
	return z
}

// zerosCache keeps compressZeros's few results (a 64 MiB bomb is 64 KiB):
// the same sizes come back run after run.
var zerosCache sync.Map // int64 -> []byte

// inflateBomb sends one compressed frame inflating to p.Cap zeros.
func inflateBomb(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog, r *cases.Result) (run cases.ResourceRun) {
	conn := openFor(ctx, env, true, log, r, &run)
	if conn == nil {
		return run
	}
	z := compressZeros(p.Cap)
	run.Compressed = len(z)
	sent := time.Now()
	if err := conn.SendFrame(frame.Frame{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpBinary}, Payload: z}, Piece{Force: true, Raw: true}); err != nil {
		log.Note("sending the bomb: " + err.Error())
	}
	// A target that accepts it inflates, compresses and sends back Cap
	// octets: Wait per 16 MiB as for the search.
	run.Reaction = awaitReaction(ctx, conn, p.Cap, sent, env.scaled(p.WaitFor(p.Cap)))
	endConn(ctx, conn, r, run.Reaction)
	return run
}

// neverReadMessage is the size of each message sent to a connection that
// never reads its echoes.
const neverReadMessage = 1 << 20

// neverRead sends messages whose echoes it never reads until its writes
// stall (the target stopped reading) or p.Cap octets are out, then
// measures how long the target holds the connection, up to p.Hold. While
// stalled it keeps offering the rest of the stream with short deadlines:
// a write that makes progress means the target was only slow (the stall
// ends), one that fails means the target dropped the connection.
func neverRead(ctx context.Context, env Env, p *cases.ResourcePlan, log *WireLog, r *cases.Result) (run cases.ResourceRun) {
	conn, err := Dial(ctx, env.Target, env.timeouts(), log)
	if err != nil {
		run.NoConnection = err.Error()
		r.MarkUnreachable(err)
		return run
	}
	defer func() { conn.Abort(); <-conn.finishNoReader() }()
	r.Handshake, err = conn.Handshake(env.Target.NewRequest())
	if err != nil {
		run.NoConnection = err.Error()
		return run
	}
	conn.Quiet(true)
	held := &run.Held
	held.Cap = env.scaled(p.Hold)
	// A write that waits this long means the target has stopped reading;
	// never less than a second, whatever the scale, so that a busy machine
	// is not taken for a full buffer.
	stallWait := max(env.scaled(p.Wait), time.Second)
	poll := max(env.scaled(500*time.Millisecond), 50*time.Millisecond)
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Masked: true, Mask: NewMaskKey(), Length: neverReadMessage}
	payload := bytes.Repeat([]byte{'r'}, neverReadMessage)
	frame.MaskBytes(h.Mask, 0, payload)
	msg := append(frame.AppendHeader(nil, h), payload...)
	var stalledAt time.Time
	var sent int64
	for pos := 0; ; {
		if ctx.Err() != nil {
			return run
		}
		wait := stallWait
		if !stalledAt.IsZero() {
			wait = poll
		}
		begin := time.Now()
		conn.nc.SetWriteDeadline(begin.Add(wait))
		n, err := conn.nc.Write(msg[pos:min(pos+streamChunk, len(msg))])
		pos += n
		sent += int64(n)
		if pos == len(msg) {
			pos = 0
		}
		switch {
		case n > 0 && !stalledAt.IsZero():
			log.Note("the target read again: it was slow, not stalled")
			stalledAt = time.Time{}
		case errors.Is(err, os.ErrDeadlineExceeded) && stalledAt.IsZero():
			stalledAt = begin
			held.Stalled, held.Buffered = true, sent
			log.Note(fmt.Sprintf("our writes block after %d octets: the target stopped reading", sent))
		case err != nil && !errors.Is(err, os.ErrDeadlineExceeded):
			held.GaveUp = true
			if !stalledAt.IsZero() {
				held.For = time.Since(stalledAt)
			}
			if !held.Stalled {
				held.Stalled, held.Buffered = true, sent
			}
			log.Note(fmt.Sprintf("the target dropped the connection after %d octets (%v)", sent, err))
			return run
		}
		switch {
		case !stalledAt.IsZero() && time.Since(stalledAt) >= held.Cap:
			held.For = time.Since(stalledAt)
			return run
		case stalledAt.IsZero() && sent >= p.Cap:
			held.Stalled, held.Buffered = false, sent
			log.Note(fmt.Sprintf("%d octets sent and the target is still reading", sent))
			return run
		case !stalledAt.IsZero():
			select {
			case <-time.After(poll):
			case <-ctx.Done():
			}
		}
	}
}

// aliveCheck opens a new connection, sends a text message and waits for
// its echo: the target survived the case.
func aliveCheck(ctx context.Context, env Env, log *WireLog) cases.Alive {
	const hello = "still there?"
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), env.timeouts().Dial+env.timeouts().Handshake+env.scaled(5*time.Second))
	defer cancel()
	conn, _, err := Open(ctx, env.Target, env.timeouts(), log, nil)
	if err != nil {
		return cases.Alive{Observed: "no WebSocket connection: " + err.Error()}
	}
	conn.SendFrame(frame.New(frame.OpText, []byte(hello)), Piece{})
	re := awaitReaction(ctx, conn, int64(len(hello)), time.Now(), env.scaled(5*time.Second))
	var r cases.Result
	endConn(ctx, conn, &r, re)
	if re.Kind != cases.ReactedEcho {
		return cases.Alive{Observed: "a valid handshake, then for a short text message " + re.String()}
	}
	return cases.Alive{OK: true, Observed: "a valid handshake and the echo of a short text message"}
}
