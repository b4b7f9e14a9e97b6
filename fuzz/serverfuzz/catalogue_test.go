package serverfuzz

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/fuzz/netfuzz"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

// encodeSession writes a network fuzzer session (netfuzz.Seeds: a
// catalogue case's traffic) in the decoder's input format. Frames keep
// their header bits, length encoding, mask key and payload; what the format
// cannot say is approximated: a payload past 191 octets becomes the nearest
// of the decoder's long lengths (filled with one letter), a lying length
// the nearest lie it knows, and of the request only the extension offer
// (exact, up to 255 octets), a subprotocol offer and pipelining are kept.
func encodeSession(s netfuzz.Session, pipelined bool) []byte {
	var out []byte
	h := byte(0)
	var ext string
	if v := s.Request.Values("Sec-WebSocket-Extensions"); len(v) > 0 {
		ext = strings.Join(v, ", ")
		h |= 3 << 3
		if len(ext) > 255 {
			ext = ext[:255]
		}
	}
	if _, ok := s.Request.Get("Sec-WebSocket-Protocol"); ok {
		h |= 0x20
	}
	if pipelined {
		h |= 0x40
	}
	out = append(out, h)
	if ext != "" {
		out = append(append(out, byte(len(ext))), ext...)
	}
	steps := 0
	for _, st := range s.Steps {
		if steps >= maxSteps {
			break
		}
		if st.Raw != nil {
			for raw := st.Raw; len(raw) > 0 && steps < maxSteps; steps++ {
				n := min(len(raw), 191)
				out = append(append(out, kindSpecial, byte(n)), raw[:n]...)
				raw = raw[n:]
			}
			continue
		}
		out = appendFrame(out, st.Frame)
		steps++
	}
	return out
}

// appendFrame writes f as a kindRaw step.
func appendFrame(out []byte, f frame.Frame) []byte {
	b0 := f.Opcode & 0x0F
	if f.Fin {
		b0 |= 0x80
	}
	b0 |= frame.Opcode(f.Rsv&7) << 4
	b1 := byte(f.Encoding&3) << 1
	if !f.Header.Masked {
		b1 |= 1
	} else {
		b1 |= 0x40 // the frame's own key
	}
	payload := f.Payload
	hugeIdx := -1
	if lie := f.LengthOverride; lie != nil {
		n := uint64(len(payload))
		switch {
		case *lie == n+1:
			b1 |= 4 << 3
		case n > 0 && *lie == n-1:
			b1 |= 5 << 3
		case *lie == 0:
			b1 |= 7 << 3
		default:
			b1 |= 6 << 3
			hugeIdx = nearestHuge(*lie)
		}
	}
	out = append(out, kindRaw, byte(b0), b1)
	if f.Header.Masked {
		out = append(out, f.Header.Mask[:]...)
	}
	out = appendPayload(out, payload)
	if hugeIdx >= 0 {
		out = append(out, byte(hugeIdx))
	}
	return out
}

// appendPayload writes a payload the way stepDecoder.payload reads it.
func appendPayload(out, p []byte) []byte {
	if len(p) < 192 {
		return append(append(out, byte(len(p))), p...)
	}
	best := 0
	for i, l := range longLengths {
		if absDiff(l, len(p)) < absDiff(longLengths[best], len(p)) {
			best = i
		}
	}
	fill := byte(0) // 'a'
	if c, _ := utf8.DecodeRune(p); c >= 'a' && c <= 'z' {
		fill = byte(c - 'a')
	}
	return append(out, byte(192+best), fill)
}

func nearestHuge(v uint64) int {
	best := 0
	for i, h := range hugeLengths {
		if h <= v {
			best = i
		}
	}
	return best
}

func absDiff(a, b int) int { return max(a-b, b-a) }

// catalogueInputs is every server case's traffic in the decoder's format,
// by case id.
func catalogueInputs(t testing.TB) map[string][]byte {
	cs, err := cases.Select(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := handshake.NewClientRequest(&url.URL{Scheme: "ws", Host: "server.test", Path: "/"}, "dGhlIHNhbXBsZSBub25jZQ==")
	pipelined := map[string]bool{}
	for _, c := range cs {
		pipelined[c.ID] = c.Handshake != nil && c.Handshake.Pipelined
	}
	out := map[string][]byte{}
	for _, s := range netfuzz.Seeds(cs, base) {
		id := strings.TrimPrefix(s.Origin, "case ")
		out[id] = encodeSession(s, pipelined[id])
	}
	return out
}

// TestCatalogueSeeds: testdata/catalogue holds the server cases' traffic
// as inputs (-update rewrites it from the catalogue). Cases added since are
// only reported: a stale seed is still a seed, and the catalogue grows
// under other work. Every input runs on the reference server (sections
// 9 and 18 cut down to the decoder's lengths) without a finding, and most
// of them are answered 101 and reach their frames.
func TestCatalogueSeeds(t *testing.T) {
	want := catalogueInputs(t)
	if *update {
		os.RemoveAll(CatalogueDir)
		if err := os.MkdirAll(CatalogueDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for id, in := range want {
			if err := os.WriteFile(filepath.Join(CatalogueDir, id), in, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	missing := 0
	for id := range want {
		if _, err := os.Stat(filepath.Join(CatalogueDir, id)); err != nil {
			missing++
		}
	}
	if missing > 0 {
		t.Logf("%d of %d server cases have no seed in %s yet: go test ./fuzz/serverfuzz -run TestCatalogueSeeds -update", missing, len(want), CatalogueDir)
	}
	seeds := CatalogueSeeds(CatalogueDir)
	if len(seeds) < 500 || missing > len(want)/10 {
		t.Fatalf("%d seeds in %s, %d of the catalogue's %d server cases missing: run with -update", len(seeds), CatalogueDir, missing, len(want))
	}
	// Every fifth seed is run (the fuzzer runs them all; -race makes all
	// of them cost seconds here).
	h := ForConn(server.New(server.Config{MaxMessageSize: 1 << 20}).ServeConn)
	upgraded, ran := 0, 0
	for i := 0; i < len(seeds); i += 5 {
		in := seeds[i]
		ran++
		o := h.runSession(Decode(in))
		if o.finding != nil {
			t.Fatalf("seed %d: %v", i, o.finding.String())
		}
		if o.status == 101 && o.received > 0 {
			upgraded++
		}
	}
	if upgraded < ran*3/4 {
		t.Fatalf("only %d of %d seeds run reached frames the server answered", upgraded, ran)
	}
	t.Logf("%d seeds, %d run: %d answered 101 with frames", len(seeds), ran, upgraded)
}
