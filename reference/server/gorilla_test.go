package server

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// These tests use gorilla/websocket as an independent client: the server
// must interoperate with an implementation that shares no code with it.

func dialGorilla(t *testing.T, u string, d websocket.Dialer) (*websocket.Conn, *http.Response) {
	t.Helper()
	d.HandshakeTimeout = testDeadline
	ws, resp, err := d.Dial(u, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	ws.SetReadDeadline(time.Now().Add(testDeadline))
	ws.SetWriteDeadline(time.Now().Add(testDeadline))
	return ws, resp
}

func TestGorillaEcho(t *testing.T) {
	u := startServer(t, Config{})
	ws, _ := dialGorilla(t, u, websocket.Dialer{})
	messages := []struct {
		kind    int
		payload []byte
	}{
		{websocket.TextMessage, []byte("Hello-µ@ßöäüàá-UTF-8!!")},
		{websocket.TextMessage, nil},
		{websocket.BinaryMessage, []byte{0, 1, 2, 0xfe, 0xff}},
		{websocket.BinaryMessage, bytes.Repeat([]byte{0xfe}, 65536)},
		{websocket.TextMessage, bytes.Repeat([]byte("*"), 125)},
		{websocket.TextMessage, bytes.Repeat([]byte("*"), 126)},
	}
	for _, m := range messages {
		if err := ws.WriteMessage(m.kind, m.payload); err != nil {
			t.Fatal(err)
		}
		kind, got, err := ws.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if kind != m.kind || !bytes.Equal(got, m.payload) {
			t.Errorf("sent type %d, %d octets; echo is type %d, %d octets", m.kind, len(m.payload), kind, len(got))
		}
	}
}

// TestGorillaFragmentedEcho sends one message as many frames.
func TestGorillaFragmentedEcho(t *testing.T) {
	u := startServer(t, Config{})
	ws, _ := dialGorilla(t, u, websocket.Dialer{WriteBufferSize: 1300})
	payload := bytes.Repeat([]byte("κόσμε "), 10000)
	w, err := ws.NextWriter(websocket.TextMessage)
	if err != nil {
		t.Fatal(err)
	}
	for p := payload; len(p) > 0; p = p[min(len(p), 777):] {
		w.Write(p[:min(len(p), 777)])
	}
	w.Close()
	if kind, got, err := ws.ReadMessage(); err != nil || kind != websocket.TextMessage || !bytes.Equal(got, payload) {
		t.Errorf("echo: type %d, %d octets, err %v; want text of %d octets", kind, len(got), err, len(payload))
	}
}

// TestGorillaPings checks every ping is answered in order with its payload
// (Autobahn 2.10) and before the echo of a message sent after it.
func TestGorillaPings(t *testing.T) {
	u := startServer(t, Config{})
	ws, _ := dialGorilla(t, u, websocket.Dialer{})
	var pongs []string
	ws.SetPongHandler(func(data string) error { pongs = append(pongs, data); return nil })
	want := []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", ""}
	for _, p := range want {
		if err := ws.WriteControl(websocket.PingMessage, []byte(p), time.Now().Add(testDeadline)); err != nil {
			t.Fatal(err)
		}
	}
	ws.WriteMessage(websocket.TextMessage, []byte("after"))
	if _, got, err := ws.ReadMessage(); err != nil || string(got) != "after" {
		t.Fatalf("echo %q, %v", got, err)
	}
	if !equal(pongs, want) {
		t.Errorf("pongs %q before the echo, want %q", pongs, want)
	}
}

// TestGorillaClose checks the closing handshake: the code is echoed and the
// server closes TCP first.
func TestGorillaClose(t *testing.T) {
	u := startServer(t, Config{})
	for _, code := range []int{websocket.CloseNormalClosure, websocket.CloseGoingAway, 4000} {
		ws, _ := dialGorilla(t, u, websocket.Dialer{})
		msg := websocket.FormatCloseMessage(code, "bye")
		if err := ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(testDeadline)); err != nil {
			t.Fatal(err)
		}
		_, _, err := ws.ReadMessage()
		var ce *websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code {
			t.Errorf("sent close %d; got %v, want the code echoed", code, err)
		}
		// The server must end TCP on its own (§7.1.1).
		ws.NetConn().SetReadDeadline(time.Now().Add(testDeadline))
		if n, err := ws.NetConn().Read(make([]byte, 1)); err != io.EOF {
			t.Errorf("after the close handshake read %d octets, %v; want EOF", n, err)
		}
	}
}

// TestGorillaCompression: gorilla's client offers permessage-deflate
// (server_no_context_takeover; client_no_context_takeover), the server
// accepts it, and compressed messages are echoed (compressed) both ways.
func TestGorillaCompression(t *testing.T) {
	u := startServer(t, Config{})
	ws, resp := dialGorilla(t, u, websocket.Dialer{EnableCompression: true})
	if h := resp.Header.Values("Sec-WebSocket-Extensions"); len(h) != 1 || !strings.HasPrefix(h[0], "permessage-deflate") {
		t.Fatalf("server answered extensions %q; want permessage-deflate", h)
	}
	ws.EnableWriteCompression(true)
	for _, msg := range []string{"Hello", "", strings.Repeat("compress me ", 10000), "κόσμε"} {
		ws.WriteMessage(websocket.TextMessage, []byte(msg))
		if _, got, err := ws.ReadMessage(); err != nil || string(got) != msg {
			t.Fatalf("echo of %d octets: %d octets, %v", len(msg), len(got), err)
		}
	}
}

// TestNoExtensionOrSubprotocol checks declined offers: subprotocols are
// never picked, and with DisableDeflate the connection works uncompressed.
func TestNoExtensionOrSubprotocol(t *testing.T) {
	u := startServer(t, Config{DisableDeflate: true})
	ws, resp := dialGorilla(t, u, websocket.Dialer{EnableCompression: true, Subprotocols: []string{"chat", "superchat"}})
	if h := resp.Header.Values("Sec-WebSocket-Extensions"); len(h) != 0 {
		t.Errorf("server negotiated extensions %q", h)
	}
	if h := resp.Header.Values("Sec-WebSocket-Protocol"); len(h) != 0 || ws.Subprotocol() != "" {
		t.Errorf("server picked subprotocol %q", h)
	}
	ws.WriteMessage(websocket.TextMessage, []byte("plain"))
	if _, got, err := ws.ReadMessage(); err != nil || string(got) != "plain" {
		t.Errorf("echo %q, %v", got, err)
	}
}
