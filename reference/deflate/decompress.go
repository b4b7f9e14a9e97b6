package deflate

import (
	"bufio"
	"errors"
	"io"
	"slices"

	"github.com/klauspost/compress/flate"
)

// Rule ids of the errors Decompress returns.
const (
	// RuleInflatedTooBig: the message inflates past the limit (a
	// decompression bomb, or just too big); fail with 1009.
	RuleInflatedTooBig = "pmd-inflated-too-big"
	// RuleInvalidData: the payload is not valid DEFLATE data; fail with
	// 1007 (§7.2.2 gives no code; the payload is inconsistent with the
	// message, RFC 6455 §7.4.1).
	RuleInvalidData = "pmd-invalid-compressed-data"
)

// DefaultLimit bounds an inflated message when NewDecompressor is given no
// limit.
const DefaultLimit = 64 << 20

// windowSize is the largest LZ77 distance DEFLATE allows (2^15); a peer's
// window is never larger, so keeping this much history decodes any
// negotiated client_max_window_bits / server_max_window_bits.
const windowSize = 1 << MaxWindowBits

// finalEmptyBlock ends the stream after the restored sync-flush tail, so
// the reader stops with io.EOF rather than wanting more input.
var finalEmptyBlock = []byte{0x01, 0x00, 0x00, 0xff, 0xff}

// Decompressor inflates permessage-deflate payloads (RFC 7692 §7.2.2) for
// one direction of one connection, in the order they arrive. Not safe for
// concurrent use.
type Decompressor struct {
	fr                io.ReadCloser
	src               source
	buf               *bufio.Reader // over src: flate's fast path reads a *bufio.Reader
	stream            streamSource
	piece             []byte // DecompressTo's output buffer
	history           []byte // the last windowSize octets inflated (context takeover)
	noContextTakeover bool
	limit             int64
	// reachBits, when set, has every message's back-references checked
	// against the peer's promises (CheckReach); captured holds the payload
	// of a streamed message for that, up to reachCaptureLimit octets.
	reachBits int
	captured  []byte
}

// reachCaptureLimit bounds the compressed octets of one streamed message
// kept for CheckReach; a longer message is not checked.
const reachCaptureLimit = 16 << 20

// CheckReach makes the decompressor check each message's back-references
// against what the peer agreed (CheckReach): its window of windowBits (8-15;
// 0: none agreed)
// and, if it promised no context takeover, no reference into earlier
// messages. A message that breaks them fails with a RuleWindowExceeded or
// RuleContextKept *Error. It costs a second decoding of each message, so a
// client asks for it when the window or the context is what it tests.
// Limit is the most octets a message may inflate to: Decompress and
// DecompressTo produce at most one octet more before they refuse it.
func (d *Decompressor) Limit() int64 { return d.limit }

func (d *Decompressor) CheckReach(windowBits int) {
	if windowBits < MinWindowBits || windowBits > MaxWindowBits {
		windowBits = MaxWindowBits // none agreed: DEFLATE's own
	}
	d.reachBits = windowBits
}

// NewDecompressor returns a decompressor whose messages inflate to at most
// limit octets each (≤ 0: DefaultLimit). With noContextTakeover, each
// message starts from an empty window (the peer promised so, §7.1.1);
// otherwise earlier messages' output is the dictionary of the next.
func NewDecompressor(noContextTakeover bool, limit int64) *Decompressor {
	if limit <= 0 {
		limit = DefaultLimit
	}
	d := &Decompressor{noContextTakeover: noContextTakeover, limit: limit}
	d.buf = bufio.NewReaderSize(&d.src, 4096)
	d.fr = flate.NewReader(d.buf)
	return d
}

// Decompress appends the inflated payload to dst. §7.2.2: "Append 4 octets
// of 0x00 0x00 0xff 0xff to the tail end of the payload of the message.
// Decompress the resulting data using DEFLATE." Output beyond the limit is
// never produced: inflation stops one octet past it with a
// RuleInflatedTooBig *Error, so a bomb costs at most limit octets.
func (d *Decompressor) Decompress(dst, payload []byte) ([]byte, error) {
	d.src.reset(payload, tail, finalEmptyBlock)
	var dict []byte
	if !d.noContextTakeover {
		dict = d.history
	}
	d.buf.Reset(&d.src)
	if err := d.fr.(flate.Resetter).Reset(d.buf, dict); err != nil {
		return dst, err
	}
	if d.reachBits > 0 {
		if err := CheckReach(payload, d.reachBits, d.noContextTakeover); err != nil {
			return dst, err
		}
	}
	start := len(dst)
	for {
		if len(dst) == cap(dst) {
			dst = slices.Grow(dst, 4096)
		}
		// Never read past limit+1 octets of output, whatever the capacity.
		end := min(int64(cap(dst)), int64(start)+d.limit+1)
		n, err := d.fr.Read(dst[len(dst):end])
		dst = dst[:len(dst)+n]
		if got := int64(len(dst) - start); got > d.limit {
			return dst[:start], errorf("RFC 7692 §7.2.2", RuleInflatedTooBig,
				"the message inflates to more than %d octets", d.limit)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return dst[:start], errorf("RFC 7692 §7.2.2", RuleInvalidData, "inflating the message: %v", err)
		}
	}
	if !d.noContextTakeover {
		d.remember(dst[start:])
	}
	return dst, nil
}

// DecompressTo inflates one message whose payload src yields (without the
// 4 octets §7.2.1 removed) and writes the output to w as it is produced,
// in pieces of at most 32 KiB, so that neither the payload nor its output
// is ever held whole: a decompression bomb costs the window and one piece,
// whatever it inflates to. Output stops one octet past the limit with a
// RuleInflatedTooBig *Error. An error from src is returned as it is; an
// error from w ends inflation and is returned as it is too.
func (d *Decompressor) DecompressTo(w io.Writer, src io.Reader) (int64, error) {
	n, err := d.decompressTo(w, src)
	if d.reachBits > 0 && len(d.captured) <= reachCaptureLimit {
		var inflateErr *Error
		if err == nil || (errors.As(err, &inflateErr) && inflateErr.Rule == RuleInvalidData) {
			// A reference before the message start is also why a fresh
			// window cannot inflate it: say so rather than "invalid data".
			if rerr := CheckReach(d.captured, d.reachBits, d.noContextTakeover); rerr != nil {
				err = rerr
			}
		}
	}
	return n, err
}

func (d *Decompressor) decompressTo(w io.Writer, src io.Reader) (int64, error) {
	d.stream.reset(src)
	d.stream.capture = nil
	if d.reachBits > 0 {
		d.captured = d.captured[:0]
		d.stream.capture = &d.captured
	}
	var dict []byte
	if !d.noContextTakeover {
		dict = d.history
	}
	d.buf.Reset(&d.stream)
	if err := d.fr.(flate.Resetter).Reset(d.buf, dict); err != nil {
		return 0, err
	}
	if d.piece == nil {
		d.piece = make([]byte, pieceSize)
	}
	var total int64
	for {
		// Never read past limit+1 octets of output.
		n, err := d.fr.Read(d.piece[:min(int64(len(d.piece)), d.limit+1-total)])
		total += int64(n)
		if total > d.limit {
			return total, errorf("RFC 7692 §7.2.2", RuleInflatedTooBig,
				"the message inflates to more than %d octets", d.limit)
		}
		if n > 0 {
			if !d.noContextTakeover {
				d.remember(d.piece[:n])
			}
			if _, werr := w.Write(d.piece[:n]); werr != nil {
				return total, werr
			}
		}
		if errors.Is(err, io.EOF) {
			return total, nil
		}
		if err != nil {
			if d.stream.err != nil {
				return total, d.stream.err
			}
			return total, errorf("RFC 7692 §7.2.2", RuleInvalidData, "inflating the message: %v", err)
		}
	}
}

// pieceSize is the output buffer of DecompressTo.
const pieceSize = 32 << 10

// remember keeps the last windowSize octets of output as the next
// message's dictionary.
func (d *Decompressor) remember(out []byte) {
	if len(out) >= windowSize {
		d.history = append(d.history[:0], out[len(out)-windowSize:]...)
		return
	}
	if keep := windowSize - len(out); len(d.history) > keep {
		d.history = append(d.history[:0], d.history[len(d.history)-keep:]...)
	}
	d.history = append(d.history, out...)
}

// source reads a message payload followed by the appended tails (octet by
// octet too: streamed payloads end with its tails). Decompress reads it
// through a reused bufio.Reader, the type flate's fast path decodes from.
type source struct {
	parts [3][]byte
	i     int
}

func (s *source) reset(a, b, c []byte) { s.parts, s.i = [3][]byte{a, b, c}, 0 }

func (s *source) Read(p []byte) (int, error) {
	for s.i < len(s.parts) && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == len(s.parts) {
		return 0, io.EOF
	}
	n := copy(p, s.parts[s.i])
	s.parts[s.i] = s.parts[s.i][n:]
	return n, nil
}

func (s *source) ReadByte() (byte, error) {
	for s.i < len(s.parts) && len(s.parts[s.i]) == 0 {
		s.i++
	}
	if s.i == len(s.parts) {
		return 0, io.EOF
	}
	b := s.parts[s.i][0]
	s.parts[s.i] = s.parts[s.i][1:]
	return b, nil
}

// streamSource is source for a payload that arrives as a stream: it reads
// the payload from src through a small buffer (flate wants an
// io.ByteReader), then the appended tails. An error other than io.EOF from
// src is kept, so DecompressTo can return it rather than a flate error.
type streamSource struct {
	src     io.Reader
	capture *[]byte // if set, what src yields is appended to it (up to reachCaptureLimit+1)
	buf     [4096]byte
	r, w    int
	tail    source
	err     error
}

func (s *streamSource) reset(src io.Reader) {
	s.src, s.r, s.w, s.err = src, 0, 0, nil
	s.tail.reset(tail, finalEmptyBlock, nil)
}

// fill makes buffered octets available; false once src is done.
func (s *streamSource) fill() bool {
	for s.r == s.w && s.src != nil {
		n, err := s.src.Read(s.buf[:])
		s.r, s.w = 0, n
		if s.capture != nil && len(*s.capture) <= reachCaptureLimit {
			*s.capture = append(*s.capture, s.buf[:n]...)
		}
		if err == io.EOF {
			s.src = nil
		} else if err != nil {
			s.err, s.src = err, nil
		}
	}
	return s.r < s.w
}

func (s *streamSource) Read(p []byte) (int, error) {
	if s.fill() {
		n := copy(p, s.buf[s.r:s.w])
		s.r += n
		return n, nil
	}
	if s.err != nil {
		return 0, s.err
	}
	return s.tail.Read(p)
}

func (s *streamSource) ReadByte() (byte, error) {
	if s.fill() {
		b := s.buf[s.r]
		s.r++
		return b, nil
	}
	if s.err != nil {
		return 0, s.err
	}
	return s.tail.ReadByte()
}
