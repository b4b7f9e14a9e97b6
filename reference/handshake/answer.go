package handshake

import (
	"bufio"
	"fmt"
	"io"
)

// Answer is the server side of the opening handshake in one call, for
// small servers (test doubles, tools): it reads the client's request from
// br, judges it with ValidateRequest, and writes the response to w, adding
// extra fields to a 101. It reports whether the connection is now a
// WebSocket. The reference echo server does more (431 for oversized
// requests, extension negotiation) and does not use it.
func Answer(w io.Writer, br *bufio.Reader, extra ...Field) (*Request, bool, error) {
	req, err := ReadRequest(br)
	if err != nil {
		return nil, false, err
	}
	status, fields, _ := ValidateRequest(req)
	if status == 101 {
		fields = append(fields, extra...)
	}
	if _, err := w.Write(BuildServerResponse(status, fields)); err != nil {
		return req, false, err
	}
	if status != 101 {
		return req, false, fmt.Errorf("handshake refused with %d", status)
	}
	return req, true, nil
}
