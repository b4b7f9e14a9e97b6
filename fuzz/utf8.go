package fuzz

import (
	"fmt"
	"unicode/utf8"

	"github.com/wsconform/wsconform/reference/utf8stream"
)

// UTF8 is the go-fuzz entry point for reference/utf8stream. Input layout:
//
//	data[0]            n = data[0] % 8, the number of cut points
//	data[1 : 1+n]      fragment lengths, in order
//	data[1+n:]         the text; what the lengths leave over is the last fragment
//
// It feeds the text to a Validator fragment by fragment and panics unless
// (a) the verdict agrees with unicode/utf8.Valid on the whole text, and
// (b) Write reports exactly the first octet that no continuation could make
// valid, in the fragment that delivers it, and Finish reports the lead
// octet of a code point the text cuts off.
func UTF8(data []byte) int {
	if len(data) == 0 {
		return -1
	}
	n := min(int(data[0]%8), len(data)-1)
	lengths, text := data[1:1+n], data[1+n:]

	wantBad, wantTail := utf8Oracle(text)
	var v utf8stream.Validator
	gotBad, gotTail := int64(-1), int64(-1)
	rest := text
	for k := 0; k <= n; k++ {
		size := len(rest)
		if k < n {
			size = min(int(lengths[k]), len(rest))
		}
		fragment := rest[:size]
		rest = rest[size:]
		start := v.Offset()
		if bad := v.Write(fragment); bad >= 0 {
			if bad < start || bad >= v.Offset() {
				panic(fmt.Sprintf("text %x: offset %d reported by fragment [%d,%d)", text, bad, start, v.Offset()))
			}
			gotBad = bad
			break
		}
	}
	if gotBad < 0 {
		gotTail = v.Finish()
	}
	if valid := gotBad < 0 && gotTail < 0; valid != utf8.Valid(text) {
		panic(fmt.Sprintf("text %x: validator says valid=%v, unicode/utf8 says %v", text, valid, !valid))
	}
	if gotBad != wantBad || gotTail != wantTail {
		panic(fmt.Sprintf("text %x cut at %v: bad=%d tail=%d, want bad=%d tail=%d",
			text, lengths, gotBad, gotTail, wantBad, wantTail))
	}
	if utf8stream.Valid(text) != utf8.Valid(text) {
		panic(fmt.Sprintf("text %x: utf8stream.Valid disagrees with unicode/utf8", text))
	}
	if wantBad < 0 && wantTail < 0 {
		return 1
	}
	return 0
}

// utf8Oracle derives the ideal incremental verdict from unicode/utf8 alone:
// bad is the first octet no continuation can make valid; tail is the lead
// octet of a code point cut off by the end of p. Each is -1 when absent.
func utf8Oracle(p []byte) (bad, tail int64) {
	for i := 0; i < len(p); {
		if !utf8.FullRune(p[i:]) {
			return -1, int64(i)
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			// The sequence stayed completable for as long as it was an
			// unfinished prefix; the octet after that broke it.
			j := 1
			for j < 4 && i+j <= len(p) && !utf8.FullRune(p[i:i+j]) {
				j++
			}
			return int64(i + j - 1), -1
		}
		i += size
	}
	return -1, -1
}
