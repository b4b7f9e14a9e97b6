package observed

import (
	"encoding/hex"
	"strings"
)

// Redacted stands, in every report, for the value of a header field that
// carries a credential.
const Redacted = "<redacted>"

// isCredentialField reports whether the value of the header field name is
// a credential that no report may show.
func isCredentialField(name string) bool {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "authorization", "proxy-authorization", "cookie":
		return true
	}
	return false
}

// headRedactor walks an HTTP head (request or response) as it went over the
// wire, possibly in several pieces, and replaces the value of every
// credential field with Redacted. It stops at the blank line that ends the
// head: what follows is frames.
type headRedactor struct {
	name    []byte // the current line up to its colon (bounded)
	colon   bool   // the current line's colon has gone by
	value   bool   // inside a credential field's value
	started bool   // the value proper (past its leading whitespace) has begun
	breaks  int    // line-break octets in a row just seen
	lf      int    // LFs among them
	lost    bool   // octets went by unseen before the next piece
	done    bool   // the head has ended
}

// maxFieldName bounds what the redactor keeps of a line before its colon.
const maxFieldName = 64

// feed redacts p, the next octets of the head; it returns p itself when
// nothing in it is a credential.
func (h *headRedactor) feed(p []byte) []byte {
	if h.lost {
		h.lost = false
		if !looksLikeHead(p) {
			h.done = true // the head ended in the octets we did not see
		}
	}
	var out []byte // nil until something is redacted
	inRun := false
	for i, c := range p {
		if h.done {
			if out != nil {
				out = append(out, p[i:]...)
			}
			break
		}
		if h.value && c != '\r' && c != '\n' && (h.started || c != ' ' && c != '\t') {
			h.started = true
			if out == nil {
				out = append(make([]byte, 0, len(p)+len(Redacted)), p[:i]...)
			}
			if !inRun {
				out = append(out, Redacted...)
				inRun = true
			}
			continue
		}
		inRun = false
		if out != nil {
			out = append(out, c)
		}
		h.step(c)
	}
	if out == nil {
		return p
	}
	return out
}

// step moves the line state past c, an octet that is not a credential.
func (h *headRedactor) step(c byte) {
	if c != '\r' && c != '\n' {
		h.breaks, h.lf = 0, 0
		switch {
		case h.colon:
		case c == ':':
			h.colon, h.value = true, isCredentialField(string(h.name))
		case len(h.name) < maxFieldName:
			h.name = append(h.name, c)
		}
		return
	}
	h.breaks++
	if c == '\n' {
		h.lf++
	}
	h.name, h.colon, h.value, h.started = h.name[:0], false, false, false
	h.done = h.lf == 2 // an empty line, "\r\n\r\n" or "\n\n"
}

// skip says that octets of the head went by unseen (a preview cut short):
// where the redactor stands is unknown, so it takes what comes before the
// next line break as a credential's value, unless what comes is not head
// text at all (the head ended unseen).
func (h *headRedactor) skip() {
	if !h.done {
		h.lost = true
		h.name, h.colon, h.value, h.started, h.breaks, h.lf = h.name[:0], true, true, true, 0, 0
	}
}

// looksLikeHead reports whether p up to its first line break is text, as
// a header line is; a frame's first two octets never both are (ours are
// masked, so the second has its top bit set).
func looksLikeHead(p []byte) bool {
	for _, c := range p {
		switch {
		case c == '\n':
			return true
		case c == '\r' || c == '\t' || c >= 0x20 && c < 0x7f:
		default:
			return false
		}
	}
	return true
}

// RedactHead returns s, an HTTP head as text (complete or cut short), with
// the value of every Authorization, Proxy-Authorization and Cookie field
// replaced by Redacted.
func RedactHead(s string) string {
	var h headRedactor
	p := h.feed([]byte(s))
	if string(p) == s {
		return s
	}
	return string(p)
}

// Redacted returns hs with its request and response heads redacted
// (RedactHead); hs itself when there was nothing to redact.
func (hs *Handshake) Redacted() *Handshake {
	if hs == nil {
		return nil
	}
	req, resp := RedactHead(hs.Request), RedactHead(hs.Response)
	if req == hs.Request && resp == hs.Response {
		return hs
	}
	cp := *hs
	cp.Request, cp.Response = req, resp
	return &cp
}

// RedactWireLog returns log with the value of every credential field of the
// opening handshake (the first head each way) replaced by Redacted in the
// octets' previews; log itself when there was nothing to redact. The
// entries keep the number of octets that went over the wire.
func RedactWireLog(log []Entry) []Entry {
	var out []Entry
	heads := map[Direction]*headRedactor{Sent: {}, Received: {}}
	for i, e := range log {
		if e.Omitted > 0 { // entries were dropped here, both ways
			for _, h := range heads {
				h.skip()
			}
		}
		h := heads[e.Dir]
		if h == nil || h.done || e.Octets == 0 {
			continue
		}
		raw, cut := strings.CutSuffix(e.Hex, "…")
		p, err := hex.DecodeString(raw)
		if err != nil {
			continue
		}
		q := h.feed(p)
		if cut || len(p) < e.Octets {
			h.skip()
		}
		if len(q) == len(p) && string(q) == string(p) {
			continue
		}
		if out == nil {
			out = append([]Entry(nil), log...)
		}
		out[i].Hex = hex.EncodeToString(q)
		if cut {
			out[i].Hex += "…"
		}
	}
	if out == nil {
		return log
	}
	return out
}
