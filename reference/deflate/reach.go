package deflate

import (
	"errors"
	"fmt"
)

// Rule ids of the errors CheckReach returns.
const (
	// RuleWindowExceeded: a back-reference is farther than the agreed
	// *_max_window_bits allow (§7.1.2.1, §7.1.2.2).
	RuleWindowExceeded = "pmd-window-exceeded"
	// RuleContextKept: a back-reference reaches before the start of a
	// message although no_context_takeover was agreed for that direction
	// (§7.1.1.1, §7.1.1.2): the sender kept its LZ77 window.
	RuleContextKept = "pmd-context-kept"
)

// Reach is what a walk over one message's DEFLATE data found: how far back
// its back-references point.
type Reach struct {
	Output      int64 // octets the message inflates to
	MaxDistance int   // the longest back-reference distance (0: none)
	// BeforeStart is the farthest a back-reference reaches before the
	// message's first octet (0: none reaches into earlier messages).
	BeforeStart int
}

// Walk decodes the DEFLATE data of one message (its payload as sent, RFC
// 7692 §7.2.2 appends the tail) without producing the output, and reports
// the reach of its back-references. It reads the blocks up to a final
// block or the end of the data; data that ends inside a block is an error.
// Stored and Huffman blocks are decoded as RFC 1951 §3.2 describes them.
func Walk(payload []byte) (Reach, error) {
	w := walker{in: append(payload[:len(payload):len(payload)], tail...)}
	err := w.blocks()
	return w.reach, err
}

// CheckReach says whether a message from a peer that agreed to windowBits
// (8-15; 0 or 15: the DEFLATE maximum) and, with noContext, to start every
// message from an empty window, keeps those promises: nil when it does, or
// when the data cannot be walked (inflating it reports that).
func CheckReach(payload []byte, windowBits int, noContext bool) error {
	r, err := Walk(payload)
	if err != nil {
		return nil
	}
	if windowBits > 0 && windowBits < MaxWindowBits && r.MaxDistance > 1<<windowBits {
		return errorf("RFC 7692 §7.1.2", RuleWindowExceeded,
			"a back-reference of distance %d exceeds the agreed window of 2^%d = %d octets", r.MaxDistance, windowBits, 1<<windowBits)
	}
	if noContext && r.BeforeStart > 0 {
		return errorf("RFC 7692 §7.1.1", RuleContextKept,
			"a back-reference reaches %d octets before the message although no context takeover was agreed: the sender kept its window", r.BeforeStart)
	}
	return nil
}

var errTruncated = errors.New("deflate data ends inside a block")

type walker struct {
	in    []byte
	pos   int
	bits  uint32
	nbits uint
	reach Reach
}

func (w *walker) need(n uint) (uint32, error) {
	for w.nbits < n {
		if w.pos >= len(w.in) {
			return 0, errTruncated
		}
		w.bits |= uint32(w.in[w.pos]) << w.nbits
		w.pos++
		w.nbits += 8
	}
	v := w.bits & (1<<n - 1)
	w.bits >>= n
	w.nbits -= n
	return v, nil
}

// huffman is a canonical code as RFC 1951 §3.2.2 builds it: how many codes
// of each length, and the symbols in code order.
type huffman struct {
	count  [16]int
	symbol []int
}

func newHuffman(lengths []int) (*huffman, error) {
	h := &huffman{symbol: make([]int, 0, len(lengths))}
	for _, l := range lengths {
		h.count[l]++
	}
	left := 1
	for l := 1; l < 16; l++ {
		left = left<<1 - h.count[l]
		if left < 0 {
			return nil, errors.New("over-subscribed Huffman code")
		}
	}
	var offs [16]int
	for l := 1; l < 15; l++ {
		offs[l+1] = offs[l] + h.count[l]
	}
	h.symbol = h.symbol[:offs[15]+h.count[15]]
	for sym, l := range lengths {
		if l != 0 {
			h.symbol[offs[l]] = sym
			offs[l]++
		}
	}
	return h, nil
}

func (w *walker) decode(h *huffman) (int, error) {
	code, first, index := 0, 0, 0
	for l := 1; l < 16; l++ {
		b, err := w.need(1)
		if err != nil {
			return 0, err
		}
		code |= int(b)
		count := h.count[l]
		if code-count < first {
			return h.symbol[index+code-first], nil
		}
		index += count
		first = (first + count) << 1
		code <<= 1
	}
	return 0, errors.New("invalid Huffman code")
}

var (
	lengthBase  = [...]int{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [...]uint{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [...]int{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [...]uint{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}
	clOrder     = [...]int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
)

var fixedLit, fixedDist = func() (*huffman, *huffman) {
	l := make([]int, 288)
	for i := range l {
		switch {
		case i < 144:
			l[i] = 8
		case i < 256:
			l[i] = 9
		case i < 280:
			l[i] = 7
		default:
			l[i] = 8
		}
	}
	d := make([]int, 30)
	for i := range d {
		d[i] = 5
	}
	lit, _ := newHuffman(l)
	dist, _ := newHuffman(d)
	return lit, dist
}()

func (w *walker) blocks() error {
	for {
		if w.pos >= len(w.in) && w.nbits < 8 {
			return nil // the data ended at a block boundary
		}
		final, err := w.need(1)
		if err != nil {
			return err
		}
		typ, err := w.need(2)
		if err != nil {
			return err
		}
		switch typ {
		case 0:
			err = w.stored()
		case 1:
			err = w.codes(fixedLit, fixedDist)
		case 2:
			err = w.dynamic()
		default:
			err = errors.New("invalid block type 3")
		}
		if err != nil || final == 1 {
			return err
		}
	}
}

func (w *walker) stored() error {
	w.bits, w.nbits = 0, 0 // to the next octet
	if w.pos+4 > len(w.in) {
		return errTruncated
	}
	n := int(w.in[w.pos]) | int(w.in[w.pos+1])<<8
	if n != ^(int(w.in[w.pos+2])|int(w.in[w.pos+3])<<8)&0xffff {
		return errors.New("stored block length does not match its complement")
	}
	w.pos += 4
	if w.pos+n > len(w.in) {
		return errTruncated
	}
	w.pos += n
	w.reach.Output += int64(n)
	return nil
}

func (w *walker) dynamic() error {
	hlit, err := w.need(5)
	if err != nil {
		return err
	}
	hdist, err := w.need(5)
	if err != nil {
		return err
	}
	hclen, err := w.need(4)
	if err != nil {
		return err
	}
	nlit, ndist := int(hlit)+257, int(hdist)+1
	if nlit > 286 || ndist > 30 {
		return errors.New("too many length or distance codes")
	}
	var cl [19]int
	for i := range int(hclen) + 4 {
		v, err := w.need(3)
		if err != nil {
			return err
		}
		cl[clOrder[i]] = int(v)
	}
	clh, err := newHuffman(cl[:])
	if err != nil {
		return err
	}
	lengths := make([]int, nlit+ndist)
	for i := 0; i < len(lengths); {
		sym, err := w.decode(clh)
		if err != nil {
			return err
		}
		if sym < 16 {
			lengths[i] = sym
			i++
			continue
		}
		val, rep := 0, 0
		switch sym {
		case 16:
			if i == 0 {
				return errors.New("repeat with no previous length")
			}
			val = lengths[i-1]
			r, err := w.need(2)
			if err != nil {
				return err
			}
			rep = 3 + int(r)
		case 17:
			r, err := w.need(3)
			if err != nil {
				return err
			}
			rep = 3 + int(r)
		default:
			r, err := w.need(7)
			if err != nil {
				return err
			}
			rep = 11 + int(r)
		}
		if i+rep > len(lengths) {
			return errors.New("code lengths repeat past their end")
		}
		for range rep {
			lengths[i] = val
			i++
		}
	}
	lit, err := newHuffman(lengths[:nlit])
	if err != nil {
		return err
	}
	dist, err := newHuffman(lengths[nlit:])
	if err != nil {
		return err
	}
	return w.codes(lit, dist)
}

func (w *walker) codes(lit, dist *huffman) error {
	for {
		sym, err := w.decode(lit)
		if err != nil {
			return err
		}
		switch {
		case sym < 256:
			w.reach.Output++
			continue
		case sym == 256:
			return nil
		case sym > 285:
			return fmt.Errorf("invalid length symbol %d", sym)
		}
		sym -= 257
		extra, err := w.need(lengthExtra[sym])
		if err != nil {
			return err
		}
		length := lengthBase[sym] + int(extra)
		dsym, err := w.decode(dist)
		if err != nil {
			return err
		}
		if dsym > 29 {
			return fmt.Errorf("invalid distance symbol %d", dsym)
		}
		dextra, err := w.need(distExtra[dsym])
		if err != nil {
			return err
		}
		d := distBase[dsym] + int(dextra)
		w.reach.MaxDistance = max(w.reach.MaxDistance, d)
		if before := int64(d) - w.reach.Output; before > 0 {
			w.reach.BeforeStart = max(w.reach.BeforeStart, int(before))
		}
		w.reach.Output += int64(length)
	}
}
