package handshake

import "fmt"

// Requirement levels of RFC 2119, as carried by a Violation.
const (
	LevelMust   = "MUST"
	LevelShould = "SHOULD"
)

// Violation is one handshake rule that a message breaks.
type Violation struct {
	Rule    string // stable id, e.g. "request-key-invalid"
	Section string // e.g. "RFC 6455 §4.2.1"
	Level   string // LevelMust or LevelShould
	Detail  string // what was sent/received, for a human
}

func (v Violation) Error() string {
	return fmt.Sprintf("%s (%s, %s): %s", v.Rule, v.Section, v.Level, v.Detail)
}

func must(section, rule, format string, args ...any) Violation {
	return Violation{Rule: rule, Section: section, Level: LevelMust, Detail: fmt.Sprintf(format, args...)}
}
