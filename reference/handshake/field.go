package handshake

import "strings"

// Field is one header field as it appears on the wire. Header blocks are
// kept as ordered slices, not maps, so that duplicates, order and the
// spelling of names survive and can be produced on purpose.
type Field struct {
	Name, Value string
}

// fieldValues returns the values of every field whose name matches name
// case-insensitively (RFC 7230 §3.2: field names are case-insensitive).
func fieldValues(fields []Field, name string) []string {
	var vs []string
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// fieldGet returns the value of the first field named name.
func fieldGet(fields []Field, name string) (string, bool) {
	for _, f := range fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value, true
		}
	}
	return "", false
}

// fieldTokens returns the RFC 7230 #list elements of every field named name,
// as if the fields had been combined into one (RFC 7230 §3.2.2).
func fieldTokens(fields []Field, name string) []string {
	var ts []string
	for _, v := range fieldValues(fields, name) {
		ts = append(ts, Tokens(v)...)
	}
	return ts
}

// hasToken reports whether the combined #list of the fields named name
// contains token, compared ASCII case-insensitively.
func hasToken(fields []Field, name, token string) bool {
	for _, t := range fieldTokens(fields, name) {
		if strings.EqualFold(t, token) {
			return true
		}
	}
	return false
}

// appendFields renders fields as "Name: Value\r\n" lines, exactly as given.
func appendFields(dst []byte, fields []Field) []byte {
	for _, f := range fields {
		dst = append(dst, f.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, f.Value...)
		dst = append(dst, "\r\n"...)
	}
	return dst
}
