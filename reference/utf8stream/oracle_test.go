package utf8stream

import "unicode/utf8"

// verdict is what an ideal incremental validator says about a whole input,
// derived from unicode/utf8 alone so that it shares no code with the
// package under test.
type verdict struct {
	bad  int64 // first octet no continuation can make valid, or -1
	tail int64 // lead octet of a code point cut off by the end, or -1
}

func oracle(p []byte) verdict {
	for i := 0; i < len(p); {
		if !utf8.FullRune(p[i:]) {
			return verdict{bad: -1, tail: int64(i)}
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			// The longest run that is still an unfinished sequence
			// tells how far the stream stayed completable.
			j := 1
			for j < 4 && i+j <= len(p) && !utf8.FullRune(p[i:i+j]) {
				j++
			}
			return verdict{bad: int64(i + j - 1), tail: -1}
		}
		i += size
	}
	return verdict{bad: -1, tail: -1}
}

// feed runs a fresh Validator over the fragments and returns the verdict it
// reached, plus the index of the fragment at which Write first reported.
func feed(fragments [][]byte) (got verdict, reportedIn int) {
	var v Validator
	reportedIn = -1
	got = verdict{bad: -1, tail: -1}
	for k, f := range fragments {
		if bad := v.Write(f); bad >= 0 {
			got.bad, reportedIn = bad, k
			break
		}
	}
	if got.bad < 0 {
		if at := v.Finish(); at >= 0 {
			got.tail = at
		}
	}
	return got, reportedIn
}
