package utf8stream

// Validator checks one UTF-8 stream (one WebSocket text message) fed in
// fragments. The zero value is ready for a new stream.
type Validator struct {
	consumed int64
	seqStart int64 // offset of the lead octet of the code point in progress
	failed   bool
	badAt    int64
	a        automaton
}

// Reset prepares v for a new stream.
func (v *Validator) Reset() { *v = Validator{} }

// Offset returns the number of octets fed so far.
func (v *Validator) Offset() int64 { return v.consumed }

// Write feeds the next fragment. It returns -1 while the stream can still
// turn out valid, else the absolute offset of the first octet that no
// continuation could make valid. A failure is sticky: later calls return the
// same offset until Reset.
func (v *Validator) Write(p []byte) (bad int64) {
	base := v.consumed
	v.consumed += int64(len(p))
	if v.failed {
		return v.badAt
	}
	i := 0
	// Finish a code point the previous fragment cut off.
	for ; v.a.pending > 0 && i < len(p); i++ {
		if !v.a.step(p[i]) {
			return v.fail(base + int64(i))
		}
	}
	if v.a.pending > 0 {
		return -1
	}
	i += completePrefix(p[i:])
	// What is left is one invalid sequence or one cut off by the fragment's
	// end; the automaton tells which, and where exactly it breaks.
	for ; i < len(p); i++ {
		if v.a.pending == 0 {
			v.seqStart = base + int64(i)
		}
		if !v.a.step(p[i]) {
			return v.fail(base + int64(i))
		}
	}
	return -1
}

// Finish ends the stream: -1 if everything fed is complete, valid UTF-8;
// otherwise the failure offset, or for a stream that ends inside a code
// point, the offset of that code point's lead octet.
func (v *Validator) Finish() (bad int64) {
	if !v.failed && v.a.pending > 0 {
		return v.fail(v.seqStart)
	}
	if v.failed {
		return v.badAt
	}
	return -1
}

func (v *Validator) fail(at int64) int64 {
	v.failed, v.badAt = true, at
	return at
}
