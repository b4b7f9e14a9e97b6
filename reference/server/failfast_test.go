package server

import (
	"testing"
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

// TestFailFastInsideOneFrame is Autobahn 6.4.3/6.4.4: one text frame whose
// header announces 21 octets arrives in three chops; the server must fail
// with 1007 once the chop with the bad octet is in, without waiting for
// the rest of the frame. With Faults.NoFailFastUTF8 it must not.
func TestFailFastInsideOneFrame(t *testing.T) {
	const quiet = 300 * time.Millisecond
	chops := map[string][3][]byte{
		"6.4.3": {kosme, {0xf4, 0x90, 0x80, 0x80}, []byte("edited")},
		"6.4.4": {append(append([]byte{}, kosme...), 0xf4), {0x90}, []byte("\x80\x80edited")},
	}
	for id, parts := range chops {
		payload := append(append(append([]byte{}, parts[0]...), parts[1]...), parts[2]...)
		wire := masked(frame.OpText, payload).Bytes()
		headerSize := len(wire) - len(payload)
		cut1, cut2 := headerSize+len(parts[0]), headerSize+len(parts[0])+len(parts[1])

		t.Run(id+"/strict", func(t *testing.T) {
			u := startServer(t, Config{})
			c := dialRaw(t, u).handshake(u)
			c.write(wire[:cut1])
			time.Sleep(quiet / 3)
			c.write(wire[cut1:cut2])
			// The rest is never sent: the close must come anyway.
			if got, want := c.transcript(), []string{"close:1007"}; !equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
		t.Run(id+"/NoFailFastUTF8", func(t *testing.T) {
			u := startServer(t, Config{Faults: Faults{NoFailFastUTF8: true}})
			c := dialRaw(t, u).handshake(u)
			c.write(wire[:cut2])
			c.conn.SetReadDeadline(time.Now().Add(quiet))
			// Peek, not the frame.Reader, whose errors are sticky.
			if _, err := c.br.Peek(1); err == nil {
				t.Fatal("server answered before the frame was complete; the fault did not take effect")
			}
			c.conn.SetReadDeadline(time.Now().Add(testDeadline))
			c.write(wire[cut2:])
			if got, want := c.transcript(), []string{"close:1007"}; !equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
}
