package h2ws

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// pair is a client and a server Conn over loopback TCP; the server's
// streams arrive on the returned channel.
func pair(t *testing.T) (*Conn, <-chan *Stream) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	streams := make(chan *Stream, 4)
	srvDone := make(chan *Conn, 1)
	go func() {
		nc, err := l.Accept()
		if err != nil {
			close(srvDone)
			return
		}
		sc, err := NewServer(nc, Config{Settings: []http2.Setting{{ID: http2.SettingEnableConnectProtocol, Val: 1}}})
		if err != nil {
			close(srvDone)
			return
		}
		srvDone <- sc
		for {
			st, err := sc.Accept()
			if err != nil {
				close(streams)
				return
			}
			streams <- st
		}
	}()
	nc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c, err := NewClient(nc, Config{})
	if err != nil {
		t.Fatal(err)
	}
	sc := <-srvDone
	if sc == nil {
		t.Fatal("server side did not start")
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c, streams
}

func open(t *testing.T, c *Conn, streams <-chan *Stream) (*Stream, *Stream) {
	t.Helper()
	cs, err := c.Open(Request{Scheme: "http", Authority: "x", Path: "/"}.Fields(), false)
	if err != nil {
		t.Fatal(err)
	}
	ss := <-streams
	if err := ss.Respond([]hpack.HeaderField{{Name: ":status", Value: "200"}}, false); err != nil {
		t.Fatal(err)
	}
	if resp, err := cs.Response(time.Now().Add(5 * time.Second)); Status(resp) != 200 {
		t.Fatalf("response %v, %v", FormatFields(resp), err)
	}
	return cs, ss
}

func TestStreamEnds(t *testing.T) {
	c, streams := pair(t)
	for _, tc := range []struct {
		name string
		end  func(server *Stream)
		want func(error) bool
	}{
		{"END_STREAM reads as EOF", func(s *Stream) { s.CloseWrite() }, func(err error) bool { return err == nil }}, // io.ReadAll: EOF is success
		{"RST_STREAM reads as a reset", func(s *Stream) { s.Reset(http2.ErrCodeCancel) }, func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
		{"the read deadline", func(*Stream) {}, func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs, ss := open(t, c, streams)
			if _, err := ss.Write([]byte("hello")); err != nil {
				t.Fatal(err)
			}
			tc.end(ss)
			cs.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			got, err := io.ReadAll(cs)
			if (string(got) != "hello" && !errors.Is(err, syscall.ECONNRESET)) || !tc.want(err) {
				t.Errorf("read %q, %v", got, err)
			}
			cs.Close()
			ss.Close()
		})
	}
}

// A writer whose peer does not read waits for WINDOW_UPDATE only until its
// deadline; once the peer reads, everything arrives in order.
func TestFlowControlAndDeadlines(t *testing.T) {
	c, streams := pair(t)
	cs, ss := open(t, c, streams)
	big := bytes.Repeat([]byte("0123456789abcdef"), 16<<10) // 256 KiB, four initial windows
	cs.SetWriteDeadline(time.Now().Add(200 * time.Millisecond))
	n, err := cs.Write(big)
	if !errors.Is(err, os.ErrDeadlineExceeded) || n != DefaultWindow {
		t.Fatalf("wrote %d, %v: want the initial window (%d) then the deadline", n, err, DefaultWindow)
	}
	cs.SetWriteDeadline(time.Now().Add(10 * time.Second))
	errc := make(chan error, 1)
	go func() {
		_, err := cs.Write(big[n:])
		if err == nil {
			err = cs.CloseWrite()
		}
		errc <- err
	}()
	ss.SetReadDeadline(time.Now().Add(10 * time.Second))
	got, err := io.ReadAll(ss)
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d octets, %v: want %d", len(got), err, len(big))
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if ss.FlowViolation() || cs.FlowViolation() {
		t.Error("flow-control violation between two h2ws ends")
	}
}

func TestCheckRequest(t *testing.T) {
	valid := Request{Scheme: "https", Authority: "example.com", Path: "/chat"}.Fields()
	edit := func(f func([]hpack.HeaderField) []hpack.HeaderField) []hpack.HeaderField {
		return f(append([]hpack.HeaderField(nil), valid...))
	}
	drop := func(name string) []hpack.HeaderField {
		return edit(func(fs []hpack.HeaderField) []hpack.HeaderField {
			out := fs[:0]
			for _, f := range fs {
				if f.Name != name {
					out = append(out, f)
				}
			}
			return out
		})
	}
	set := func(name, value string) []hpack.HeaderField {
		return edit(func(fs []hpack.HeaderField) []hpack.HeaderField {
			for i := range fs {
				if fs[i].Name == name {
					fs[i].Value = value
					return fs
				}
			}
			return append(fs, hpack.HeaderField{Name: name, Value: value})
		})
	}
	for _, tc := range []struct {
		name    string
		fields  []hpack.HeaderField
		enabled bool
		want    string // rule, "" for accepted
	}{
		{"valid", valid, true, ""},
		{"valid, setting not sent", valid, false, RuleProtocolWithoutSetting},
		{"no :protocol", drop(":protocol"), true, RuleConnectWithoutProtocol},
		{"no :scheme", drop(":scheme"), true, RuleMissingScheme},
		{"no :path", drop(":path"), true, RuleMissingPath},
		{"empty :path", set(":path", ""), true, RuleMissingPath},
		{"no :authority", drop(":authority"), true, RuleMissingAuthority},
		{"GET", set(":method", "GET"), true, RuleProtocolNotConnect},
		{"upgrade field", set("upgrade", "websocket"), true, RuleConnectionSpecific},
		{"version 8", set("sec-websocket-version", "8"), true, RuleWrongVersion},
		{"other protocol", set(":protocol", "webtransport"), true, RuleUnknownProtocol},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := CheckRequest(tc.fields, tc.enabled)
			got := ""
			if r != nil {
				got = r.Rule
			}
			if got != tc.want {
				t.Errorf("rule %q, want %q (%+v)", got, tc.want, r)
			}
		})
	}
}
