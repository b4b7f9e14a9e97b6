package server

import (
	"errors"
	"net"
	"net/url"
	"runtime"
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// TestCloseLeavesNoGoroutines closes a server holding connections in every
// state (mid-handshake, idle, mid-frame, mid-message) and checks that Close
// returns promptly and every goroutine it started is gone.
func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s, u, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	dialRaw(t, u).write([]byte("GET / HTTP/1.1\r\n"))
	dialRaw(t, u).handshake(u)
	midFrame := dialRaw(t, u).handshake(u)
	midFrame.write(masked(frame.OpBinary, make([]byte, 1000)).Bytes()[:500])
	midMessage := dialRaw(t, u).handshake(u)
	midMessage.send(fragment(frame.OpText, []byte("half"), false))
	// Let the server take up every connection.
	echo := dialRaw(t, u).handshake(u)
	echo.send(masked(frame.OpText, []byte("sync")))
	if f, err := frame.ReadFrame(echo.fr, 100); err != nil || string(f.Payload) != "sync" {
		t.Fatalf("echo %q, %v", f.Payload, err)
	}

	done := make(chan error)
	go func() { done <- s.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Close: %v", err)
		}
	case <-time.After(testDeadline):
		t.Fatal("Close did not return")
	}
	deadline := time.Now().Add(testDeadline)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines before Start, %d after Close:\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestServeReturnsAfterClose(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := New(Config{})
	served := make(chan error)
	go func() { served <- s.Serve(l) }()
	u := "ws://" + l.Addr().String() + "/"
	c := dialRaw(t, u).handshake(u)
	c.send(masked(frame.OpPing, []byte("up")))
	if f, err := frame.ReadFrame(c.fr, 100); err != nil || f.Opcode != frame.OpPong {
		t.Fatalf("pong: %v %v", f.Header, err)
	}
	s.Close()
	select {
	case err := <-served:
		if !errors.Is(err, ErrServerClosed) {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	case <-time.After(testDeadline):
		t.Fatal("Serve did not return after Close")
	}
	if err := s.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Errorf("Serve after Close returned %v", err)
	}
	if _, err := net.DialTimeout("tcp", l.Addr().String(), time.Second); err == nil {
		t.Error("listener still accepts after Close")
	}
}

func TestStartURL(t *testing.T) {
	s, u, err := Start("127.0.0.1:0", Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	parsed, err := url.Parse(u)
	if err != nil || parsed.Scheme != "ws" || parsed.Path != "/" || parsed.Port() == "0" {
		t.Errorf("Start returned URL %q", u)
	}
	if _, _, err := Start("127.0.0.1:-1", Config{}); err == nil {
		t.Error("Start on a bad address did not fail")
	}
}
