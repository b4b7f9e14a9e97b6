package probe_test

import (
	"bytes"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/server"
)

func referenceTarget(t *testing.T, cfg server.Config) probe.Target {
	s, u, err := server.Start("127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	target, err := probe.ParseTarget(u)
	if err != nil {
		t.Fatal(err)
	}
	return target
}

// sendCompressed sends msg compressed, in frames of at most fragment octets.
func sendCompressed(t *testing.T, c *probe.Conn, op frame.Opcode, msg []byte, fragment int) {
	t.Helper()
	z, err := c.Compress(nil, msg)
	if err != nil {
		t.Fatal(err)
	}
	for first := true; first || len(z) > 0; first = false {
		n := min(fragment, len(z))
		f := frame.New(op, z[:n])
		if first {
			f.Rsv = frame.RSV1
		} else {
			f.Opcode = frame.OpContinuation
		}
		z = z[n:]
		f.Fin = len(z) == 0
		if err := c.SendFrame(f, probe.Piece{}); err != nil {
			t.Fatal(err)
		}
	}
}

func awaitMessages(t *testing.T, c *probe.Conn, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for c.MessageCount() < n {
		select {
		case <-c.Wake():
		case <-deadline:
			t.Fatalf("%d of %d echoes after 5 s; events %v", c.MessageCount(), n, c.Events())
		}
	}
}

func TestOpenDeflateEcho(t *testing.T) {
	target := referenceTarget(t, server.Config{})
	offers := []deflate.Params{{ServerMaxWindowBits: 9}, {ClientNoContextTakeover: true, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}}
	c, _, accepted, err := probe.OpenDeflate(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()), offers)
	if err != nil {
		t.Fatal(err)
	}
	// The reference server honours the first offer, a 9-bit window for its
	// own messages, by compressing them without back-references.
	if want := (deflate.Params{ServerMaxWindowBits: 9}); accepted == nil || *accepted != want || *c.Deflate() != want {
		t.Fatalf("accepted %v; want %v", accepted, want)
	}
	big := bytes.Repeat([]byte("compressible text "), 10_000)
	sendCompressed(t, c, frame.OpText, []byte("Hello"), 1<<20)
	sendCompressed(t, c, frame.OpBinary, big, 256)
	sendCompressed(t, c, frame.OpText, []byte{}, 1<<20)
	awaitMessages(t, c, 3)
	for i, want := range []observed.Event{{Kind: observed.Message, Payload: []byte("Hello")}, {Kind: observed.Message, Binary: true, Payload: big}, {Kind: observed.Message}} {
		e, ok := c.TakeMessage(i)
		if !ok || e.Binary != want.Binary || !bytes.Equal(e.Payload, want.Payload) {
			t.Errorf("message %d: %v; want %v", i, e, want)
		}
		if again, _ := c.TakeMessage(i); again.Payload != nil {
			t.Errorf("message %d: payload still held after TakeMessage", i)
		}
	}
	st := c.DeflateStats()
	if st.SentMessage != int64(5+len(big)) || st.ReceivedMessage != st.SentMessage || st.SentCompressed >= st.SentMessage/10 || st.ReceivedCompressed == 0 {
		t.Errorf("stats %+v", st)
	}
	c.SendClose(1000, "")
	<-c.Done()
	if s := c.State(); !s.Clean || s.RemoteCode == nil || *s.RemoteCode != 1000 || s.PeerViolation != "" {
		t.Errorf("close %+v", s)
	}
}

func TestOpenDeflateDeclined(t *testing.T) {
	target := referenceTarget(t, server.Config{DisableDeflate: true})
	c, _, accepted, err := probe.OpenDeflate(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()), []deflate.Params{{}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { c.Abort(); <-c.Done() }()
	if accepted != nil || c.Deflate() != nil {
		t.Errorf("accepted %v with a server that declines", accepted)
	}
	if _, err := c.Compress(nil, []byte("x")); err == nil {
		t.Error("Compress worked without permessage-deflate")
	}
}

// answeringServer completes the handshake adding the given extensions
// answer, then runs script.
func answeringServer(t *testing.T, answer string, script func(c net.Conn, r *frame.Reader)) probe.Target {
	return scriptedServer(t, script, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: answer})
}

func TestOpenDeflateBadAnswer(t *testing.T) {
	for _, answer := range []string{
		"permessage-deflate; client_max_window_bits",    // no value in a response (§7.1.2.2)
		"permessage-deflate; server_max_window_bits=12", // larger than offered
		"permessage-deflate, permessage-deflate",        // accepted twice
		"permessage-deflate; bogus",                     // unknown parameter
	} {
		target := answeringServer(t, answer, func(net.Conn, *frame.Reader) {})
		_, _, _, err := probe.OpenDeflate(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()),
			[]deflate.Params{{ServerMaxWindowBits: 10, ClientMaxWindowBits: deflate.ClientMaxWindowBitsNoValue}})
		if err == nil || !strings.Contains(err.Error(), "rejected") {
			t.Errorf("answer %q: err %v; want the handshake rejected", answer, err)
		}
	}
}

// TestInflateViolations: what the probe does with a compressed message it
// cannot accept — corrupt data fails with 1007, RSV1 on a continuation
// with 1002 (RFC 7692 §6).
func TestInflateViolations(t *testing.T) {
	tests := []struct {
		name   string
		frames []frame.Frame
		rule   string
	}{
		{"corrupt data", []frame.Frame{{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpBinary}, Payload: []byte{0xff, 0xff}}}, deflate.RuleInvalidData},
		{"RSV1 on continuation", []frame.Frame{{Header: frame.Header{Opcode: frame.OpText}, Payload: []byte("a")},
			{Header: frame.Header{Fin: true, Rsv: frame.RSV1, Opcode: frame.OpContinuation}, Payload: []byte{0x02, 0x00}}}, frame.RuleCompressedContinued},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := answeringServer(t, "permessage-deflate", func(c net.Conn, r *frame.Reader) {
				var b []byte
				for _, f := range tt.frames {
					b = f.Append(b)
				}
				c.Write(b)
				for {
					if _, err := frame.ReadFrame(r, 1<<20); err != nil {
						return
					}
				}
			})
			c, _, _, err := probe.OpenDeflate(t.Context(), target, fastTimeouts(), probe.NewWireLog(time.Now()), []deflate.Params{{}})
			if err != nil {
				t.Fatal(err)
			}
			<-c.Done()
			if s := c.State(); !strings.Contains(s.PeerViolation, tt.rule) {
				t.Errorf("peer violation %q; want rule %s", s.PeerViolation, tt.rule)
			}
		})
	}
}
