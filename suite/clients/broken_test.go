package clients_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
	"github.com/wsconform/wsconform/reference/receive"
	"github.com/wsconform/wsconform/suite/clients"
)

// refClient is a small echo client that judges what it receives with the
// reference receiver (so it fails the connection when RFC 6455 says so),
// with one fault switched on at will.
type refClient struct {
	mask          func() ([4]byte, bool) // the masking key of the next frame, false: unmasked
	ignoreClose   bool                   // never answer a close frame, never close TCP
	ignoresMasked bool                   // reads a masked server frame as if it were not masked
}

func randomKey() ([4]byte, bool) {
	var k [4]byte
	rand.Read(k[:])
	return k, true
}

func (rc refClient) echo(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(time.Minute))
	req := handshake.NewClientRequest(u, handshake.NewKey())
	if _, err := nc.Write(req.Bytes()); err != nil {
		return err
	}
	br := bufio.NewReader(nc)
	resp, err := handshake.ReadResponse(br)
	if err != nil {
		return err
	}
	if vs := handshake.ValidateResponse(req, resp); len(vs) > 0 {
		return vs[0]
	}
	write := func(op frame.Opcode, p []byte) {
		f := frame.New(op, p)
		if key, ok := rc.mask(); ok {
			f = f.Masked(key)
		}
		nc.Write(f.Bytes())
	}
	fail := func(code frame.CloseCode) {
		write(frame.OpClose, frame.ClosePayload(code, ""))
		io.Copy(io.Discard, br) // until the server closes TCP
	}
	r := frame.NewReader(br)
	recv := receive.New(receive.Config{From: frame.FromServer, MaxMessage: receive.Unlimited})
	var msg []byte
	for {
		h, err := r.Next()
		if err != nil {
			return nil
		}
		if rc.ignoresMasked {
			h.Masked = false
		}
		kind, v := recv.Frame(h)
		if v != nil && h.Opcode != frame.OpClose {
			fail(v.Code)
			return nil
		}
		p := make([]byte, h.Length)
		if _, err := io.ReadFull(r, p); err != nil {
			return nil
		}
		switch {
		case h.Opcode == frame.OpClose:
			if rc.ignoreClose {
				continue
			}
			body, cv := recv.Close(p)
			if v != nil || cv != nil {
				code := frame.CloseProtocolError
				if v == nil {
					code = cv.Code
				}
				fail(code)
				return nil
			}
			reply := []byte(nil)
			if body.HasCode {
				reply = frame.ClosePayload(body.Code, "")
			}
			write(frame.OpClose, reply)
			io.Copy(io.Discard, br)
			return nil
		case h.Opcode == frame.OpPing:
			write(frame.OpPong, p)
		case kind == receive.Data:
			if v := recv.Data(p); v != nil {
				fail(v.Code)
				return nil
			}
			msg = append(msg, p...)
			if recv.Final() {
				if v := recv.End(); v != nil {
					fail(v.Code)
					return nil
				}
				write(recv.Opcode(), msg)
				msg = nil
			}
		}
	}
}

// TestBrokenClients: the reference client passes; each fault fails
// exactly the cases that look at it.
func TestBrokenClients(t *testing.T) {
	// A mix of cases we close and cases the client must fail; 16.4.1: the
	// reference client fails the connection with close 1002 and waits for
	// our TCP close (§7.1.1).
	selection := []string{"1.1.1", "1.2.3", "2.1", "2.10", "3.1", "3.4", "4.1.1", "4.2.3", "5.1", "5.6", "5.19", "6.2.1", "6.3.1", "7.1.1", "7.3.6", "7.7.1", "7.9.1", "7.13.1", "10.1.1", "16.3.1", "16.4.1"}
	fixed := [4]byte{1, 2, 3, 4}
	closedByUs := func(c *cases.Case) bool { return c.Close.ClosedByMe && !c.Close.Informational }
	tests := []struct {
		name   string
		client refClient
		fails  func(c *cases.Case) bool
	}{
		{"reference", refClient{mask: randomKey}, func(*cases.Case) bool { return false }},
		{"unmasked", refClient{mask: func() ([4]byte, bool) { return [4]byte{}, false }}, func(c *cases.Case) bool { return !c.Close.Informational }},
		// Only 16.3.1 judges mask keys.
		{"one mask key", refClient{mask: func() ([4]byte, bool) { return fixed, true }}, func(c *cases.Case) bool { return c.ID == "16.3.1" }},
		{"ignores close", refClient{mask: randomKey, ignoreClose: true}, closedByUs}, // 16.3.1 left out: it waits long for a close
		// Only the cases that send a masked frame look at it.
		{"ignores masked server frames", refClient{mask: randomKey, ignoresMasked: true}, func(c *cases.Case) bool {
			return c.ClientRule != nil && slices.ContainsFunc(c.ClientRule.Send, func(f frame.Frame) bool { return f.Header.Masked })
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A client that never answers costs a close timeout per
			// case; a short one keeps the test fast (loopback).
			var exclude []string
			if tc.client.ignoreClose {
				exclude = []string{"16.*"}
			}
			addr, srv := fuzzingServer(t, selection, exclude, func(cfg *clients.Config) { cfg.Env.Timeouts.CloseWait = 250 * time.Millisecond })
			harness(t, addr, tc.name, tc.client.echo)
			runs := srv.Runs()
			if len(runs) != 1 {
				t.Fatalf("%d runs, want 1", len(runs))
			}
			for _, r := range runs[0].Results {
				c, _ := cases.Lookup(r.ID)
				c = c.ForClients()
				if got, want := !r.Passes(false), tc.fails(c); got != want {
					t.Errorf("%s: %s / %s, want failing=%t: %s | %s", r.ID, r.Behavior, r.BehaviorClose, want, r.Reason, r.CloseReason)
				}
				if slices.Contains([]cases.Verdict{cases.NotRun}, r.Behavior) {
					t.Errorf("%s not run", r.ID)
				}
				// The endpoint under test is the client: the verdicts say so.
				for _, text := range []string{r.Reason, r.CloseReason} {
					if strings.Contains(text, "the target") {
						t.Errorf("%s: the verdict calls the client the target: %s", r.ID, text)
					}
				}
				if !r.Passes(false) && !strings.Contains(r.Reason+r.CloseReason, "the client") {
					t.Errorf("%s: a failing verdict that does not name the client: %s | %s", r.ID, r.Reason, r.CloseReason)
				}
				if (r.Behavior == cases.Failed || r.BehaviorClose == cases.CloseFailed) && (r.Rule == "" || !strings.HasPrefix(r.RuleSection, "RFC ")) {
					t.Errorf("%s %s/%s names no rule (%q, %q): %s | %s", r.ID, r.Behavior, r.BehaviorClose, r.Rule, r.RuleSection, r.Reason, r.CloseReason)
				}
			}
		})
	}
}
