package server

import (
	"compress/flate"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

func TestDeflateNegotiation(t *testing.T) {
	tests := []struct {
		name   string
		cfg    Config
		offers []string // Sec-WebSocket-Extensions fields sent
		answer string   // the response's field; "" none
	}{
		{"no offer", Config{}, nil, ""},
		{"plain offer", Config{}, []string{"permessage-deflate"}, "permessage-deflate"},
		{"browser offer", Config{}, []string{"permessage-deflate; client_max_window_bits"}, "permessage-deflate"},
		{"context takeover flags echoed", Config{}, []string{"permessage-deflate; client_no_context_takeover; server_no_context_takeover"},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover"},
		{"server window 15", Config{}, []string{"permessage-deflate; server_max_window_bits=15"}, "permessage-deflate; server_max_window_bits=15"},
		{"server window 9 honoured", Config{}, []string{"permessage-deflate; server_max_window_bits=9"}, "permessage-deflate; server_max_window_bits=9"},
		{"Autobahn 13.7: first offer", Config{}, []string{"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9, " +
			"permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover, permessage-deflate"},
			"permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9"},
		{"invalid offer skipped (RFC 7692 §5)", Config{}, []string{"permessage-deflate; x-unknown, permessage-deflate; client_no_context_takeover"},
			"permessage-deflate; client_no_context_takeover"},
		{"offers in two fields", Config{}, []string{"x-foo", "permessage-deflate"}, "permessage-deflate"},
		{"unknown extension only", Config{}, []string{"x-webkit-deflate-frame"}, ""},
		{"duplicate parameter declined", Config{}, []string{"permessage-deflate; server_no_context_takeover; server_no_context_takeover"}, ""},
		{"DisableDeflate", Config{DisableDeflate: true}, []string{"permessage-deflate"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := startServer(t, tt.cfg)
			c := dialRaw(t, u)
			resp := c.handshakeOffering(u, tt.offers...)
			got := strings.Join(resp.Values("Sec-WebSocket-Extensions"), ", ")
			if got != tt.answer {
				t.Errorf("Sec-WebSocket-Extensions: %q; want %q", got, tt.answer)
			}
		})
	}
}

// handshakeOffering is handshake with Sec-WebSocket-Extensions fields.
func (c *rawClient) handshakeOffering(wsURL string, offers ...string) *handshake.Response {
	c.t.Helper()
	u, _ := url.Parse(wsURL)
	req := handshake.NewClientRequest(u, handshake.NewKey())
	for _, o := range offers {
		req.Add("Sec-WebSocket-Extensions", o)
	}
	c.write(req.Bytes())
	resp, err := handshake.ReadResponse(c.br)
	if err != nil {
		c.t.Fatalf("reading handshake response: %v", err)
	}
	if vs := handshake.ValidateResponse(req, resp); len(vs) > 0 {
		c.t.Fatalf("handshake response violates RFC 6455: %v", vs)
	}
	return resp
}

// pmdClient is a raw client with permessage-deflate negotiated.
type pmdClient struct {
	*rawClient
	codec *deflate.Codec
}

func dialDeflate(t *testing.T, cfg Config, offer string) *pmdClient {
	t.Helper()
	u := startServer(t, cfg)
	c := dialRaw(t, u)
	resp := c.handshakeOffering(u, offer)
	v, _ := resp.Get("Sec-WebSocket-Extensions")
	exts, err := handshake.ParseExtensions(v)
	if err != nil || len(exts) != 1 {
		t.Fatalf("offered %q, got %q: want permessage-deflate", offer, v)
	}
	p, err := deflate.ParseParams(exts[0])
	if err != nil {
		t.Fatal(err)
	}
	codec, _ := deflate.NewCodec(p, deflate.ClientRole, flate.BestSpeed, 0)
	return &pmdClient{c, codec}
}

// compressed is a masked frame with RSV1 carrying msg compressed by the
// client's codec (so context takeover applies across calls).
func (c *pmdClient) compressed(op frame.Opcode, msg string) frame.Frame {
	p, err := c.codec.Out.Compress(nil, []byte(msg))
	if err != nil {
		c.t.Fatal(err)
	}
	f := frame.New(op, p)
	f.Rsv = frame.RSV1
	return f.Masked(testMask)
}

// transcript is rawClient.transcript with compressed messages inflated and
// spelled "op+z:payload" (RSV1 set).
func (c *pmdClient) transcript() []string {
	c.t.Helper()
	var got []string
	for {
		f, err := frame.ReadFrame(c.fr, 64<<20)
		if err != nil {
			c.t.Fatalf("after %q: reading frame: %v", got, err)
		}
		switch {
		case f.Opcode == frame.OpClose:
			body, _ := frame.ParseClosePayload(f.Payload)
			got = append(got, fmt.Sprintf("close:%d", body.Code))
			c.expectEOF()
			return got
		case f.Rsv == frame.RSV1 && f.Fin:
			p, err := c.codec.In.Decompress(nil, f.Payload)
			if err != nil {
				c.t.Fatalf("server's compressed %s: %v", f.Opcode, err)
			}
			got = append(got, fmt.Sprintf("%s+z:%s", opName(f.Opcode), p))
		default:
			got = append(got, fmt.Sprintf("%s/rsv%d:%s", opName(f.Opcode), f.Rsv, f.Payload))
		}
	}
}

func TestDeflateSession(t *testing.T) {
	withRSV1 := func(f frame.Frame) frame.Frame { f.Rsv |= frame.RSV1; return f.Masked(testMask) }
	kosmeBad := "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited" // a surrogate after κόσμε
	tests := []struct {
		name   string
		offer  string
		cfg    Config
		frames func(c *pmdClient) []frame.Frame
		want   []string
	}{
		{"compressed text echoed compressed", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame { return []frame.Frame{c.compressed(frame.OpText, "Hello")} },
			[]string{"text+z:Hello", "close:1000"}},
		{"compressed binary", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame { return []frame.Frame{c.compressed(frame.OpBinary, "\x00\xff\x00")} },
			[]string{"binary+z:\x00\xff\x00", "close:1000"}},
		{"context takeover across messages", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				return []frame.Frame{c.compressed(frame.OpText, "Hello, Hello"), c.compressed(frame.OpText, "Hello, Hello")}
			},
			[]string{"text+z:Hello, Hello", "text+z:Hello, Hello", "close:1000"}},
		{"no context takeover both ways", "permessage-deflate; server_no_context_takeover; client_no_context_takeover", Config{},
			func(c *pmdClient) []frame.Frame {
				return []frame.Frame{c.compressed(frame.OpText, "Hello"), c.compressed(frame.OpText, "Hello")}
			},
			[]string{"text+z:Hello", "text+z:Hello", "close:1000"}},
		{"uncompressed message still accepted", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame { return []frame.Frame{masked(frame.OpText, []byte("plain"))} },
			[]string{"text+z:plain", "close:1000"}},
		{"compressed message in fragments, RSV1 on the first", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				z := c.compressed(frame.OpText, strings.Repeat("fragmented ", 50)).Payload
				f1 := withRSV1(frame.New(frame.OpText, z[:5]))
				f1.Fin = false
				f2 := frame.New(frame.OpContinuation, z[5:]).Masked(testMask)
				return []frame.Frame{f1, f2}
			},
			[]string{"text+z:" + strings.Repeat("fragmented ", 50), "close:1000"}},
		{"RSV1 on a continuation (RFC 7692 §6)", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				f1 := frame.New(frame.OpText, []byte("a")).Masked(testMask)
				f1.Fin = false
				return []frame.Frame{f1, withRSV1(frame.New(frame.OpContinuation, []byte{0x4a, 0x04, 0x00}))}
			},
			[]string{"close:1002"}},
		{"RSV1 on a ping (RFC 7692 §6)", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				return []frame.Frame{withRSV1(frame.New(frame.OpPing, []byte{0x02, 0x00}))}
			},
			[]string{"close:1002"}},
		{"RSV2 still an error", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				f := c.compressed(frame.OpText, "x")
				f.Rsv |= frame.RSV2
				return []frame.Frame{f.Masked(testMask)}
			},
			[]string{"close:1002"}},
		{"inflated text not UTF-8", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame { return []frame.Frame{c.compressed(frame.OpText, kosmeBad)} },
			[]string{"close:1007"}},
		{"invalid DEFLATE data", "permessage-deflate", Config{},
			func(c *pmdClient) []frame.Frame {
				return []frame.Frame{withRSV1(frame.New(frame.OpBinary, []byte{0xff, 0xff, 0xff}))}
			},
			[]string{"close:1007"}},
		{"decompression bomb past MaxMessageSize", "permessage-deflate", Config{MaxMessageSize: 1 << 20},
			func(c *pmdClient) []frame.Frame {
				return []frame.Frame{c.compressed(frame.OpBinary, strings.Repeat("\x00", 8<<20))}
			},
			[]string{"close:1009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialDeflate(t, tt.cfg, tt.offer)
			c.send(append(tt.frames(c), closeFrame(frame.CloseNormal, ""))...)
			if got := c.transcript(); !equal(got, tt.want) {
				t.Errorf("transcript %q; want %q", got, tt.want)
			}
		})
	}
}

// TestRSV1WithoutDeflate: RSV1 means nothing unless permessage-deflate was
// agreed, so it stays a protocol error when the server declined.
func TestRSV1WithoutDeflate(t *testing.T) {
	u := startServer(t, Config{DisableDeflate: true})
	c := dialRaw(t, u)
	c.handshakeOffering(u, "permessage-deflate")
	f := frame.New(frame.OpText, []byte{0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00})
	f.Rsv = frame.RSV1
	c.sendQuietly(f.Masked(testMask))
	if got, want := c.transcript(), []string{"close:1002"}; !equal(got, want) {
		t.Errorf("transcript %q; want %q", got, want)
	}
}

// TestDeflateKeepContextFault: with the fault, the second of two equal
// messages refers back into the first although server_no_context_takeover
// was agreed, so a client that trusts the agreement cannot inflate it.
func TestDeflateKeepContextFault(t *testing.T) {
	for _, fault := range []bool{false, true} {
		c := dialDeflate(t, Config{Faults: Faults{DeflateKeepContext: fault}}, "permessage-deflate; server_no_context_takeover")
		msg := strings.Repeat("repeat after me ", 8)
		c.send(c.compressed(frame.OpText, msg), c.compressed(frame.OpText, msg))
		var inflateErrs int
		for range 2 {
			f, err := frame.ReadFrame(c.fr, 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.codec.In.Decompress(nil, f.Payload); err != nil {
				inflateErrs++
			} else if string(got) != msg {
				t.Errorf("fault %t: echo %q", fault, got)
			}
		}
		if want := map[bool]int{false: 0, true: 1}[fault]; inflateErrs != want {
			t.Errorf("fault %t: %d echoes failed to inflate, want %d", fault, inflateErrs, want)
		}
	}
}

// TestEchoDeflate: each way of compressing echoes inflates to the message,
// with and without context takeover, and is the method it says: LZ77
// output is much shorter than a repetitive message, Huffman-only output
// is shorter but refers to nothing (equal messages compress equally with
// context takeover), stored output holds the message's octets as they are.
func TestEchoDeflate(t *testing.T) {
	msg := strings.Repeat("echo, echo, echo; ", 200)
	for _, tt := range []struct {
		name  string
		echo  EchoDeflate
		check func(first, second []byte, takeover bool) string
	}{
		{"LZ77", EchoLZ77, func(first, second []byte, takeover bool) string {
			if len(first) > len(msg)/10 || takeover && len(second) >= len(first) {
				return "want back-references: a short first echo, and a shorter second one with context takeover"
			}
			return ""
		}},
		{"Huffman only", EchoHuffmanOnly, func(first, second []byte, _ bool) string {
			if len(first) >= len(msg) || len(first) < len(msg)/4 || string(first) != string(second) {
				return "want Huffman codes (shorter than the message) and no reference to the first message"
			}
			return ""
		}},
		{"stored", EchoStored, func(first, second []byte, _ bool) string {
			if !strings.Contains(string(first), msg) || first[0]&0x07 != 0 {
				return "want a non-final stored block holding the message"
			}
			return ""
		}},
	} {
		for _, offer := range []string{"permessage-deflate", "permessage-deflate; server_no_context_takeover"} {
			t.Run(tt.name+"/"+offer, func(t *testing.T) {
				c := dialDeflate(t, Config{EchoDeflate: tt.echo}, offer)
				c.send(c.compressed(frame.OpText, msg), c.compressed(frame.OpText, msg))
				var echoes [][]byte
				for range 2 {
					f, err := frame.ReadFrame(c.fr, 1<<20)
					if err != nil {
						t.Fatal(err)
					}
					got, err := c.codec.In.Decompress(nil, f.Payload)
					if err != nil || string(got) != msg || f.Rsv != frame.RSV1 {
						t.Fatalf("echo: RSV %d, inflated %d octets (%v), want RSV1 and the message", f.Rsv, len(got), err)
					}
					echoes = append(echoes, f.Payload)
				}
				if why := tt.check(echoes[0], echoes[1], offer == "permessage-deflate"); why != "" {
					t.Errorf("echoes of %d and %d octets for a %d-octet message: %s", len(echoes[0]), len(echoes[1]), len(msg), why)
				}
			})
		}
	}
}
