package handshake

import "strings"

// Tokens splits an RFC 7230 §7 #list value into its elements: elements are
// separated by commas with optional whitespace (SP / HTAB) around them, and
// empty elements ("a, , b", a leading or trailing comma) are ignored, as
// §7 requires recipients to do. Elements are returned as sent; comparing
// them case-insensitively is the caller's business.
func Tokens(v string) []string {
	var ts []string
	for _, e := range strings.Split(v, ",") {
		if e = trimOWS(e); e != "" {
			ts = append(ts, e)
		}
	}
	return ts
}

// trimOWS removes RFC 7230 §3.2.3 optional whitespace (SP / HTAB) at both ends.
func trimOWS(s string) string {
	return strings.Trim(s, " \t")
}

// isTokenChar reports whether c is an RFC 7230 §3.2.6 tchar:
// "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" /
// "`" / "|" / "~" / DIGIT / ALPHA.
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

// isToken reports whether s is a non-empty RFC 7230 token.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}
