package probe

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Open dials the target, performs the opening handshake with a valid RFC
// 6455 request (changed by edit, if given), and starts reading frames. A
// handshake the client must reject (§4.1) is an error, with the handshake
// returned for the report.
func Open(ctx context.Context, t Target, to Timeouts, log *WireLog, edit func(*handshake.Request)) (*Conn, *observed.Handshake, error) {
	c, hs, _, err := open(ctx, t, to, log, edit, nil, false)
	return c, hs, err
}

// open is Open and OpenDeflate: the request carries the deflate offers (if
// any), then edit changes it; the answer to the offers sets up the codec.
func open(ctx context.Context, t Target, to Timeouts, log *WireLog, edit func(*handshake.Request), offers []deflate.Params, checkReach bool) (*Conn, *observed.Handshake, *deflate.Params, error) {
	c, err := Dial(ctx, t, to, log)
	if err != nil {
		return nil, nil, nil, err
	}
	req := t.NewRequest()
	if len(offers) > 0 {
		exts := make([]handshake.Extension, len(offers))
		for i, o := range offers {
			exts[i] = o.Extension()
		}
		req.Set("Sec-WebSocket-Extensions", handshake.FormatExtensions(exts))
	}
	if edit != nil {
		edit(req)
	}
	hs, err := c.Handshake(req)
	var accepted *deflate.Params
	if err == nil && len(offers) > 0 {
		accepted, err = acceptedDeflate(offers, hs.Answer)
	}
	ext := frame.Extensions{}
	if err == nil && accepted != nil {
		ours := *accepted
		ours.ClientNoContextTakeover = ours.ClientNoContextTakeover || deflate.PromisedNoClientContext(offers, *accepted)
		var codec *deflate.Codec
		if codec, err = deflate.NewCodec(ours, deflate.ClientRole, deflateLevel, MaxMessage); err == nil {
			if checkReach {
				codec.In.CheckReach(accepted.ServerMaxWindowBits)
			}
			c.deflate = &deflateState{params: *accepted, codec: codec}
			ext = frame.PerMessageDeflate
			log.Note("permessage-deflate accepted: " + accepted.String())
		}
	}
	if err != nil {
		if hs == nil || hs.Status == 0 {
			err = c.tlsFailure(err)
		}
		c.Abort()
		<-c.finishNoReader()
		return nil, hs, nil, err
	}
	c.Start(ext)
	return c, hs, accepted, nil
}

// observed.Handshake sends req and reads the response, with the handshake timeout.
func (c *Conn) Handshake(req *handshake.Request) (*observed.Handshake, error) {
	if c.h2 != nil {
		return c.handshakeH2(req)
	}
	start := time.Now()
	raw := req.Bytes()
	hs := &observed.Handshake{Request: string(raw), Sent: req}
	c.nc.SetDeadline(start.Add(c.timeouts.Handshake))
	defer c.nc.SetDeadline(time.Time{})
	if err := c.WriteRaw(raw, 0); err != nil {
		return hs, fmt.Errorf("sending the opening handshake: %w", err)
	}
	resp, err := handshake.ReadResponse(c.br)
	hs.Duration = time.Since(start)
	if err != nil {
		hs.TimedOut = errors.Is(err, os.ErrDeadlineExceeded)
		return hs, fmt.Errorf("reading the opening handshake response: %w", err)
	}
	hs.Answer = resp
	hs.Response = string(resp.Raw)
	hs.Status = resp.Status
	hs.Violations = handshake.ValidateResponse(req, resp)
	if len(hs.Violations) > 0 {
		return hs, fmt.Errorf("opening handshake rejected: %v", hs.Violations[0])
	}
	c.Log.Note(fmt.Sprintf("opening handshake done in %v", hs.Duration.Round(time.Microsecond)))
	return hs, nil
}

// finishNoReader closes a connection whose reader never started.
func (c *Conn) finishNoReader() <-chan struct{} {
	go c.finish()
	return c.done
}

// OpenDeflateEdit is OpenDeflate with the request changed by edit once the
// offers are in it: the network fuzzer sends requests of its own and still
// needs the codec set up when the target accepts one of its offers.
func OpenDeflateEdit(ctx context.Context, t Target, to Timeouts, log *WireLog, offers []deflate.Params, edit func(*handshake.Request)) (*Conn, *observed.Handshake, *deflate.Params, error) {
	return open(ctx, t, to, log, edit, offers, false)
}
