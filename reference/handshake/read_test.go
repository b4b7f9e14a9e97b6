package handshake

import (
	"bufio"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// rfcRequest is the client handshake of RFC 6455 §1.2.
const rfcRequest = "GET /chat HTTP/1.1\r\n" +
	"Host: server.example.com\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
	"Origin: http://example.com\r\n" +
	"Sec-WebSocket-Protocol: chat, superchat\r\n" +
	"Sec-WebSocket-Version: 13\r\n" +
	"\r\n"

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Request
		rest string // what must stay unread in the bufio.Reader
	}{
		{
			name: "RFC 6455 §1.2 example",
			in:   rfcRequest,
			want: &Request{Method: "GET", Target: "/chat", Proto: "HTTP/1.1", Header: []Field{
				{"Host", "server.example.com"},
				{"Upgrade", "websocket"},
				{"Connection", "Upgrade"},
				{"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="},
				{"Origin", "http://example.com"},
				{"Sec-WebSocket-Protocol", "chat, superchat"},
				{"Sec-WebSocket-Version", "13"},
			}},
		},
		{
			name: "bare LF, leading empty line, OWS trimmed, frame bytes left unread",
			in:   "\r\nGET / HTTP/1.1\nhOsT:\t h \t\nX:\n\n\x81\x00",
			want: &Request{Method: "GET", Target: "/", Proto: "HTTP/1.1", Header: []Field{{"hOsT", "h"}, {"X", ""}}},
			rest: "\x81\x00",
		},
		{
			name: "obs-fold joined with one space, name whitespace kept",
			in:   "GET / HTTP/1.1\r\nA: one\r\n  two\r\nB : x\r\n\r\n",
			want: &Request{Method: "GET", Target: "/", Proto: "HTTP/1.1", Header: []Field{{"A", "one two"}, {"B ", "x"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in))
			got, err := ReadRequest(br)
			if err != nil {
				t.Fatalf("ReadRequest: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			rest, _ := io.ReadAll(br)
			if string(rest) != tt.rest {
				t.Errorf("left unread %q; want %q", rest, tt.rest)
			}
		})
	}
}

func TestReadRequestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty input", "", io.EOF},
		{"cut in the middle", "GET / HTTP/1.1\r\nHost: x\r\n", io.ErrUnexpectedEOF},
		{"two-part request line", "GET /\r\n\r\n", ErrMalformed},
		{"four-part request line", "GET / x HTTP/1.1\r\n\r\n", ErrMalformed},
		{"field without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", ErrMalformed},
		{"field with empty name", "GET / HTTP/1.1\r\n: x\r\n\r\n", ErrMalformed},
		{"continuation first", "GET / HTTP/1.1\r\n x\r\n\r\n", ErrMalformed},
		{"too large", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", MaxHeaderBytes) + "\r\n\r\n", ErrHeaderTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRequest(bufio.NewReader(strings.NewReader(tt.in)))
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v; want %v", err, tt.want)
			}
		})
	}
}

func TestReadRequestLimitIsExact(t *testing.T) {
	const in = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	if _, err := ReadRequestLimit(bufio.NewReader(strings.NewReader(in)), len(in)); err != nil {
		t.Errorf("limit %d = len(head): %v; want nil", len(in), err)
	}
	_, err := ReadRequestLimit(bufio.NewReader(strings.NewReader(in)), len(in)-1)
	if !errors.Is(err, ErrHeaderTooLarge) {
		t.Errorf("limit %d = len(head)-1: %v; want ErrHeaderTooLarge", len(in)-1, err)
	}
}

// rfcResponse is the server handshake of RFC 6455 §1.2.
const rfcResponse = "HTTP/1.1 101 Switching Protocols\r\n" +
	"Upgrade: websocket\r\n" +
	"Connection: Upgrade\r\n" +
	"Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" +
	"Sec-WebSocket-Protocol: chat\r\n" +
	"\r\n"

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Response
	}{
		{"RFC 6455 §1.2 example", rfcResponse, &Response{Proto: "HTTP/1.1", Status: 101, Reason: "Switching Protocols",
			Header: []Field{
				{"Upgrade", "websocket"},
				{"Connection", "Upgrade"},
				{"Sec-WebSocket-Accept", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="},
				{"Sec-WebSocket-Protocol", "chat"},
			}, Raw: []byte(rfcResponse)}},
		{"no reason phrase", "HTTP/1.1 400\r\n\r\n", &Response{Proto: "HTTP/1.1", Status: 400, Raw: []byte("HTTP/1.1 400\r\n\r\n")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in + "\x88\x00"))
			got, err := ReadResponse(br)
			if err != nil {
				t.Fatalf("ReadResponse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
			if rest, _ := io.ReadAll(br); string(rest) != "\x88\x00" {
				t.Errorf("left unread %q; want the close frame", rest)
			}
		})
	}
}

func TestReadResponseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"empty", "", io.EOF},
		{"status not 3 digits", "HTTP/1.1 1010 Switching\r\n\r\n", ErrMalformed},
		{"status not digits", "HTTP/1.1 abc x\r\n\r\n", ErrMalformed},
		{"no status", "HTTP/1.1\r\n\r\n", ErrMalformed},
		{"too large", "HTTP/1.1 101 x\r\n" + strings.Repeat("X: y\r\n", MaxHeaderBytes/6+1) + "\r\n", ErrHeaderTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadResponse(bufio.NewReader(strings.NewReader(tt.in)))
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v; want %v", err, tt.want)
			}
		})
	}
}
