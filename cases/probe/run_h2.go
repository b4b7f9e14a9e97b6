package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/h2ws"
	"github.com/wsconform/wsconform/reference/handshake"
)

// runH2 runs a section 20 case: an HTTP/2 connection of its own to the
// target (whatever the run's transport), the plan's requests and
// messages, and the pure judge.
func runH2(ctx context.Context, c *cases.Case, env Env, start time.Time) cases.Result {
	r := cases.NewResult(c)
	r.FailFastOffset = -1
	log := NewWireLog(start)
	run := cases.H2Run{CloseCode: -1}
	t := env.Target
	t.HTTP2 = true
	conn, err := Dial(ctx, t, env.timeouts(), log)
	switch {
	case errors.Is(err, ErrNoH2):
		run.NoH2 = err.Error()
	case err != nil:
		run.NoConnection = err.Error()
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			r.MarkUnreachable(err)
		}
	default:
		x := &h2Exchange{h: conn.h2, env: env, log: log, scheme: conn.h2Scheme, wait: env.timeouts().Handshake}
		x.play(c.H2, &run)
		conn.Abort()
		<-conn.finishNoReader()
	}
	if ctx.Err() != nil {
		stopped(ctx, &r)
	}
	cases.JudgeH2(&r, c, run)
	r.WireLog = log.Entries()
	return r
}

// h2Exchange is one section 20 case's HTTP/2 connection.
type h2Exchange struct {
	h      *h2ws.Conn
	env    Env
	log    *WireLog
	scheme string
	wait   time.Duration // for each answer we wait for
}

func (x *h2Exchange) play(p *cases.H2Plan, run *cases.H2Run) {
	set, err := x.h.PeerSettings(time.Now().Add(x.wait))
	run.Settings = set.String()
	run.Setting, run.HasSetting = set.Value(http2.SettingEnableConnectProtocol)
	if err != nil && !run.HasSetting {
		run.NoH2 = fmt.Sprintf("%v: %v", ErrNoH2, err)
		return
	}
	if !set.ConnectProtocol() || p.Kind == cases.H2Settings {
		return
	}
	switch p.Kind {
	case cases.H2Malformed:
		st, a := x.open(x.brokenRequest(p))
		run.Answer = a
		if st != nil {
			st.Reset(http2.ErrCodeCancel)
		}
		return
	case cases.H2Multiplex:
		x.multiplex(p, run)
		return
	}
	st := x.accept(p, run)
	if st == nil {
		return
	}
	switch p.Kind {
	case cases.H2Accept:
		if p.Extensions == "" {
			run.Echoed, run.Echo = x.echo(st, frame.OpText, []byte("Hello over HTTP/2"))
		}
		x.farewell(st)
	case cases.H2CloseFrame:
		x.closeFrame(st, run)
	case cases.H2EndStream:
		x.endStream(st, run)
	case cases.H2ResetOne:
		st.Reset(http2.ErrCodeCancel)
		st2, a := x.open(x.request(p))
		switch {
		case !a.Accepted():
			run.Second = "the second extended CONNECT got " + a.String()
		default:
			if ok, why := x.echo(st2, frame.OpText, []byte("still serving")); !ok {
				run.Second = "the second WebSocket " + why
			}
			x.farewell(st2)
		}
	case cases.H2Large:
		x.large(st, p, run)
		x.farewell(st)
	}
}

// request is the valid extended CONNECT for the target with p's offers.
func (x *h2Exchange) request(p *cases.H2Plan) []hpack.HeaderField {
	u := x.env.Target.URL
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	req := h2ws.Request{Scheme: x.scheme, Authority: u.Host, Path: path, Protocols: p.Protocols, Extensions: p.Extensions}
	for _, f := range x.env.Target.Header {
		req.Header = append(req.Header, hpack.HeaderField{Name: strings.ToLower(f.Name), Value: f.Value})
	}
	return req.Fields()
}

// brokenRequest is the valid request less p.Drop, with p.Set.
func (x *h2Exchange) brokenRequest(p *cases.H2Plan) []hpack.HeaderField {
	var out []hpack.HeaderField
	for _, f := range x.request(p) {
		dropped := false
		for _, d := range p.Drop {
			dropped = dropped || f.Name == d
		}
		if !dropped {
			out = append(out, f)
		}
	}
	for _, s := range p.Set {
		i := 0
		for i < len(out) && out[i].Name != s.Name {
			i++
		}
		if i == len(out) {
			out = append(out, hpack.HeaderField{})
		}
		out[i] = hpack.HeaderField{Name: s.Name, Value: s.Value}
	}
	return out
}

// open sends an extended CONNECT and waits for its answer; the stream is
// nil when it was not accepted.
func (x *h2Exchange) open(fields []hpack.HeaderField) (*h2ws.Stream, cases.H2Answer) {
	var a cases.H2Answer
	st, err := x.h.Open(fields, false)
	if err != nil {
		a.GoAway = x.goAway()
		return nil, a
	}
	resp, err := st.Response(time.Now().Add(x.wait))
	var re *h2ws.ResetError
	switch {
	case errors.As(err, &re):
		a.Reset = re.Code.String()
	case errors.Is(err, os.ErrDeadlineExceeded):
		a.Silent = true
	case err != nil:
		a.GoAway = x.goAway()
	}
	if err != nil {
		return nil, a
	}
	a.Status = h2ws.Status(resp)
	a.Fields = h2ws.FormatFields(resp)
	_, a.HasAccept = h2ws.Field(resp, "sec-websocket-accept")
	a.Extensions = strings.Join(h2ws.Values(resp, "sec-websocket-extensions"), ", ")
	a.Protocol = strings.Join(h2ws.Values(resp, "sec-websocket-protocol"), ", ")
	if !a.Accepted() {
		return nil, a
	}
	return st, a
}

// goAway is the connection's GOAWAY in words, or how it ended.
func (x *h2Exchange) goAway() string {
	if g := x.h.PeerGoAway(); g != nil {
		return fmt.Sprintf("%v (last stream %d)", g.Code, g.LastStreamID)
	}
	if err := x.h.Err(); err != nil {
		return "none: " + err.Error()
	}
	return ""
}

// accept opens the case's WebSocket with a valid request and checks the
// answer as a client must (RFC 8441 §5 with RFC 6455 §4.1's subprotocol
// and extension rules, RFC 7692 for permessage-deflate).
func (x *h2Exchange) accept(p *cases.H2Plan, run *cases.H2Run) *h2ws.Stream {
	fields := x.request(p)
	st, a := x.open(fields)
	if st != nil {
		req := &handshake.Request{}
		for _, f := range fields {
			req.Add(f.Name, f.Value)
		}
		resp := H2Response(mustResponse(st))
		if vs := handshake.ValidateH2Response(req, resp); len(vs) > 0 {
			a.Violation, a.VRule = vs[0].Detail+" ("+vs[0].Section+")", cases.RuleRef{ID: vs[0].Rule, Section: vs[0].Section}
		} else if p.Extensions != "" {
			exts, _ := handshake.ParseExtensions(p.Extensions)
			offers, _ := deflate.Offers(exts)
			if _, err := deflate.Agreement(offers, resp.Values("Sec-WebSocket-Extensions")); err != nil {
				var de *deflate.Error
				a.Violation = "its permessage-deflate answer is not valid: " + err.Error()
				if errors.As(err, &de) {
					a.VRule = cases.RuleRef{ID: de.Rule, Section: de.Section}
				}
			}
		}
	}
	run.Answer = a
	if a.Violation != "" && st != nil {
		st.Reset(http2.ErrCodeCancel)
		return nil
	}
	return st
}

func mustResponse(st *h2ws.Stream) []hpack.HeaderField {
	resp, _ := st.Response(time.Now())
	return resp
}

// echo sends one masked message and reads one frame back: whether it is
// the same message, and what came instead if not.
func (x *h2Exchange) echo(st *h2ws.Stream, op frame.Opcode, payload []byte) (bool, string) {
	st.SetDeadline(time.Now().Add(x.wait))
	defer st.SetDeadline(time.Time{})
	if _, err := st.Write(frame.New(op, payload).Masked(NewMaskKey()).Bytes()); err != nil {
		return false, "our message could not be sent: " + err.Error()
	}
	f, err := frame.ReadFrame(frame.NewReader(st), MaxMessage)
	switch {
	case err != nil:
		return false, "no echo came back: " + streamEnd(err)
	case f.Opcode != op || !bytes.Equal(f.Payload, payload):
		return false, fmt.Sprintf("the server sent %v of %d octets instead of the echo", f.Opcode, len(f.Payload))
	}
	x.log.Note(fmt.Sprintf("stream %d: the %d-octet message came back", st.ID(), len(payload)))
	return true, ""
}

// streamEnd is how a read on a stream ended, in words.
func streamEnd(err error) string {
	var re *h2ws.ResetError
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "nothing before our timer"
	case errors.As(err, &re) && re.ByPeer:
		return "RST_STREAM " + re.Code.String()
	case errors.Is(err, io.EOF):
		return "END_STREAM"
	}
	return err.Error()
}

// farewell closes a WebSocket politely: close 1000, END_STREAM, and a
// short wait for the server's end of the stream.
func (x *h2Exchange) farewell(st *h2ws.Stream) {
	st.SetDeadline(time.Now().Add(x.wait / 5))
	st.Write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Masked(NewMaskKey()).Bytes())
	st.CloseWrite()
	drain(st)
	st.Close()
}

// drain reads until the stream ends or its deadline, and says how it ended.
func drain(st *h2ws.Stream) error {
	buf := make([]byte, 16<<10)
	for {
		if _, err := st.Read(buf); err != nil {
			return err
		}
	}
}

// endOf is how the server ended its side of the stream ("" still open),
// and the RST_STREAM code it sent after its END_STREAM ("" none).
func endOf(st *h2ws.Stream, err error) (string, string) {
	if ended, reset := st.Ended(); ended {
		if reset != nil {
			return "END_STREAM", reset.Code.String()
		}
		return "END_STREAM", ""
	}
	return endOfRead(err), ""
}

// endOfRead is how a read that ended the stream ended.
func endOfRead(err error) string {
	var re *h2ws.ResetError
	switch {
	case errors.Is(err, io.EOF):
		return "END_STREAM"
	case errors.As(err, &re) && re.ByPeer:
		return "RST_STREAM " + re.Code.String()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ""
	}
	return "connection closed (" + err.Error() + ")"
}

// readClose reads frames until a close frame or the stream's end; the
// close code (-1: none; 1005 for an empty close) and the read error.
func readClose(st *h2ws.Stream) (int, error) {
	fr := frame.NewReader(st)
	for {
		f, err := frame.ReadFrame(fr, MaxMessage)
		if err != nil {
			return -1, err
		}
		if f.Opcode == frame.OpClose {
			if len(f.Payload) < 2 {
				return 1005, nil
			}
			return int(f.Payload[0])<<8 | int(f.Payload[1]), nil
		}
	}
}

// closeFrame: close 1000, the server's close frame, then how the stream
// ends; we end ours only after waiting, so both orders are seen.
func (x *h2Exchange) closeFrame(st *h2ws.Stream, run *cases.H2Run) {
	st.SetDeadline(time.Now().Add(x.wait))
	st.Write(frame.New(frame.OpClose, frame.ClosePayload(1000, "")).Masked(NewMaskKey()).Bytes())
	code, err := readClose(st)
	run.CloseCode = code
	if err == nil {
		st.SetReadDeadline(time.Now().Add(x.wait / 2))
		err = drain(st)
	}
	if run.StreamEnd, run.ResetAfterEnd = endOf(st, err); run.StreamEnd == "" {
		// The server may wait for our END_STREAM before ending its own
		// side (either order is a clean close).
		st.CloseWrite()
		st.SetReadDeadline(time.Now().Add(x.wait / 2))
		run.StreamEnd, run.ResetAfterEnd = endOf(st, drain(st))
	}
	x.log.Note(fmt.Sprintf("the server's close code: %d; its stream ended with %q (then RST_STREAM %q)", run.CloseCode, run.StreamEnd, run.ResetAfterEnd))
	st.Close()
}

// endStream: END_STREAM at once, no close frame, then what the server does.
func (x *h2Exchange) endStream(st *h2ws.Stream, run *cases.H2Run) {
	st.CloseWrite()
	st.SetReadDeadline(time.Now().Add(x.wait))
	code, err := readClose(st)
	run.CloseCode = code
	if err == nil {
		err = drain(st)
	}
	run.StreamEnd, run.ResetAfterEnd = endOf(st, err)
	x.log.Note(fmt.Sprintf("the server's close code: %d; its stream ended with %q", run.CloseCode, run.StreamEnd))
	st.Close()
}

// large sends a message past the initial window and reads its echo.
func (x *h2Exchange) large(st *h2ws.Stream, p *cases.H2Plan, run *cases.H2Run) {
	msg := bytes.Repeat([]byte("RFC 8441 flow! "), p.Size/15+1)[:p.Size]
	wire := frame.New(frame.OpBinary, msg).Masked(NewMaskKey()).Bytes()
	st.SetDeadline(time.Now().Add(2 * x.wait))
	sent := make(chan error, 1)
	go func() {
		n, err := st.Write(wire)
		if err != nil {
			err = fmt.Errorf("our DATA stopped after %d of %d octets: %w", n, len(wire), err)
		}
		sent <- err
	}()
	f, err := frame.ReadFrame(frame.NewReader(st), MaxMessage)
	werr := <-sent
	run.FlowViolation = st.FlowViolation()
	switch {
	case werr != nil && errors.Is(werr, os.ErrDeadlineExceeded):
		run.Stalled = werr.Error()
	case werr != nil:
		run.Echo = werr.Error()
	case err != nil:
		run.Echo = "no echo came back: " + streamEnd(err)
	case f.Opcode != frame.OpBinary || !bytes.Equal(f.Payload, msg):
		run.Echo = fmt.Sprintf("the server sent %v of %d octets instead of the echo", f.Opcode, len(f.Payload))
	default:
		run.Echoed = true
	}
}

// multiplex opens several WebSockets on the connection, sends a message on
// each before reading any, and checks each echo's stream.
func (x *h2Exchange) multiplex(p *cases.H2Plan, run *cases.H2Run) {
	n := p.Streams
	if max, ok := x.h.Settings().Value(http2.SettingMaxConcurrentStreams); ok && int(max) < n {
		if max < 2 {
			run.Limited = fmt.Sprintf("the server's SETTINGS_MAX_CONCURRENT_STREAMS is %d, so one connection cannot carry two WebSockets (recorded only)", max)
			return
		}
		n = int(max)
	}
	var streams []*h2ws.Stream
	defer func() {
		for _, st := range streams {
			x.farewell(st)
		}
	}()
	for i := range n {
		st, a := x.open(x.request(p))
		if i == 0 {
			run.Answer = a
		}
		if st == nil {
			if i > 0 {
				run.Second = fmt.Sprintf("WebSocket %d of %d got %s", i+1, n, a)
			}
			return
		}
		streams = append(streams, st)
	}
	msgs := make([][]byte, n)
	for i, st := range streams {
		msgs[i] = []byte(fmt.Sprintf("message %d of %d, on stream %d", i+1, n, st.ID()))
		st.SetDeadline(time.Now().Add(x.wait))
		if _, err := st.Write(frame.New(frame.OpText, msgs[i]).Masked(NewMaskKey()).Bytes()); err != nil {
			run.Echo = fmt.Sprintf("our message on stream %d could not be sent: %v", st.ID(), err)
			return
		}
	}
	for i, st := range streams {
		f, err := frame.ReadFrame(frame.NewReader(st), MaxMessage)
		switch {
		case err != nil:
			run.Echo = fmt.Sprintf("stream %d brought no echo: %s", st.ID(), streamEnd(err))
			return
		case !bytes.Equal(f.Payload, msgs[i]):
			run.Echo = fmt.Sprintf("stream %d brought %q instead of %q", st.ID(), f.Payload, msgs[i])
			return
		}
	}
	run.Echoed = true
}
