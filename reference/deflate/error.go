package deflate

import "fmt"

// Error is a permessage-deflate negotiation rule that an offer or a
// response breaks. §7 has a server decline such an offer and a client fail
// the connection on such a response.
type Error struct {
	Rule    string // stable id, e.g. "pmd-duplicate-param"
	Section string // e.g. "RFC 7692 §7.1.2.1"
	Detail  string
}

func (e *Error) Error() string {
	return fmt.Sprintf("permessage-deflate: %s (%s): %s", e.Rule, e.Section, e.Detail)
}

func errorf(section, rule, format string, args ...any) *Error {
	return &Error{Rule: rule, Section: section, Detail: fmt.Sprintf(format, args...)}
}
