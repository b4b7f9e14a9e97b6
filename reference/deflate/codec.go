package deflate

import "github.com/klauspost/compress/flate"

// Role is the end of the connection a Codec works for.
type Role uint8

const (
	ServerRole Role = iota + 1
	ClientRole
)

// Codec is the compression state of one connection once permessage-deflate
// is negotiated: Out compresses what this end sends, In inflates what it
// receives, each with the context-takeover rule the agreed Params set for
// that direction (§7.1.1).
type Codec struct {
	Out *Compressor
	In  *Decompressor
}

// NewCodec builds the codec for role under the agreed params (the server's
// response). level is compress/flate's; limit bounds an inflated message
// (≤ 0: DefaultLimit).
//
// If the params limit our sending window below 15 bits (a client told
// client_max_window_bits=9, say), the flate writer cannot keep its matches
// that close, so the codec compresses with flate.HuffmanOnly: no LZ77
// back-references at all, which any window size allows, at the cost of
// ratio. Accept relies on this to honour a client's server_max_window_bits.
// flate.NoCompression (stored blocks) is kept as it is.
func NewCodec(p Params, role Role, level int, limit int64) (*Codec, error) {
	outNoCtx, inNoCtx, outBits := p.ServerNoContextTakeover, p.ClientNoContextTakeover, p.ServerMaxWindowBits
	if role == ClientRole {
		outNoCtx, inNoCtx, outBits = p.ClientNoContextTakeover, p.ServerNoContextTakeover, p.ClientMaxWindowBits
	}
	if outBits > 0 && outBits < MaxWindowBits && level != flate.NoCompression {
		level = flate.HuffmanOnly // stored blocks refer to nothing either: kept
	}
	out, err := NewCompressor(level, outNoCtx)
	if err != nil {
		return nil, err
	}
	return &Codec{Out: out, In: NewDecompressor(inNoCtx, limit)}, nil
}
