package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/handshake"
)

// The section-15 cases speak HTTP on purpose, so they drive the probe at the
// octet level: one request (built with reference/handshake, possibly broken
// on purpose, possibly followed by more octets) is written, and one response
// head is read with handshake.ReadResponse.

// exchange is one request/response round trip on a fresh connection.
type exchange struct {
	start time.Time
	log   *WireLog
	conn  *Conn               // nil if the dial failed
	hs    *observed.Handshake // what the report shows
	resp  *handshake.Response
	// noResponse says why no response head was read (resp == nil).
	noResponse error
	dialErr    error
}

// requestPreviewLimit bounds the request text kept in a report (the 64 KiB
// header case would otherwise fill it).
const requestPreviewLimit = 4 << 10

// roundTrip dials the target, writes wire (req's rendering, possibly with
// more octets after it) chop octets at a time, and reads one response head,
// all within the handshake timeout and ctx. A failed write does not stop
// the read: a server may answer, then reset the connection.
func roundTrip(ctx context.Context, env Env, req *handshake.Request, wire []byte, chop int) *exchange {
	return roundTripWait(ctx, env, req, wire, chop, 0, env.timeouts().Handshake)
}

// roundTripWait is roundTrip waiting up to wait for the response head; with
// drip, the writes are that far apart, and the response is read meanwhile
// (a server that gives up ends the drip).
func roundTripWait(ctx context.Context, env Env, req *handshake.Request, wire []byte, chop int, drip, wait time.Duration) *exchange {
	x := &exchange{start: time.Now()}
	x.log = NewWireLog(x.start)
	to := env.timeouts()
	conn, err := Dial(ctx, env.Target, to, x.log)
	x.hs = &observed.Handshake{Request: previewRequest(wire)}
	if err != nil {
		x.dialErr = err
		return x
	}
	x.conn = conn
	conn.nc.SetDeadline(time.Now().Add(wait))
	var resp *handshake.Response
	if drip > 0 {
		resp, err = x.dripRequest(ctx, wire, chop, drip)
	} else {
		if err := conn.WriteRaw(wire, chop); err != nil {
			x.log.Note("request write failed: " + err.Error())
		}
		resp, err = handshake.ReadResponse(conn.br)
	}
	x.hs.Duration = time.Since(x.start)
	if err != nil {
		x.noResponse = err
		x.hs.TimedOut = isTimeout(err)
		x.log.Note("no response head: " + describeNoResponse(err))
		return x
	}
	x.resp = resp
	x.hs.Response, x.hs.Status = string(resp.Raw), resp.Status
	if resp.Status == 101 {
		x.hs.Violations = handshake.ValidateResponse(req, resp)
	}
	return x
}

// dripRequest writes wire chop octets at a time, drip apart, while reading
// the response head; the writes stop as soon as the read ends (an answer,
// the server gave up, or our deadline).
func (x *exchange) dripRequest(ctx context.Context, wire []byte, chop int, drip time.Duration) (*handshake.Response, error) {
	stop := make(chan struct{})
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		t := time.NewTicker(drip)
		defer t.Stop()
		for len(wire) > 0 {
			n := min(max(chop, 1), len(wire))
			if err := x.conn.WriteRaw(wire[:n], 0); err != nil {
				x.log.Note("request write failed: " + err.Error())
				return
			}
			wire = wire[n:]
			select {
			case <-t.C:
			case <-stop:
				return
			case <-ctx.Done():
				x.conn.nc.SetDeadline(time.Now())
				return
			}
		}
	}()
	resp, err := handshake.ReadResponse(x.conn.br)
	close(stop)
	<-wrote
	return resp, err
}

// sendWhole is roundTrip for a request written whole, in one TCP write.
func sendWhole(ctx context.Context, env Env, req *handshake.Request) *exchange {
	return roundTrip(ctx, env, req, req.Bytes(), 0)
}

func previewRequest(wire []byte) string {
	if len(wire) <= requestPreviewLimit {
		return string(wire)
	}
	return fmt.Sprintf("%s… (%d octets in all)", wire[:requestPreviewLimit], len(wire))
}

// describeNoResponse says in words why no response head arrived.
func describeNoResponse(err error) string {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without an HTTP response"
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "no HTTP response before the handshake timeout"
	case errors.Is(err, handshake.ErrMalformed), errors.Is(err, handshake.ErrHeaderTooLarge):
		return "the server's reply is not an HTTP response head: " + err.Error()
	case errors.Is(err, syscall.ECONNRESET):
		return "the server reset the connection without an HTTP response"
	}
	return "reading the response failed: " + err.Error()
}

// done ends the exchange's connection, if it is still up, and renders the
// parts of the result every handshake case shares.
func (x *exchange) done(r *cases.Result) {
	if x.conn != nil {
		x.conn.Abort()
	}
	r.Handshake = x.hs
	r.WireLog = x.log.Entries()
	r.FailFastOffset = -1
	if x.dialErr != nil {
		r.MarkUnreachable(x.dialErr)
	}
	r.Observed = append([]string{x.observed()}, r.Observed...)
}

// observed is the response in one line, for Result.Observed.
func (x *exchange) observed() string {
	switch {
	case x.dialErr != nil:
		return "could not connect: " + x.dialErr.Error()
	case x.resp == nil:
		return describeNoResponse(x.noResponse)
	}
	return fmt.Sprintf("response %d %s", x.resp.Status, x.resp.Reason)
}

// isTimeout reports whether no response came because our deadline (the
// handshake timeout, the stall cap or the case's ctx) expired.
func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
