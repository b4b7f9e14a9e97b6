package handshake

import (
	"fmt"
	"strings"
)

// Extension is one element of a Sec-WebSocket-Extensions list (RFC 6455
// §9.1): an extension token with its parameters, in order.
type Extension struct {
	Name   string
	Params []Param
}

// Param is one extension parameter. HasValue tells "name" from "name=";
// Value is already unquoted.
type Param struct {
	Name, Value string
	HasValue    bool
}

// String formats e as a list element: name, then "; param" or
// "; param=value" for each parameter. Values that are not tokens (which
// ParseExtensions never returns) are written as quoted strings.
func (e Extension) String() string {
	var b strings.Builder
	b.WriteString(e.Name)
	for _, p := range e.Params {
		b.WriteString("; ")
		b.WriteString(p.Name)
		if p.HasValue {
			b.WriteByte('=')
			if isToken(p.Value) {
				b.WriteString(p.Value)
			} else {
				b.WriteString(quoteString(p.Value))
			}
		}
	}
	return b.String()
}

// FormatExtensions formats a Sec-WebSocket-Extensions value.
func FormatExtensions(exts []Extension) string {
	parts := make([]string, len(exts))
	for i, e := range exts {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// ParseExtensions parses a Sec-WebSocket-Extensions value strictly, per
// RFC 6455 §9.1:
//
//	extension-list  = 1#extension
//	extension       = extension-token *( ";" extension-param )
//	extension-param = token [ "=" (token | quoted-string) ]
//
// with optional whitespace around separators and empty list elements
// ignored (RFC 7230 §7). A quoted value must still be a token once
// unescaped (§9.1). Values from several header fields are parsed by
// calling ParseExtensions on each, or on their values joined with ",".
func ParseExtensions(v string) ([]Extension, error) {
	p := extParser{s: v}
	var exts []Extension
	for {
		p.skipOWS()
		if p.done() {
			break
		}
		if p.peek() == ',' {
			p.i++ // empty list element
			continue
		}
		e, err := p.extension()
		if err != nil {
			return nil, err
		}
		exts = append(exts, e)
		p.skipOWS()
		if p.done() {
			break
		}
		if p.peek() != ',' {
			return nil, p.errorf("expected \",\" or end after extension %q", e.Name)
		}
		p.i++
	}
	if len(exts) == 0 {
		return nil, p.errorf("no extension in list")
	}
	return exts, nil
}

type extParser struct {
	s string
	i int
}

func (p *extParser) done() bool { return p.i >= len(p.s) }
func (p *extParser) peek() byte { return p.s[p.i] }

func (p *extParser) skipOWS() {
	for !p.done() && (p.peek() == ' ' || p.peek() == '\t') {
		p.i++
	}
}

func (p *extParser) errorf(format string, args ...any) error {
	return fmt.Errorf("handshake: Sec-WebSocket-Extensions %q at offset %d: %s (RFC 6455 §9.1)",
		p.s, p.i, fmt.Sprintf(format, args...))
}

func (p *extParser) token() string {
	start := p.i
	for !p.done() && isTokenChar(p.peek()) {
		p.i++
	}
	return p.s[start:p.i]
}

func (p *extParser) extension() (Extension, error) {
	e := Extension{Name: p.token()}
	if e.Name == "" {
		return e, p.errorf("expected extension token")
	}
	for {
		p.skipOWS()
		if p.done() || p.peek() != ';' {
			return e, nil
		}
		p.i++
		p.skipOWS()
		prm, err := p.param()
		if err != nil {
			return e, err
		}
		e.Params = append(e.Params, prm)
	}
}

func (p *extParser) param() (Param, error) {
	prm := Param{Name: p.token()}
	if prm.Name == "" {
		return prm, p.errorf("expected parameter token")
	}
	p.skipOWS()
	if p.done() || p.peek() != '=' {
		return prm, nil
	}
	p.i++
	p.skipOWS()
	prm.HasValue = true
	if !p.done() && p.peek() == '"' {
		v, err := p.quotedString()
		if err != nil {
			return prm, err
		}
		// §9.1: "When using the quoted-string syntax variant, the value
		// after quoted-string unescaping MUST conform to the 'token' ABNF."
		if !isToken(v) {
			return prm, p.errorf("quoted value %q of %q is not a token once unescaped", v, prm.Name)
		}
		prm.Value = v
		return prm, nil
	}
	if prm.Value = p.token(); prm.Value == "" {
		return prm, p.errorf("expected value of parameter %q", prm.Name)
	}
	return prm, nil
}

// quotedString reads an RFC 7230 §3.2.6 quoted-string starting at the
// opening DQUOTE and returns it unescaped.
func (p *extParser) quotedString() (string, error) {
	p.i++ // opening DQUOTE
	var b strings.Builder
	for !p.done() {
		c := p.peek()
		p.i++
		switch {
		case c == '"':
			return b.String(), nil
		case c == '\\':
			if p.done() {
				return "", p.errorf("quoted-pair at end of value")
			}
			c = p.peek()
			if !isQuotedPairChar(c) {
				return "", p.errorf("invalid quoted-pair \\%q", c)
			}
			p.i++
			b.WriteByte(c)
		case isQDText(c):
			b.WriteByte(c)
		default:
			return "", p.errorf("invalid character %q in quoted-string", c)
		}
	}
	return "", p.errorf("unterminated quoted-string")
}

// isQDText: qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
func isQDText(c byte) bool {
	return c == '\t' || c == ' ' || c == 0x21 || (0x23 <= c && c <= 0x5b) || (0x5d <= c && c <= 0x7e) || c >= 0x80
}

// isQuotedPairChar: quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
func isQuotedPairChar(c byte) bool {
	return c == '\t' || c == ' ' || (0x21 <= c && c <= 0x7e) || c >= 0x80
}

func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
