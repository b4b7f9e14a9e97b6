//go:build gofuzz

package fuzz

// go-fuzz entry points (github.com/dvyukov/go-fuzz). go-fuzz-build sets the
// gofuzz tag, so these exist only in its builds; ordinary builds and the
// native targets in native_test.go (the same names, taking *testing.F) never
// see them. Each one is its body, unchanged: a panic is a finding, and the
// result is go-fuzz's priority (1 keep and favour, 0 neutral, -1 never keep).
// Build and run one with `make gofuzz GOFUZZ_TARGET=FuzzFrame`.

func FuzzFrame(data []byte) int             { return Frame(data) }
func FuzzUTF8(data []byte) int              { return UTF8(data) }
func FuzzClosePayload(data []byte) int      { return ClosePayload(data) }
func FuzzHandshakeRequest(data []byte) int  { return HandshakeRequest(data) }
func FuzzHandshakeResponse(data []byte) int { return HandshakeResponse(data) }
func FuzzExtensions(data []byte) int        { return Extensions(data) }
