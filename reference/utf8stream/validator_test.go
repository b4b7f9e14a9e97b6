package utf8stream

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func unhex(t *testing.T, fragments ...string) [][]byte {
	t.Helper()
	out := make([][]byte, len(fragments))
	for i, f := range fragments {
		b, err := hex.DecodeString(f)
		if err != nil {
			t.Fatalf("bad hex %q: %v", f, err)
		}
		out[i] = b
	}
	return out
}

// TestFailFast pins the octet at which a stream becomes certainly invalid,
// and that it is reported by the Write that delivers it.
func TestFailFast(t *testing.T) {
	tests := []struct {
		name       string
		fragments  []string
		bad        int64
		reportedIn int
	}{
		{"beyond U+10FFFF fails at 2nd octet", []string{"f4", "90", "8080"}, 1, 1},
		{"surrogate fails at 2nd octet", []string{"41ed", "a0", "80"}, 2, 1},
		{"C0 fails at once", []string{"c0"}, 0, 0},
		{"C1 fails at once", []string{"41", "c1"}, 1, 1},
		{"F5 fails at once", []string{"f5"}, 0, 0},
		{"FF fails at once", []string{"4141ff"}, 2, 0},
		{"lone continuation fails at once", []string{"80"}, 0, 0},
		{"overlong E0 80 fails at 2nd octet", []string{"e0", "80", "80"}, 1, 1},
		{"overlong E0 9F fails at 2nd octet", []string{"e09f"}, 1, 0},
		{"overlong F0 8F fails at 2nd octet", []string{"f0", "8f"}, 1, 1},
		{"bad 3rd octet", []string{"e2", "82", "41"}, 2, 2},
		{"bad 4th octet", []string{"f0", "9f", "98", "c3"}, 3, 3},
		{"new lead inside a sequence", []string{"e282e2"}, 2, 0},
		{"autobahn 6.3.1 (invalid at octet 13)", []string{"cebae1bdb9cf83cebcceb5eda080656469746564"}, 12, 0},
		{"autobahn 6.4.1 fails in chunk 2", []string{"cebae1bdb9cf83cebcceb5", "f4908080", "656469746564"}, 12, 1},
		{"autobahn 6.4.2 fails in chunk 2", []string{"cebae1bdb9cf83cebcceb5f4", "90", "8080656469746564"}, 12, 1},
		{"error after long ASCII run", []string{strings.Repeat("41", 100) + "ff" + strings.Repeat("41", 100)}, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, in := feed(unhex(t, tt.fragments...))
			if got.bad != tt.bad || in != tt.reportedIn {
				t.Errorf("bad=%d in fragment %d; want %d in fragment %d", got.bad, in, tt.bad, tt.reportedIn)
			}
		})
	}
}

// TestWaitsWhileCompletable checks that a split code point is not judged
// before it can be.
func TestWaitsWhileCompletable(t *testing.T) {
	tests := []struct {
		name      string
		fragments []string
		tail      int64 // Finish result
	}{
		{"4-octet split everywhere", []string{"f0", "9f", "98", "80"}, -1},
		{"F4 8F BF BF = U+10FFFF", []string{"f48f", "bfbf"}, -1},
		{"ED 9F BF = U+D7FF", []string{"ed", "9fbf"}, -1},
		{"ends after lead", []string{"41", "e2"}, 1},
		{"ends mid sequence", []string{"4141f0", "9f98"}, 2},
		{"empty fragments", []string{"", "ce", "", "ba", ""}, -1},
		{"empty stream", nil, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v Validator
			for _, f := range unhex(t, tt.fragments...) {
				if bad := v.Write(f); bad >= 0 {
					t.Fatalf("Write reported %d while the stream could still complete", bad)
				}
			}
			if got := v.Finish(); got != tt.tail {
				t.Errorf("Finish = %d, want %d", got, tt.tail)
			}
		})
	}
}

func TestStickyFailureAndReset(t *testing.T) {
	var v Validator
	if bad := v.Write([]byte{'a', 0xC0}); bad != 1 {
		t.Fatalf("Write = %d, want 1", bad)
	}
	if bad := v.Write([]byte("ok")); bad != 1 {
		t.Errorf("after failure Write = %d, want sticky 1", bad)
	}
	if bad := v.Finish(); bad != 1 {
		t.Errorf("after failure Finish = %d, want sticky 1", bad)
	}
	if v.Offset() != 4 {
		t.Errorf("Offset = %d, want 4", v.Offset())
	}
	v.Reset()
	if bad := v.Write([]byte("ok")); bad != -1 || v.Finish() != -1 || v.Offset() != 2 {
		t.Errorf("after Reset: not a fresh validator")
	}
}

// TestKuhnStressCases runs Autobahn 6.3-6.23 (Markus Kuhn's stress test as
// Autobahn frames it): the validity Autobahn expects, fragmented the way it
// sends them, and again one octet at a time.
func TestKuhnStressCases(t *testing.T) {
	f, err := os.Open("testdata/kuhn.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cases := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			t.Fatalf("malformed row %q", line)
		}
		id, wantValid := cols[0], cols[2] == "true"
		cases++
		t.Run(id, func(t *testing.T) {
			fragments := unhex(t, strings.Split(cols[1], "|")...)
			whole := bytes.Join(fragments, nil)
			if utf8.Valid(whole) != wantValid {
				t.Fatalf("testdata disagrees with unicode/utf8 about %x", whole)
			}
			if Valid(whole) != wantValid {
				t.Errorf("Valid = %v, want %v", !wantValid, wantValid)
			}
			want := oracle(whole)
			for _, split := range [][][]byte{fragments, octets(whole)} {
				got, _ := feed(split)
				if got != want {
					t.Errorf("fed as %d fragments: %+v, want %+v", len(split), got, want)
				}
				if (got.bad < 0 && got.tail < 0) != wantValid {
					t.Errorf("fed as %d fragments: valid=%v, want %v", len(split), !wantValid, wantValid)
				}
			}
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cases != 138 {
		t.Errorf("read %d cases from testdata/kuhn.tsv, want 138", cases)
	}
}

func octets(p []byte) [][]byte {
	out := make([][]byte, len(p))
	for i := range p {
		out[i] = p[i : i+1]
	}
	return out
}
