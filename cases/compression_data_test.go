package cases

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"unicode/utf8"
)

// TestPayloadKinds checks the stand-ins for Autobahn's data files: exact
// sizes, text that is UTF-8, the documented shape of each, determinism,
// and compressibility in the order of the real files (prose and JSON
// compress well, the image less, the PDF-like file least).
func TestPayloadKinds(t *testing.T) {
	ratio := map[string]float64{}
	for _, k := range payloadKinds {
		d := k.data()
		if len(d) != k.size {
			t.Errorf("%s: %d octets, want %d", k.name, len(d), k.size)
		}
		if k.text && !utf8.Valid(d) {
			t.Errorf("%s: sent as text but not UTF-8", k.name)
		}
		if again := k.generate(k.size); !bytes.Equal(again, d) {
			t.Errorf("%s: generator is not deterministic", k.name)
		}
		var z bytes.Buffer
		w, _ := flate.NewWriter(&z, flate.BestSpeed)
		w.Write(d)
		w.Close()
		ratio[k.standIn] = float64(z.Len()) / float64(len(d))
	}
	if !json.Valid(payloadKinds[0].data()) {
		t.Error("the JSON stand-in is not valid JSON")
	}
	bmp := payloadKinds[1].data()
	if string(bmp[:2]) != "BM" || binary.LittleEndian.Uint32(bmp[2:]) != uint32(len(bmp)) || binary.LittleEndian.Uint32(bmp[18:]) != 512 {
		t.Errorf("BMP header % x", bmp[:26])
	}
	nonASCII := 0
	for _, r := range string(payloadKinds[3].data()) {
		if r >= utf8.RuneSelf {
			nonASCII++
		}
	}
	if nonASCII != 26 {
		t.Errorf("HTML stand-in has %d non-ASCII characters, want 26 as data1.html", nonASCII)
	}
	prose, json, image, pdf := ratio[payloadKinds[2].standIn], ratio[payloadKinds[0].standIn], ratio[payloadKinds[1].standIn], ratio[payloadKinds[4].standIn]
	if !(json < image && prose < image && image < pdf && pdf > 0.5) {
		t.Errorf("compression ratios %v: want prose, JSON < image < PDF-like (> 0.5)", ratio)
	}
	t.Logf("flate.BestSpeed ratios: %v", ratio)
}

// The messages walk the document from its start, Size characters (text)
// or octets at a time, the last wrapping to its start, then start over.
func TestCompressionMessagesWalkTheDocument(t *testing.T) {
	for _, tc := range []struct {
		doc   string
		text  bool
		size  int
		count int
		walk  int // distinct messages
		want  []string
	}{
		{"aκb", true, 2, 5, 2, []string{"aκ", "ba", "aκ", "ba", "aκ"}}, // κ is 2 octets, one character
		{"abcd", false, 3, 4, 2, []string{"abc", "dab", "abc", "dab"}},
		{"abcd", false, 2, 3, 2, []string{"ab", "cd", "ab"}},
		{"abcd", false, 4, 2, 1, []string{"abcd", "abcd"}},
		{"abcd", false, 6, 2, 1, []string{"abcdab", "abcdab"}},
		{"aκb", true, 7, 2, 1, []string{"aκbaκba", "aκbaκba"}},
		{"abcdef", false, 1, 3, 3, []string{"a", "b", "c"}},
	} {
		doc := payloadKind{standIn: fmt.Sprintf("test walk %q", tc.doc), size: len(tc.doc), text: tc.text, generate: func(int) []byte { return []byte(tc.doc) }}
		p := &CompressionPlan{Payload: doc, Size: tc.size, Count: tc.count}
		var got []string
		for i, msg := range p.Messages() {
			if i != len(got) {
				t.Fatalf("%q by %d: message %d yielded as %d", tc.doc, tc.size, len(got), i)
			}
			got = append(got, string(msg))
		}
		if !slices.Equal(got, tc.want) || len(p.Walk()) != tc.walk {
			t.Errorf("%q by %d (text %t), %d messages: %q, %d distinct; want %q, %d", tc.doc, tc.size, tc.text, tc.count, got, len(p.Walk()), tc.want, tc.walk)
		}
	}
}

func TestCompressionCatalogue(t *testing.T) {
	var n12, n13 int
	for _, c := range All() {
		switch c.Section() {
		case "12":
			n12++
		case "13":
			n13++
		default:
			continue
		}
		if p := c.Compression; c.Serial || p == nil || c.Timer.After < 60e9 || p.Count != 1000 || p.Declined != Unimplemented || len(c.Steps) > 0 {
			t.Errorf("%s: serial %t, plan %+v, steps %d, timer %v", c.ID, c.Serial, p, len(c.Steps), c.Timer.After)
		}
	}
	if n12 != 90 || n13 != 126 {
		t.Errorf("%d cases in 12 and %d in 13; Autobahn has 90 and 126", n12, n13)
	}
	for id, want := range map[string]string{"12.1.1": "16 characters, one frame", "12.2.10": "131072 octets, one frame", "12.3.11": "8192 octets, split into frames of 256",
		"13.4.18": "131072 characters, split into frames of 32768", "12.5.16": "131072 octets, split into frames of 1024"} {
		c, ok := Lookup(id)
		if !ok || !bytes.Contains([]byte(c.Title), []byte(want)) {
			t.Errorf("%s: title %q, want it to say %q", id, c.Title, want)
		}
	}
}
