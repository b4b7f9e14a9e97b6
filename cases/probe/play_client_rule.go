package probe

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// KeyLog remembers the Sec-WebSocket-Keys of a run's connections
// (at most maxKeys distinct ones).
type KeyLog struct {
	mu sync.Mutex
	n  map[string]int
}

const maxKeys = 1 << 16

// Add records one connection's key.
func (k *KeyLog) Add(key string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.n == nil {
		k.n = map[string]int{}
	}
	if _, ok := k.n[key]; ok || len(k.n) < maxKeys {
		k.n[key]++
	}
}

// Count is how many connections sent key.
func (k *KeyLog) Count(key string) int {
	if k == nil {
		return 0
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.n[key]
}

// Caps on what a client-rule case keeps of the client's frames.
const (
	maxClientFrames  = 256
	maxClientPayload = 1 << 10
	maxRuleFrame     = 1 << 20 // a larger frame from the client ends the case
)

// PlayClientRule plays a section 16 case (c.ClientRule) against the client
// whose request req has been read from nc (what followed it is in br).
func PlayClientRule(ctx context.Context, c *cases.Case, nc net.Conn, br *bufio.Reader, req *handshake.Request, env Env) cases.Result {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	rule := c.ClientRule
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, c.Deadline(env.Scale))
	defer cancel()
	deadline, _ := ctx.Deadline()
	nc.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()

	log := NewWireLog(start)
	log.Octets(observed.Received, req.Bytes())
	key, _ := req.Get("Sec-WebSocket-Key")
	_, _, vs := handshake.ValidateRequest(req)
	seen := cases.ClientSeen{Request: req, RequestViolations: vs, KeySeenBefore: env.Keys.Count(key) > 1, Answered: true}

	answer, untestable := answerFor(rule.Answer, req)
	if untestable != "" {
		seen.Answered, seen.Untestable = false, untestable
		answer, _ = answerFor(cases.AnswerValid, req)
	}
	out := append([]byte(nil), answer...)
	if seen.Answered {
		for _, f := range rule.Send {
			out = f.Append(out)
		}
	}
	frames, closed := readClientFrames(nc, br, log)
	var mu sync.Mutex
	var tcpClosedAt time.Time
	lastSend := time.Now()
	write := func(b []byte) {
		log.Octets(observed.Sent, b)
		nc.Write(b)
		lastSend = time.Now()
	}
	write(out)

	end := rule.End
	if !seen.Answered {
		end = cases.EndClose
	}
	var sentClose, dropped bool
	// answerClose plays the server's part once the client's close frame
	// has come: answer it unless we started the close (§5.5.1), then close
	// TCP first (§7.1.1), unless the case holds TCP on purpose (16.5.2)
	// or our sending side is gone (16.5.1).
	answerClose := func(f cases.ClientFrame) {
		if dropped || seen.WeClosedTCP || (sentClose && end == cases.EndCloseHold) {
			return
		}
		after := time.Since(lastSend)
		if !sentClose {
			write(frame.New(frame.OpClose, closeReply(f.Payload)).Bytes())
			sentClose = true
		}
		log.Note("the client's close frame ended the closing handshake: we close TCP, as the server does (RFC 6455 §7.1.1)")
		nc.Close()
		seen.WeClosedTCP, seen.After = true, after
	}
	wait := time.Duration(float64(rule.Wait) * env.Scale)
	timer := time.NewTimer(wait)
	defer timer.Stop()
	record := func(f cases.ClientFrame) {
		if len(seen.Frames) < maxClientFrames {
			seen.Frames = append(seen.Frames, f)
		}
	}
	// await takes frames until one satisfies done, the client closes TCP,
	// or the timer fires; it reports whether done was met.
	await := func(done func(cases.ClientFrame) bool) bool {
		for {
			select {
			case f, ok := <-frames:
				if !ok {
					frames = nil
					continue
				}
				record(f)
				if f.Opcode == frame.OpClose {
					answerClose(f)
				}
				if done != nil && done(f) {
					return true
				}
			case at := <-closed:
				mu.Lock()
				tcpClosedAt = at
				mu.Unlock()
				closed = nil
				// Drain what the reader delivered before the end.
				if frames != nil {
					for f := range frames {
						record(f)
					}
				}
				frames = nil
				return false
			case <-timer.C:
				return false
			case <-ctx.Done():
				return false
			}
		}
	}
	resetTimer := func() {
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		timer.Reset(wait)
	}

	if seen.Answered {
		for i := 1; i <= rule.Echoes && closed != nil && !seen.WeClosedTCP; i++ {
			write(frame.New(frame.OpText, fmt.Appendf(nil, "mask %d", i)).Bytes())
			resetTimer()
			if !await(func(f cases.ClientFrame) bool { return f.Opcode == frame.OpText || f.Opcode == frame.OpClose }) {
				break
			}
		}
	}
	if closed != nil && !seen.WeClosedTCP {
		switch end {
		case cases.EndClose, cases.EndCloseHold:
			write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Bytes())
			sentClose = true
			resetTimer()
		case cases.EndDrop:
			log.Note("we close our side of TCP (FIN) without a close frame")
			if tc, ok := nc.(interface{ CloseWrite() error }); ok {
				tc.CloseWrite()
			}
			dropped = true
			lastSend = time.Now()
			resetTimer()
		case cases.EndWait:
			resetTimer()
		}
		if closed != nil {
			await(nil)
		}
	}
	mu.Lock()
	switch {
	case seen.WeClosedTCP:
	case !tcpClosedAt.IsZero():
		seen.ClosedTCP, seen.After = true, tcpClosedAt.Sub(lastSend)
	default:
		seen.After = time.Since(lastSend)
	}
	mu.Unlock()
	nc.Close()

	r := cases.JudgeClientRule(c, seen, start, time.Since(start))
	r.WireLog = log.Entries()
	return r
}

// closeReply is a server's answer to the client's close payload: its code
// echoed (§5.5.1), no code for none, 1002 for a code no endpoint may send.
func closeReply(p []byte) []byte {
	body, _ := frame.ParseClosePayload(p)
	switch {
	case !body.HasCode:
		return nil
	case !body.Code.ValidOnWire():
		return frame.ClosePayload(frame.CloseProtocolError, "")
	}
	return frame.ClosePayload(body.Code, "")
}

// readClientFrames reads the client's frames until the end of the
// connection: each on frames, then the time of the end on closed.
func readClientFrames(nc net.Conn, br *bufio.Reader, log *WireLog) (<-chan cases.ClientFrame, <-chan time.Time) {
	frames := make(chan cases.ClientFrame, maxClientFrames)
	closed := make(chan time.Time, 1)
	go func() {
		defer func() { closed <- time.Now() }()
		defer close(frames)
		fr := frame.NewReader(br)
		for {
			f, err := frame.ReadFrame(fr, maxRuleFrame)
			if err != nil {
				return
			}
			p := f.Payload
			if len(p) > maxClientPayload {
				p = p[:maxClientPayload]
			}
			cf := cases.ClientFrame{Opcode: f.Opcode, Masked: f.Header.Masked, Mask: f.Header.Mask, Payload: append([]byte(nil), p...)}
			log.Frame(observed.Received, cf.String())
			select {
			case frames <- cf:
			default: // the case has stopped listening
			}
		}
	}()
	return frames, closed
}

// answerFor renders our answer to req; untestable says why the answer
// cannot be made (the client offered nothing to break it with).
func answerFor(a cases.ClientAnswer, req *handshake.Request) ([]byte, string) {
	key, _ := req.Get("Sec-WebSocket-Key")
	accept := handshake.AcceptKey(strings.TrimSpace(key))
	fields := []handshake.Field{{Name: "Upgrade", Value: "websocket"}, {Name: "Connection", Value: "Upgrade"}, {Name: "Sec-WebSocket-Accept", Value: accept}}
	status := "101 Switching Protocols"
	drop := func(name string) {
		for i, f := range fields {
			if f.Name == name {
				fields = append(fields[:i], fields[i+1:]...)
				return
			}
		}
	}
	switch a {
	case cases.AnswerWrongAccept:
		fields[2].Value = handshake.AcceptKey(handshake.NewKey())
	case cases.AnswerNoUpgrade:
		drop("Upgrade")
	case cases.AnswerNoConnection:
		drop("Connection")
	case cases.AnswerStatus200:
		status = "200 OK"
	case cases.AnswerStatus302:
		status = "302 Found"
		fields = append(fields, handshake.Field{Name: "Location", Value: "http://127.0.0.1:1/"})
	case cases.AnswerStatus401:
		status = "401 Unauthorized"
		fields = append(fields, handshake.Field{Name: "WWW-Authenticate", Value: `Basic realm="wsconform"`})
	case cases.AnswerUnofferedProto:
		proto := "wsconform.unoffered"
		for _, v := range req.Values("Sec-WebSocket-Protocol") {
			for _, p := range handshake.Tokens(v) {
				if p == proto {
					proto += ".x"
				}
			}
		}
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: proto})
	case cases.AnswerUnofferedExt:
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: "x-wsconform-unoffered"})
	case cases.AnswerUnofferedParam:
		offer, ok := deflateOffer(req)
		if !ok {
			return nil, "the client offered no permessage-deflate, so there is no parameter to add"
		}
		ext := "permessage-deflate; client_max_window_bits=10"
		for _, p := range offer.Params {
			if p.Name == "client_max_window_bits" {
				ext = "permessage-deflate; x_wsconform=1"
			}
		}
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: ext})
	case cases.AnswerTwoAccepts:
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Accept", Value: accept})
	}
	if !strings.HasPrefix(status, "101") {
		fields = append(fields, handshake.Field{Name: "Content-Length", Value: "0"})
	}
	var b strings.Builder
	b.WriteString("HTTP/1.1 " + status + "\r\n")
	for _, f := range fields {
		b.WriteString(f.Name + ": " + f.Value + "\r\n")
	}
	b.WriteString("\r\n")
	return []byte(b.String()), ""
}

func deflateOffer(req *handshake.Request) (handshake.Extension, bool) {
	for _, v := range req.Values("Sec-WebSocket-Extensions") {
		exts, err := handshake.ParseExtensions(v)
		if err != nil {
			continue
		}
		for _, e := range exts {
			if e.Name == "permessage-deflate" {
				return e, true
			}
		}
	}
	return handshake.Extension{}, false
}
