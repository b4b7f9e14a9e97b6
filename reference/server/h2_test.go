package server

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/h2ws"
)

// h2Client opens an h2c connection (prior knowledge) to the server at url.
func h2Client(t *testing.T, url string) *h2ws.Conn {
	t.Helper()
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/")
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c, err := h2ws.NewClient(nc, h2ws.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func wsRequest(url string) h2ws.Request {
	return h2ws.Request{Scheme: "http", Authority: strings.TrimSuffix(strings.TrimPrefix(url, "ws://"), "/"), Path: "/"}
}

// echo sends one masked message of payload on st and reads one frame back.
func echo(t *testing.T, st *h2ws.Stream, op frame.Opcode, payload []byte) frame.Frame {
	t.Helper()
	st.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := st.Write(frame.New(op, payload).Masked([4]byte{1, 2, 3, 4}).Bytes()); err != nil {
		t.Fatalf("stream %d: write: %v", st.ID(), err)
	}
	f, err := frame.ReadFrame(frame.NewReader(st), 1<<24)
	if err != nil {
		t.Fatalf("stream %d: read: %v", st.ID(), err)
	}
	return f
}

func TestH2ExtendedConnectEcho(t *testing.T) {
	srv, url, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := h2Client(t, url)
	set, err := c.PeerSettings(time.Now().Add(5 * time.Second))
	if max, ok := set.Value(http2.SettingMaxConcurrentStreams); err != nil || !set.ConnectProtocol() || !ok || max != maxH2Streams {
		t.Fatalf("settings %v, %v: want ENABLE_CONNECT_PROTOCOL=1 and MAX_CONCURRENT_STREAMS=%d", set, err, maxH2Streams)
	}
	req := wsRequest(url)
	req.Extensions = "permessage-deflate"
	// Three WebSockets on one connection, each with a message larger than
	// the initial window (flow control both ways), interleaved.
	var streams []*h2ws.Stream
	for range 3 {
		st, err := c.Open(req.Fields(), false)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := st.Response(time.Now().Add(5 * time.Second))
		if err != nil || h2ws.Status(resp) != 200 {
			t.Fatalf("response %v, %v: want 200", h2ws.FormatFields(resp), err)
		}
		if _, ok := h2ws.Field(resp, "sec-websocket-accept"); ok {
			t.Errorf("response carries sec-websocket-accept")
		}
		if v, _ := h2ws.Field(resp, "sec-websocket-extensions"); !strings.HasPrefix(v, "permessage-deflate") {
			t.Errorf("extensions answer %q: want permessage-deflate", v)
		}
		streams = append(streams, st)
	}
	// The deflate answer is checked above; the messages below go on new
	// streams without it, so they are echoed as they are.
	req.Extensions = ""
	for i := range 3 {
		st, err := c.Open(req.Fields(), false)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Response(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		big := bytes.Repeat([]byte{byte('a' + i)}, 200<<10)
		if f := echo(t, st, frame.OpBinary, big); !bytes.Equal(f.Payload, big) {
			t.Errorf("stream %d: echo of %d octets came back as %d", st.ID(), len(big), len(f.Payload))
		}
		// Closing handshake, then the server ends its stream (END_STREAM).
		if f := echo(t, st, frame.OpClose, frame.ClosePayload(1000, "")); f.Opcode != frame.OpClose {
			t.Errorf("stream %d: close answered with %v", st.ID(), f.Opcode)
		}
		st.SetReadDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.Copy(io.Discard, st); err != nil {
			t.Errorf("stream %d: after the close: %v, want END_STREAM", st.ID(), err)
		}
		st.Close()
	}
	for _, st := range streams {
		st.Close()
	}
}

func TestH2RefusesMalformedExtendedConnect(t *testing.T) {
	srv, url, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := h2Client(t, url)
	without := func(name string) func([]hpack.HeaderField) []hpack.HeaderField {
		return func(fs []hpack.HeaderField) []hpack.HeaderField {
			var out []hpack.HeaderField
			for _, f := range fs {
				if f.Name != name {
					out = append(out, f)
				}
			}
			return out
		}
	}
	with := func(name, value string) func([]hpack.HeaderField) []hpack.HeaderField {
		return func(fs []hpack.HeaderField) []hpack.HeaderField {
			for i := range fs {
				if fs[i].Name == name {
					fs[i].Value = value
					return fs
				}
			}
			return append(fs, hpack.HeaderField{Name: name, Value: value})
		}
	}
	for _, tc := range []struct {
		name       string
		edit       func([]hpack.HeaderField) []hpack.HeaderField
		wantStatus int // 0: RST_STREAM PROTOCOL_ERROR
	}{
		{"no :protocol", without(":protocol"), 0},
		{"no :path", without(":path"), 0},
		{"no :scheme", without(":scheme"), 0},
		{"no :authority", without(":authority"), 0},
		{"connection field", with("connection", "upgrade"), 0},
		{"version 12", with("sec-websocket-version", "12"), 400},
		{"no version", without("sec-websocket-version"), 400},
		{"GET with :protocol", with(":method", "GET"), 0},
		{"other protocol", with(":protocol", "chat"), 501},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := c.Open(tc.edit(wsRequest(url).Fields()), false)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := st.Response(time.Now().Add(5 * time.Second))
			var re *h2ws.ResetError
			switch {
			case tc.wantStatus == 0 && (!errors.As(err, &re) || re.Code != http2.ErrCodeProtocol || !errors.Is(err, syscall.ECONNRESET)):
				t.Errorf("got %v, %v: want RST_STREAM PROTOCOL_ERROR", h2ws.FormatFields(resp), err)
			case tc.wantStatus != 0 && h2ws.Status(resp) != tc.wantStatus:
				t.Errorf("got %v, %v: want status %d", h2ws.FormatFields(resp), err, tc.wantStatus)
			}
			st.Close()
		})
	}
	// The connection survived every refusal.
	st, err := c.Open(wsRequest(url).Fields(), false)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := st.Response(time.Now().Add(5 * time.Second)); h2ws.Status(resp) != 200 {
		t.Fatalf("after the refusals: %v, %v", h2ws.FormatFields(resp), err)
	}
	if f := echo(t, st, frame.OpText, []byte("still here")); string(f.Payload) != "still here" {
		t.Errorf("echo %q", f.Payload)
	}
}

func TestH2WithoutConnectProtocol(t *testing.T) {
	for _, tc := range []struct {
		name        string
		cfg         Config
		wantH2      bool
		wantSetting bool
	}{
		{"default", Config{}, true, true},
		{"h2 without the setting", Config{H2WithoutConnectProtocol: true}, true, false},
		{"HTTP/1.1 only", Config{DisableHTTP2: true}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, url, err := Start("127.0.0.1:0", tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			c := h2Client(t, url)
			set, err := c.PeerSettings(time.Now().Add(5 * time.Second))
			if (err == nil) != tc.wantH2 || set.ConnectProtocol() != tc.wantSetting {
				t.Fatalf("settings %v, err %v: want h2 %v, setting %v", set, err, tc.wantH2, tc.wantSetting)
			}
		})
	}
}

// A client that opens more WebSockets than the server advertised gets
// REFUSED_STREAM for the extra one; the others keep working.
func TestH2StreamLimit(t *testing.T) {
	srv, url, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	c := h2Client(t, url)
	var open []*h2ws.Stream
	for range maxH2Streams {
		st, err := c.Open(wsRequest(url).Fields(), false)
		if err != nil {
			t.Fatal(err)
		}
		if resp, err := st.Response(time.Now().Add(10 * time.Second)); h2ws.Status(resp) != 200 {
			t.Fatalf("stream %d: %v, %v", st.ID(), h2ws.FormatFields(resp), err)
		}
		open = append(open, st)
	}
	st, err := c.Open(wsRequest(url).Fields(), false)
	if err != nil {
		t.Fatal(err)
	}
	var re *h2ws.ResetError
	if _, err := st.Response(time.Now().Add(10 * time.Second)); !errors.As(err, &re) || re.Code != http2.ErrCodeRefusedStream {
		t.Fatalf("stream %d over the limit: %v, want RST_STREAM REFUSED_STREAM", st.ID(), err)
	}
	if f := echo(t, open[0], frame.OpText, []byte("first")); string(f.Payload) != "first" {
		t.Errorf("echo %q", f.Payload)
	}
}
