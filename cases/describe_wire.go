package cases

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
)

// The catalogue shows what goes on the wire, octet for octet: payloads up
// to fullOctets octets in hex, longer ones by their first octets, length
// and SHA-256, so that changing any octet changes the rendering.
const fullOctets = 256

// StepView is a Step as the catalogue shows it.
type StepView struct {
	Send      *FrameView `json:"send,omitempty"`
	Unmasked  bool       `json:"unmasked,omitempty"`
	Raw       *Octets    `json:"raw,omitempty"`
	Close     *CloseView `json:"close,omitempty"`
	Message   *BulkView  `json:"message,omitempty"`
	Chop      int        `json:"chop,omitempty"` // octets per TCP write
	Cuts      []CutView  `json:"pausesInside,omitempty"`
	Pause     string     `json:"pause,omitempty"`
	Marker    string     `json:"marker,omitempty"`
	AwaitEcho int        `json:"awaitEchoes,omitempty"`
	// RoundTrips: Send this many times, each after the previous echo.
	RoundTrips int `json:"roundTrips,omitempty"`
	// Corked: held back and written in one TCP write with the next steps.
	Corked bool `json:"corked,omitempty"`
}

// FrameView is a frame decoded, with its header octets as sent.
type FrameView struct {
	Opcode string `json:"opcode"`
	Fin    bool   `json:"fin"`
	Rsv    uint8  `json:"rsv,omitempty"`
	// Header is the header in hex without the masking key; MaskKey says
	// which key follows it ("fresh random" for every send, or the hex).
	Header  string `json:"header"`
	MaskKey string `json:"maskKey,omitempty"`
	Payload Octets `json:"payload"`
}

// Octets are octets in hex; long ones abbreviated, with their digest.
type Octets struct {
	Length int    `json:"length"`
	Hex    string `json:"hex"`
	SHA256 string `json:"sha256,omitempty"` // of all of them, when Hex is abbreviated
}

// CloseView is a close frame's payload, decoded where it parses.
type CloseView struct {
	Payload Octets `json:"payload"`
	Code    int    `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// BulkView is a generated message (section 9).
type BulkView struct {
	Opcode   string `json:"opcode"`
	Pattern  Octets `json:"pattern"` // repeated to Size octets
	Size     int    `json:"size"`
	Fragment int    `json:"fragment"` // octets per frame
	Frames   int    `json:"frames"`
}

// CutView is a pause inside a frame, after At octets of it.
type CutView struct {
	At     int    `json:"at"`
	Pause  string `json:"pause"`
	Marker string `json:"marker,omitempty"`
}

// CompressionView is a CompressionPlan as the catalogue shows it.
type CompressionView struct {
	Offers []string `json:"offers"`
	// Accept is, per offer, what an acceptance of it must and may carry
	// (RFC 7692 §7.1); anything else is FAILED at the opening handshake.
	Accept   []string    `json:"accept"`
	Payload  PayloadView `json:"payload"`
	Size     int         `json:"messageSize"`
	Unit     string      `json:"unit"`
	Fragment int         `json:"fragment,omitempty"` // octets per frame of the compressed payload
	Count    int         `json:"count"`
	Declined Verdict     `json:"declined"`
	// CheckReach: every back-reference of the target's messages is checked
	// against the agreed window and context takeover.
	CheckReach bool `json:"checkBackReferences,omitempty"`
}

// PayloadView is the document compression cases slice their messages from.
type PayloadView struct {
	Sends    string `json:"sends"`
	Autobahn string `json:"autobahnSends,omitempty"`
	Text     bool   `json:"text"`
	Octets   Octets `json:"octets"`
}

func octets(b []byte) Octets {
	o := Octets{Length: len(b)}
	if len(b) <= fullOctets {
		o.Hex = hex.EncodeToString(b)
		return o
	}
	o.Hex = hex.EncodeToString(b[:32]) + "…"
	o.SHA256 = fmt.Sprintf("%x", sha256.Sum256(b))
	return o
}

func describeSteps(steps []Step) []StepView {
	var out []StepView
	for _, s := range steps {
		v := StepView{Unmasked: s.Unmasked, Chop: s.Chop, Marker: s.Marker, AwaitEcho: s.AwaitEcho, RoundTrips: s.RoundTrips, Corked: s.Corked}
		if s.Pause > 0 {
			v.Pause = s.Pause.String()
		}
		for _, c := range s.Cuts {
			v.Cuts = append(v.Cuts, CutView{At: c.At, Pause: c.Pause.String(), Marker: c.Marker})
		}
		switch {
		case s.Frame != nil:
			v.Send = describeFrame(*s.Frame, !s.Unmasked)
		case s.Close != nil:
			v.Close = describeClose(s.Close)
		case s.Message != nil:
			v.Message = describeBulk(s.Message)
		case s.Raw != nil:
			o := octets(s.Raw)
			v.Raw = &o
		}
		out = append(out, v)
	}
	return out
}

// describeFrame renders f as the probe sends it: masked with a fresh key
// unless the step is unmasked or the frame carries its own key.
func describeFrame(f frame.Frame, masked bool) *FrameView {
	h := f.Header
	h.Length = uint64(len(f.Payload))
	if f.LengthOverride != nil {
		h.Length = *f.LengthOverride
	}
	v := &FrameView{Opcode: f.Opcode.String(), Fin: f.Fin, Rsv: f.Rsv, Payload: octets(f.Payload)}
	switch {
	case h.Masked:
		v.MaskKey = hex.EncodeToString(h.Mask[:])
	case masked:
		h.Masked = true
		v.MaskKey = "fresh random"
	}
	head := frame.AppendHeader(nil, h)
	if h.Masked {
		head = head[:len(head)-4]
	}
	v.Header = hex.EncodeToString(head)
	return v
}

func describeClose(payload []byte) *CloseView {
	v := &CloseView{Payload: octets(payload)}
	if len(payload) >= 2 {
		v.Code = int(payload[0])<<8 | int(payload[1])
		v.Reason = strings.ToValidUTF8(string(payload[2:]), "\uFFFD")
	}
	return v
}

func describeBulk(b *Bulk) *BulkView {
	return &BulkView{Opcode: b.Opcode.String(), Pattern: octets(b.Pattern), Size: b.Size, Fragment: b.Fragment, Frames: fragmentCount(b.Size, b.Fragment)}
}

// fragmentCount is len(autobahnFragments(p, fragment)) for len(p) == size,
// without making p (section 9 sends up to 16 MiB).
func fragmentCount(size, fragment int) int {
	if size <= fragment {
		return 1
	}
	return size/fragment + 1
}

// documentOctets caches each document's rendering (kind name -> Octets):
// 216 cases share five documents of up to 1 MB.
var documentOctets sync.Map

func describeCompression(p *CompressionPlan) *CompressionView {
	doc, ok := documentOctets.Load(p.Payload.key())
	if !ok {
		doc, _ = documentOctets.LoadOrStore(p.Payload.key(), octets(p.Payload.data()))
	}
	v := &CompressionView{Size: p.Size, Unit: "octets", Fragment: p.Fragment, Count: p.Count, Declined: p.Declined, CheckReach: p.CheckReach,
		Payload: PayloadView{Sends: p.Payload.standIn, Autobahn: p.Payload.name, Text: p.Payload.text, Octets: doc.(Octets)}}
	if p.Payload.text {
		v.Unit = "characters"
	}
	for _, o := range p.Offers {
		v.Offers = append(v.Offers, o.String())
		v.Accept = append(v.Accept, acceptRules(o))
	}
	return v
}

// acceptRules says what a server's acceptance of offer must and may carry
// (RFC 7692 §7.1.1-§7.1.2), as deflate.ValidateResponse checks it.
func acceptRules(o deflate.Params) string {
	var must, may []string
	if o.ServerNoContextTakeover {
		must = append(must, "server_no_context_takeover (§7.1.1.1)")
	} else {
		may = append(may, "server_no_context_takeover (§7.1.1.1)")
	}
	may = append(may, "client_no_context_takeover (§7.1.1.2)")
	if o.ServerMaxWindowBits != 0 {
		must = append(must, fmt.Sprintf("server_max_window_bits=8..%d (§7.1.2.1)", o.ServerMaxWindowBits))
	} else {
		may = append(may, "server_max_window_bits=8..15 (§7.1.2.1)")
	}
	switch {
	case o.ClientMaxWindowBits == deflate.ClientMaxWindowBitsNoValue:
		may = append(may, "client_max_window_bits=8..15 (§7.1.2.2)")
	case o.ClientMaxWindowBits > 0:
		may = append(may, fmt.Sprintf("client_max_window_bits=8..%d (§7.1.2.2)", o.ClientMaxWindowBits))
	default:
		must = append(must, "no client_max_window_bits (§7.1.2.2)")
	}
	s := "must carry " + strings.Join(must, ", ")
	if len(must) == 0 {
		s = "must carry nothing more"
	}
	return s + "; may carry " + strings.Join(may, ", ")
}
