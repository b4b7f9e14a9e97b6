package cases

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"unicode/utf8"
)

// Autobahn's sections 12 and 13 compress slices of five files from its
// testdata folder, which wsconform does not ship. These generators make
// deterministic stand-ins of the same kind and exact size, so message
// sizes, text/binary types and the rough compressibility match; the octets
// do not, so ratios and timings compare only roughly with Autobahn's.

// payloadKind is one of the five documents of section 12.
type payloadKind struct {
	name     string // what Autobahn sends ("" for a document of our own)
	standIn  string // what we send instead
	size     int    // octets, as Autobahn's file
	text     bool   // sent as text (sliced in characters) or binary
	generate func(size int) []byte
}

var payloadKinds = []payloadKind{
	{"JSON document data1.json", "a generated JSON document", 194056, true, jsonDocument},
	{"Lena 512x512 bitmap lena512.bmp", "a generated 512x512 8-bit grey-scale BMP image", 263222, false, bitmapImage},
	{"Goethe's Faust I plain text pg2229.txt, sent as binary", "generated German-like prose", 222218, false, proseText},
	{"HTML document data1.html", "a generated HTML document with 26 non-ASCII characters", 263647, true, htmlDocument},
	{"PDF 10.1.1.105.5439.pdf", "a generated PDF-like file (text objects and incompressible streams)", 1042328, false, pdfLike},
}

var payloadCache sync.Map // kind name -> func() []byte (sync.OnceValue)

// data is the kind's document, generated on first use and shared (read-only).
func (k payloadKind) data() []byte {
	f, _ := payloadCache.LoadOrStore(k.key(), sync.OnceValue(func() []byte {
		b := k.generate(k.size)
		if len(b) != k.size {
			panic(fmt.Sprintf("cases: %s generated %d octets, want %d", k.key(), len(b), k.size))
		}
		return b
	}))
	return f.(func() []byte)()
}

// key names the document uniquely.
func (k payloadKind) key() string {
	if k.name != "" {
		return k.name
	}
	return k.standIn
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x77736366)) }

// padTo cuts or pads (with pad repeated) b to exactly size octets.
func padTo(b []byte, size int, pad byte) []byte {
	if len(b) >= size {
		return b[:size]
	}
	for len(b) < size {
		b = append(b, pad)
	}
	return b
}

var words = strings.Fields(`der die das und ist nicht ein eine ich du er sie es wir ihr mit von zu auf
	für aus bei nach über unter Geist Welt Himmel Erde Herz Seele Zeit Nacht Tag Licht Gott Teufel Mensch
	Wissen Glück Liebe Tod Leben Natur Kraft Wort Tat Sinn Grund Buch Kunst lang kurz Ach Faust Mephistopheles
	Gretchen Wagner Studierzimmer Straße Garten Kerker Philosophie Juristerei Medizin Theologie heißem Bemühn
	Tor klug wie zuvor heiße Magister Doktor gar zehen Jahr herauf herab quer krumm Schüler Nase weiß nichts
	wissen können Herz verbrennen zwar gescheiter Laffen Schreiber Pfaffen plagen Skrupel Zweifel fürchte Hölle`)

// proseText is lines of words with punctuation, about 70 characters wide,
// as a Project Gutenberg text looks (UTF-8, some umlauts).
func proseText(size int) []byte {
	r := seeded(3)
	var b strings.Builder
	line := 0
	for b.Len() < size {
		w := words[r.IntN(len(words))]
		if r.IntN(12) == 0 {
			w += [...]string{",", ".", "!", ";", "?"}[r.IntN(5)]
		}
		if line+len(w) > 70 {
			b.WriteString("\n")
			line = 0
			if r.IntN(8) == 0 {
				b.WriteString("\n")
			}
		} else if line > 0 {
			b.WriteString(" ")
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return []byte(b.String()[:size])
}

// jsonDocument is a JSON array of records, padded with trailing spaces
// (insignificant in JSON) to the exact size.
func jsonDocument(size int) []byte {
	r := seeded(1)
	b := []byte("[\n")
	for i := 0; ; i++ {
		rec := fmt.Sprintf(`  {"id": %d, "guid": "%08x-%04x", "isActive": %t, "balance": "%d.%02d", "age": %d, "name": "%s %s", "tags": ["%s", "%s"], "about": "%s %s %s %s."}`,
			i, r.Uint32(), r.IntN(1<<16), r.IntN(2) == 0, r.IntN(4000), r.IntN(100), 20+r.IntN(50),
			words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))],
			words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))])
		if len(b)+len(rec)+4 > size {
			break
		}
		if i > 0 {
			b = append(b, ",\n"...)
		}
		b = append(b, rec...)
	}
	b = append(b, "\n]"...)
	return padTo(b, size, ' ')
}

// htmlDocument is paragraphs of prose in HTML (ASCII words), with 26
// non-ASCII characters as Autobahn's data1.html has, padded inside a final
// comment.
func htmlDocument(size int) []byte {
	r := seeded(4)
	var ascii []string
	for _, w := range words {
		if utf8.ValidString(w) && len(w) == utf8.RuneCountInString(w) {
			ascii = append(ascii, w)
		}
	}
	nonASCII := []rune("éüöäßàçñ€—“”’ÉÜÖÄ«»°±×÷¿¡©")
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"de\">\n<head><meta charset=\"utf-8\"><title>wsconform</title></head>\n<body>\n")
	placed := 0
	for b.Len() < size-4096 {
		b.WriteString("<p class=\"text\">")
		for range 20 + r.IntN(40) {
			b.WriteString(ascii[r.IntN(len(ascii))])
			b.WriteString(" ")
		}
		if placed < len(nonASCII) && r.IntN(10) == 0 {
			b.WriteRune(nonASCII[placed])
			placed++
		}
		b.WriteString("</p>\n")
	}
	for ; placed < len(nonASCII); placed++ {
		b.WriteRune(nonASCII[placed])
	}
	b.WriteString("\n</body>\n</html>\n<!--")
	out := padTo([]byte(b.String()), size-3, '-')
	return append(out, "-->"...)
}

// bitmapImage is an uncompressed BMP: 54-octet header, a 256-entry grey
// palette, then 512x512 8-bit pixels of smooth shapes with sensor noise, a
// continuous-tone picture as lena512.bmp is.
func bitmapImage(size int) []byte {
	const w, h = 512, 512
	b := make([]byte, 0, size)
	b = append(b, 'B', 'M')
	b = binary.LittleEndian.AppendUint32(b, uint32(size))
	b = binary.LittleEndian.AppendUint32(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 54+1024) // pixel data offset
	b = binary.LittleEndian.AppendUint32(b, 40)      // BITMAPINFOHEADER
	b = binary.LittleEndian.AppendUint32(b, w)
	b = binary.LittleEndian.AppendUint32(b, h)
	b = binary.LittleEndian.AppendUint16(b, 1) // planes
	b = binary.LittleEndian.AppendUint16(b, 8) // bits per pixel
	b = binary.LittleEndian.AppendUint32(b, 0) // no compression
	b = binary.LittleEndian.AppendUint32(b, w*h)
	b = binary.LittleEndian.AppendUint32(b, 2835)
	b = binary.LittleEndian.AppendUint32(b, 2835)
	b = binary.LittleEndian.AppendUint32(b, 256)
	b = binary.LittleEndian.AppendUint32(b, 0)
	for i := range 256 {
		b = append(b, byte(i), byte(i), byte(i), 0)
	}
	r := seeded(2)
	for y := range h {
		for x := range w {
			fx, fy := float64(x)/w, float64(y)/h
			v := 110 + 60*math.Sin(6*fx+2*fy) + 40*math.Cos(9*fy-3*fx*fy) + 20*math.Sin(25*math.Hypot(fx-0.5, fy-0.4))
			v += float64(r.IntN(3) - 1)
			b = append(b, byte(max(0, min(255, v))))
		}
	}
	return b
}

// pdfLike is a PDF-shaped file: text objects (compressible) interleaved
// with streams of random octets, as a PDF's already-deflated streams are.
func pdfLike(size int) []byte {
	r := seeded(5)
	b := []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	for obj := 1; len(b) < size-1024; obj++ {
		if obj%2 == 1 {
			b = fmt.Appendf(b, "%d 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /Font << /F1 %d 0 R >> >> /MediaBox [0 0 612 792] >>\nendobj\n", obj, obj+1)
			for range 10 + r.IntN(20) {
				b = fmt.Appendf(b, "BT /F1 %d Tf %d %d Td (%s %s %s) Tj ET\n", 8+r.IntN(6), r.IntN(600), r.IntN(780),
					words[r.IntN(len(words))], words[r.IntN(len(words))], words[r.IntN(len(words))])
			}
			continue
		}
		n := 2048 + r.IntN(8192)
		b = fmt.Appendf(b, "%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n", obj, n)
		for range n {
			b = append(b, byte(r.Uint32()))
		}
		b = append(b, "\nendstream\nendobj\n"...)
	}
	b = padTo(b, size-6, '\n')
	return append(b, "%%EOF\n"...)
}
