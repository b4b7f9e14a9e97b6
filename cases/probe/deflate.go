package probe

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/klauspost/compress/flate"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
)

// deflateLevel is the probe's compression level: the compression cases
// measure the target, so the probe's own side should be cheap.
const deflateLevel = flate.BestSpeed

// deflateState is a connection's permessage-deflate state (RFC 7692) once
// the target accepted an offer.
type deflateState struct {
	params deflate.Params
	codec  *deflate.Codec

	mu                  sync.Mutex // guards the counters
	inWire, inInflated  int64      // compressed octets received, and what they inflated to
	outWire, outMessage int64      // compressed octets sent, and the messages they came from
}

// OpenDeflate is Open with the given permessage-deflate offers in the
// request (in order of preference). If the target accepts one, RSV1 on a
// data message from it means "compressed" and such messages are inflated
// before they become events; accepted is then the response's parameters,
// else nil (the target declined, which RFC 7692 lets it do).
func OpenDeflate(ctx context.Context, t Target, to Timeouts, log *WireLog, offers []deflate.Params) (*Conn, *observed.Handshake, *deflate.Params, error) {
	return open(ctx, t, to, log, nil, offers, false)
}

// OpenDeflateChecked is OpenDeflate that also checks every back-reference
// of the target's compressed messages against what it agreed
// (deflate.CheckReach): a message that breaks its window or its no context
// takeover fails the connection like invalid data.
func OpenDeflateChecked(ctx context.Context, t Target, to Timeouts, log *WireLog, offers []deflate.Params) (*Conn, *observed.Handshake, *deflate.Params, error) {
	return open(ctx, t, to, log, nil, offers, true)
}

// acceptedDeflate reads the target's answer to the offers
// (deflate.Agreement): nil when declined, an error when the client must
// fail the connection over it.
func acceptedDeflate(offers []deflate.Params, resp *handshake.Response) (*deflate.Params, error) {
	p, err := deflate.Agreement(offers, resp.Values("Sec-WebSocket-Extensions"))
	if err != nil {
		return nil, fmt.Errorf("opening handshake rejected: %w", err)
	}
	return p, nil
}

// Deflate is the permessage-deflate agreement, or nil when none.
func (c *Conn) Deflate() *deflate.Params {
	if c.deflate == nil {
		return nil
	}
	p := c.deflate.params
	return &p
}

// Compress appends msg compressed for this connection (RFC 7692 §7.2.1),
// taking over the LZ77 context of earlier messages unless
// client_no_context_takeover was agreed. Messages must be sent in the order
// they are compressed; the caller sets RSV1 on the message's first frame.
func (c *Conn) Compress(dst, msg []byte) ([]byte, error) {
	if c.deflate == nil {
		return dst, errors.New("probe: permessage-deflate not negotiated")
	}
	start := len(dst)
	dst, err := c.deflate.codec.Out.Compress(dst, msg)
	c.CountCompressed(len(msg), len(dst)-start)
	return dst, err
}

// CompressesAlone reports whether Compress compresses every message on
// its own (no context takeover on our side): a message's compressed octets
// then depend on it alone, and a repeated message may be sent as it was
// compressed before (CountCompressed).
func (c *Conn) CompressesAlone() bool {
	return c.deflate != nil && c.deflate.codec.Out.NoContextTakeover()
}

// CountCompressed counts a message of msg octets sent as wire compressed
// octets without Compress (a repeat, see CompressesAlone).
func (c *Conn) CountCompressed(msg, wire int) {
	if c.deflate == nil {
		return
	}
	c.deflate.mu.Lock()
	c.deflate.outWire += int64(wire)
	c.deflate.outMessage += int64(msg)
	c.deflate.mu.Unlock()
}

// observed.DeflateStats is the compression so far (zero when not negotiated).
func (c *Conn) DeflateStats() observed.DeflateStats {
	if c.deflate == nil {
		return observed.DeflateStats{}
	}
	d := c.deflate
	d.mu.Lock()
	defer d.mu.Unlock()
	return observed.DeflateStats{SentCompressed: d.outWire, SentMessage: d.outMessage, ReceivedCompressed: d.inWire, ReceivedMessage: d.inInflated}
}

// compressedStart reports whether the message the receiver just started
// is "Per-observed.Message Compressed" (RFC 7692 §6) and this connection can
// inflate it.
func (c *Conn) compressedStart(rc *receive.Receiver) bool {
	return c.deflate != nil && rc.Compressed()
}
