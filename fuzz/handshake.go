package fuzz

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// HandshakeRequest feeds data to the server side of the opening handshake
// (handshake.ReadRequest + ValidateRequest). Properties:
//   - reading fails only with the documented errors;
//   - status is 101 exactly when there are no violations, and one of the
//     statuses ValidateRequest documents otherwise, with its fields;
//   - every violation names a rule, a section and a level;
//   - Request.Bytes re-reads to the same request;
//   - a 101 answer, rendered and read back, passes the client's §4.1 checks.
//
// It returns 1 for input that parses as a request, else 0 (go-fuzz priority).
func HandshakeRequest(data []byte) int {
	req, err := handshake.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		checkReadError(err)
		return 0
	}

	status, fields, vs := handshake.ValidateRequest(req)
	checkViolations(vs)
	switch {
	case status == 101 && len(vs) != 0, status != 101 && len(vs) == 0:
		panic(fmt.Sprintf("status %d with %d violations", status, len(vs)))
	case status == 426 && !hasField(fields, "Sec-WebSocket-Version", "13"):
		panic(fmt.Sprintf("426 without Sec-WebSocket-Version: 13: %q", fields))
	case status == 405 && !hasField(fields, "Allow", "GET"):
		panic(fmt.Sprintf("405 without Allow: GET: %q", fields))
	case status != 101 && status != 400 && status != 405 && status != 426:
		panic(fmt.Sprintf("undocumented status %d", status))
	}

	// Rendering canonicalises line ends and folding, so it may grow past
	// the default limit; give the re-read room.
	wire := req.Bytes()
	again, err := handshake.ReadRequestLimit(bufio.NewReader(bytes.NewReader(wire)), len(wire)+1)
	if err != nil {
		panic(fmt.Sprintf("re-reading %q: %v", wire, err))
	}
	if !reflect.DeepEqual(again, req) {
		panic(fmt.Sprintf("round trip changed the request:\n%#v\n%#v", req, again))
	}

	if status == 101 {
		answer := handshake.BuildServerResponse(status, fields)
		resp, err := handshake.ReadResponse(bufio.NewReader(bytes.NewReader(answer)))
		if err != nil {
			panic(fmt.Sprintf("reading own answer %q: %v", answer, err))
		}
		if vs := handshake.ValidateResponse(req, resp); len(vs) != 0 {
			panic(fmt.Sprintf("own answer %q violates §4.1: %v", answer, vs))
		}
	}
	return 1
}

// HandshakeResponse feeds data to the client side of the opening handshake
// (handshake.ReadResponse + ValidateResponse, and deflate.ValidateResponse
// for any permessage-deflate answer) against a fixed request that offers
// subprotocols and permessage-deflate. Properties:
//   - reading fails only with the documented errors;
//   - Raw is exactly the prefix of data that was consumed;
//   - a non-101 status is reported as exactly one violation;
//   - the status line and fields, rendered again, read back the same.
//
// It returns 1 for input that parses as a response, else 0.
func HandshakeResponse(data []byte) int {
	resp, err := handshake.ReadResponse(bufio.NewReader(bytes.NewReader(data)))
	if err != nil {
		checkReadError(err)
		return 0
	}
	if !bytes.HasPrefix(data, resp.Raw) {
		panic(fmt.Sprintf("Raw %q is not a prefix of the input", resp.Raw))
	}

	vs := handshake.ValidateResponse(fuzzRequest, resp)
	checkViolations(vs)
	if resp.Status != 101 && len(vs) != 1 {
		panic(fmt.Sprintf("status %d gave %d violations; want 1", resp.Status, len(vs)))
	}
	for _, v := range resp.Values("Sec-WebSocket-Extensions") {
		exts, err := handshake.ParseExtensions(v)
		if err != nil {
			continue
		}
		answers, _ := deflate.Offers(exts)
		for _, p := range answers {
			_ = deflate.ValidateResponse(fuzzOffers, p)
		}
	}

	wire := fmt.Appendf(nil, "%s %03d %s\r\n", resp.Proto, resp.Status, resp.Reason)
	for _, f := range resp.Header {
		wire = fmt.Appendf(wire, "%s: %s\r\n", f.Name, f.Value)
	}
	wire = append(wire, "\r\n"...)
	again, err := handshake.ReadResponseLimit(bufio.NewReader(bytes.NewReader(wire)), len(wire)+1)
	if err != nil {
		panic(fmt.Sprintf("re-reading %q: %v", wire, err))
	}
	again.Raw = resp.Raw
	if !reflect.DeepEqual(again, resp) {
		panic(fmt.Sprintf("round trip changed the response:\n%#v\n%#v", resp, again))
	}
	return 1
}

// fuzzRequest is the request HandshakeResponse pretends to have sent.
var fuzzRequest = func() *handshake.Request {
	r := &handshake.Request{Method: "GET", Target: "/", Proto: "HTTP/1.1"}
	r.Add("Host", "localhost").Add("Upgrade", "websocket").Add("Connection", "Upgrade")
	r.Add("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==").Add("Sec-WebSocket-Version", "13")
	r.Add("Sec-WebSocket-Protocol", "chat, superchat")
	r.Add("Sec-WebSocket-Extensions", fuzzOffers[0].String()+", "+fuzzOffers[1].String())
	return r
}()

var fuzzOffers = []deflate.Params{
	{ServerMaxWindowBits: 10, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue},
	{ClientNoContextTakeover: true},
}

func checkReadError(err error) {
	switch {
	case errors.Is(err, handshake.ErrMalformed), errors.Is(err, handshake.ErrHeaderTooLarge),
		err == io.EOF, err == io.ErrUnexpectedEOF:
	default:
		panic(fmt.Sprintf("undocumented read error %T %v", err, err))
	}
}

func checkViolations(vs []handshake.Violation) {
	for _, v := range vs {
		if v.Rule == "" || v.Section == "" || (v.Level != handshake.LevelMust && v.Level != handshake.LevelShould) {
			panic(fmt.Sprintf("incomplete violation %+v", v))
		}
	}
}

func hasField(fs []handshake.Field, name, value string) bool {
	for _, f := range fs {
		if f.Name == name && f.Value == value {
			return true
		}
	}
	return false
}
