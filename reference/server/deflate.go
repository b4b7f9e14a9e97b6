package server

import (
	"strings"

	"github.com/klauspost/compress/flate"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// echoLevel is the flate level of the echoes. Faults.DeflateKeepContext
// and DeflateIgnoreWindow need LZ77: without back-references there is no
// context to keep and no window to exceed.
func echoLevel(cfg Config) int {
	switch {
	case cfg.Faults.DeflateKeepContext || cfg.Faults.DeflateIgnoreWindow || cfg.EchoDeflate == EchoLZ77:
		return flate.BestSpeed
	case cfg.EchoDeflate == EchoHuffmanOnly:
		return flate.HuffmanOnly
	}
	return flate.NoCompression
}

// negotiateExtensions picks the extensions to use and the response fields
// that announce them. The only extension the server knows is
// permessage-deflate (RFC 7692): it takes the first offer deflate.Accept
// can honour and answers with its parameters; anything else is declined by
// leaving it out of the response (§9.1). Invalid permessage-deflate offers
// are declined one by one (RFC 7692 §5), and an unparsable
// Sec-WebSocket-Extensions field declines them all. Without an accepted
// offer every RSV bit stays a protocol error.
//
// Subprotocols are never selected (§4.2.2 item 5.4 lets a server answer
// without Sec-WebSocket-Protocol).
func negotiateExtensions(req *handshake.Request, cfg Config) (frame.Extensions, []handshake.Field, *deflate.Params) {
	values := req.Values("Sec-WebSocket-Extensions")
	if cfg.DisableDeflate || len(values) == 0 {
		return frame.Extensions{}, nil, nil
	}
	// §9.1 / RFC 7230 §3.2.2: several fields are one comma-separated list.
	exts, err := handshake.ParseExtensions(strings.Join(values, ", "))
	if err != nil {
		return frame.Extensions{}, nil, nil
	}
	offers, errs := deflate.Offers(exts)
	if cfg.Faults.DeflateAcceptInvalidOffers && len(offers) == 0 && len(errs) > 0 {
		offers = []deflate.Params{{}}
	}
	p, ok := deflate.Accept(offers)
	if !ok {
		return frame.Extensions{}, nil, nil
	}
	if cfg.Faults.DeflateUnaskedClientBits && !offersClientBits(offers) {
		p.ClientMaxWindowBits = deflate.MaxWindowBits
	}
	return frame.PerMessageDeflate, []handshake.Field{{Name: "Sec-WebSocket-Extensions", Value: p.String()}}, &p
}

// offersClientBits reports whether the offer Accept answers (the first)
// carries client_max_window_bits.
func offersClientBits(offers []deflate.Params) bool {
	return len(offers) > 0 && offers[0].ClientMaxWindowBits != 0
}

// startDeflate sets up compression once permessage-deflate is agreed.
// Inflated messages are bounded by MaxMessageSize like plain ones: the
// size a frame header announces is the compressed size, so only this
// limit stops a decompression bomb.
func (s *session) startDeflate(p *deflate.Params) error {
	if p == nil {
		return nil
	}
	agreed := *p
	if s.cfg.Faults.DeflateKeepContext {
		agreed.ServerNoContextTakeover = false
	}
	if s.cfg.Faults.DeflateResetInflate {
		agreed.ClientNoContextTakeover = true
	}
	if s.cfg.Faults.DeflateIgnoreWindow {
		agreed.ServerMaxWindowBits = 0
	}
	limit := s.cfg.MaxMessageSize
	if s.cfg.Faults.InflateUnlimited {
		limit = 1 << 40 // a terabyte: no limit a test reaches
	}
	codec, err := deflate.NewCodec(agreed, deflate.ServerRole, echoLevel(s.cfg), limit)
	if err != nil {
		return err
	}
	s.pmd = codec
	return nil
}

// writeMessage echoes a data message, compressed when permessage-deflate
// is on. RFC 7692 §6: RSV1 set on the first frame of a message marks it
// "Per-Message Compressed"; the echo is one frame.
func (s *session) writeMessage(op frame.Opcode, payload []byte) error {
	if s.pmd == nil {
		return s.writeFrame(op, payload)
	}
	var err error
	s.deflated, err = s.pmd.Out.Compress(s.deflated[:0], payload)
	if err != nil {
		return err
	}
	err = s.writeFrameRSV(op, frame.RSV1, s.deflated)
	if cap(s.deflated) > keepBufferLimit {
		s.deflated = nil
	}
	return err
}
