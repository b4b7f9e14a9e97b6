package handshake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxHeaderBytes is the default bound on a header block (start line, fields
// and the terminating empty line) for ReadRequest and ReadResponse.
const MaxHeaderBytes = 16 << 10

var (
	// ErrHeaderTooLarge is returned (wrapped) when a header block exceeds its
	// limit; a server answers it with 431 or 400 (RFC 6585 §5).
	ErrHeaderTooLarge = errors.New("handshake: header block too large")
	// ErrMalformed is returned (wrapped) when a header block is not shaped
	// like an HTTP/1.1 message at all; a server answers it with 400.
	ErrMalformed = errors.New("handshake: malformed header block")
)

// headerBlock is one message head split into lines, before interpretation.
type headerBlock struct {
	startLine string
	fields    []Field
	raw       []byte
}

// readHeaderBlock reads one message head from br, up to and including the
// empty line, and never further: whatever follows (frames) stays in br.
//
// It is lenient where RFC 7230 lets a recipient be: a bare LF ends a line
// (§3.5), empty lines before the start line are skipped (§3.5), and an
// obs-fold continuation line is joined to the previous value with one SP
// (§3.2.4). Field names are kept as sent, including any whitespace before
// the colon, so that validators can still see it.
func readHeaderBlock(br *bufio.Reader, limit int) (headerBlock, error) {
	var hb headerBlock
	var raw []byte
	sawStart := false
	for {
		line, err := readLine(br, &raw, limit)
		if err != nil {
			if err == io.EOF && len(raw) > 0 {
				err = io.ErrUnexpectedEOF
			}
			return hb, err
		}
		switch {
		case !sawStart && line == "":
			continue
		case !sawStart:
			hb.startLine = line
			sawStart = true
		case line == "":
			hb.raw = raw
			return hb, nil
		case line[0] == ' ' || line[0] == '\t':
			if len(hb.fields) == 0 {
				return hb, fmt.Errorf("%w: continuation line %q before any field", ErrMalformed, line)
			}
			last := &hb.fields[len(hb.fields)-1]
			last.Value = trimOWS(last.Value + " " + trimOWS(line))
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || name == "" {
				return hb, fmt.Errorf("%w: field line %q has no name or colon", ErrMalformed, line)
			}
			hb.fields = append(hb.fields, Field{Name: name, Value: trimOWS(value)})
		}
	}
}

// readLine appends the next line (with its terminator) to *raw and returns
// it without CRLF / LF. It fails with ErrHeaderTooLarge as soon as *raw
// would exceed limit, without buffering the rest of the line.
func readLine(br *bufio.Reader, raw *[]byte, limit int) (string, error) {
	start := len(*raw)
	for {
		chunk, err := br.ReadSlice('\n')
		if len(*raw)+len(chunk) > limit {
			return "", fmt.Errorf("%w: more than %d bytes", ErrHeaderTooLarge, limit)
		}
		*raw = append(*raw, chunk...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		line := (*raw)[start:]
		line = bytes.TrimSuffix(line, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		return string(line), nil
	}
}

// ReadRequest reads one request head from br with the default limit of
// MaxHeaderBytes. See ReadRequestLimit.
func ReadRequest(br *bufio.Reader) (*Request, error) {
	return ReadRequestLimit(br, MaxHeaderBytes)
}

// ReadRequestLimit reads one request head (request line and fields) from br,
// leniently: anything shaped like "METHOD SP target SP version" followed by
// "name: value" lines is accepted, and ValidateRequest judges it. The body
// is not read. Errors wrap ErrHeaderTooLarge or ErrMalformed, or are I/O
// errors (io.EOF when nothing at all was read).
func ReadRequestLimit(br *bufio.Reader, limit int) (*Request, error) {
	hb, err := readHeaderBlock(br, limit)
	if err != nil {
		return nil, err
	}
	// RFC 7230 §3.1.1: request-line = method SP request-target SP HTTP-version CRLF
	parts := strings.Split(hb.startLine, " ")
	if len(parts) != 3 {
		return nil, fmt.Errorf("%w: request line %q is not \"method SP target SP version\"", ErrMalformed, hb.startLine)
	}
	return &Request{Method: parts[0], Target: parts[1], Proto: parts[2], Header: hb.fields}, nil
}

// ReadResponse reads one response head from br with the default limit of
// MaxHeaderBytes. See ReadResponseLimit.
func ReadResponse(br *bufio.Reader) (*Response, error) {
	return ReadResponseLimit(br, MaxHeaderBytes)
}

// ReadResponseLimit reads one response head (status line and fields) from
// br, leniently, keeping the bytes as received in Raw. Frames the server
// sent right after the head stay in br.
func ReadResponseLimit(br *bufio.Reader, limit int) (*Response, error) {
	hb, err := readHeaderBlock(br, limit)
	if err != nil {
		return nil, err
	}
	// RFC 7230 §3.1.2: status-line = HTTP-version SP status-code SP reason-phrase CRLF
	// The reason phrase may be empty; some servers also drop the SP before it.
	proto, rest, _ := strings.Cut(hb.startLine, " ")
	code, reason, _ := strings.Cut(rest, " ")
	status, ok := parseStatusCode(code)
	if !ok || proto == "" {
		return nil, fmt.Errorf("%w: status line %q is not \"version SP 3DIGIT SP reason\"", ErrMalformed, hb.startLine)
	}
	return &Response{Proto: proto, Status: status, Reason: reason, Header: hb.fields, Raw: hb.raw}, nil
}

// parseStatusCode parses RFC 7230 status-code = 3DIGIT.
func parseStatusCode(s string) (int, bool) {
	if len(s) != 3 {
		return 0, false
	}
	n := 0
	for i := 0; i < 3; i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}
