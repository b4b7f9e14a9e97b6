package deflate

import (
	"bytes"
	"fmt"

	"github.com/klauspost/compress/flate"
)

// tail is the empty stored block a sync flush ends with. §7.2.1: "Remove 4
// octets (that are 0x00 0x00 0xff 0xff) from the tail end" of the
// compressed data; §7.2.2 has the receiver put them back.
var tail = []byte{0x00, 0x00, 0xff, 0xff}

// Compressor turns messages into permessage-deflate payloads (RFC 7692
// §7.2.1) for one direction of one connection. It is not safe for
// concurrent use: messages are compressed in the order they are sent.
//
// Window bits: the flate writer always searches a 32 KiB window (15 bits) and
// cannot be told to stay within a smaller one, so a Compressor honours any
// negotiated *_max_window_bits of 15 only. A peer that asks for fewer bits
// for our direction must be declined at negotiation (Accept does so for
// server_max_window_bits), never promised and then broken: the peer's
// decompressor may keep only 2^bits octets of history.
type Compressor struct {
	level             int
	w                 *flate.Writer // nil until the first message
	buf               bytes.Buffer
	noContextTakeover bool
}

// NewCompressor returns a compressor at level (compress/flate's levels;
// flate.BestSpeed is a good choice for echo traffic). With
// noContextTakeover every message is compressed on its own (§7.1.1: the
// sender then "MUST start compressing each new message with an empty LZ77
// sliding window"); otherwise later messages may refer to earlier ones.
func NewCompressor(level int, noContextTakeover bool) (*Compressor, error) {
	if level < flate.HuffmanOnly || level > flate.BestCompression {
		return nil, fmt.Errorf("deflate: invalid compression level %d", level)
	}
	return &Compressor{level: level, noContextTakeover: noContextTakeover}, nil
}

// Compress appends the compressed form of msg to dst: the DEFLATE blocks of
// §7.2.1, sync-flushed, without the trailing 0x00 0x00 0xff 0xff. An empty
// msg compresses to the single octet 0x00 (§7.2.3.6 allows it).
func (c *Compressor) Compress(dst, msg []byte) ([]byte, error) {
	if c.w == nil {
		// Made at the first message: its tables cost more than most
		// messages, and a connection that never compresses (the network
		// fuzzer sends ready-made payloads) never pays for them.
		w, err := flate.NewWriter(&c.buf, c.level)
		if err != nil {
			return dst, err
		}
		c.w = w
	}
	c.buf.Reset()
	if _, err := c.w.Write(msg); err != nil {
		return dst, err
	}
	// A sync flush ends the data at a byte boundary with an empty stored
	// block, the 4 octets §7.2.1 then removes; the block's first octet (its
	// 3 header bits and padding) stays.
	if err := c.w.Flush(); err != nil {
		return dst, err
	}
	out := c.buf.Bytes()
	if !bytes.HasSuffix(out, tail) {
		panic("deflate: sync flush did not end with 00 00 ff ff")
	}
	dst = append(dst, out[:len(out)-len(tail)]...)
	if c.buf.Cap() > keepBufferLimit {
		c.buf = bytes.Buffer{} // the writer keeps &c.buf; one big message is not kept for the connection's life
	}
	if c.noContextTakeover {
		c.w.Reset(&c.buf)
	}
	return dst, nil
}

// NoContextTakeover reports whether every message is compressed on its
// own, from an empty window: its compressed octets then depend on the
// message alone and may be sent again for the same message.
func (c *Compressor) NoContextTakeover() bool { return c.noContextTakeover }

// keepBufferLimit is the largest output buffer a Compressor keeps between
// messages.
const keepBufferLimit = 1 << 20
