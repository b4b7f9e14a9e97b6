package probe

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// ServerSide says how we answer a client's opening handshake when we play
// the server.
type ServerSide struct {
	// Deflate chooses our answer to the client's permessage-deflate offers
	// (already parsed and valid, in the client's order); nil or false
	// declines them all.
	Deflate func(offers []deflate.Params) (deflate.Params, bool)
	// Protocols we speak, in our order of preference: the first the client
	// offers is selected (§4.2.2 item 5.4).
	Protocols []string
}

// ReadRequest reads a client's opening handshake request from a freshly
// accepted connection within the handshake timeout; br then holds what
// followed it. The caller routes on the request (path, query) and hands
// both to Accept.
func ReadRequest(nc net.Conn, to Timeouts) (*handshake.Request, *bufio.Reader, error) {
	nc.SetReadDeadline(time.Now().Add(to.Handshake))
	defer nc.SetReadDeadline(time.Time{})
	br := bufio.NewReaderSize(nc, 64<<10)
	req, err := handshake.ReadRequest(br)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the opening handshake request: %w", err)
	}
	return req, br, nil
}

// Accept plays the server side of the opening handshake on nc, whose
// request req has been read (with ReadRequest, into br): it judges the
// request (§4.2.1), answers 101 (or the error status, which is then an
// error), and returns a Conn in the server role: what we send goes
// unmasked, every frame from the client must be masked (§5.1), and once
// both close frames are exchanged we close TCP first (§7.1.1). The
// connection's deadline follows ctx.
func Accept(ctx context.Context, nc net.Conn, br *bufio.Reader, req *handshake.Request, side ServerSide, to Timeouts, log *WireLog) (*Conn, *observed.Handshake, error) {
	hs := &observed.Handshake{Request: string(req.Bytes()), Sent: req}
	start := time.Now()
	log.Note("TCP accepted from " + nc.RemoteAddr().String())
	status, fields, vs := handshake.ValidateRequest(req)
	hs.Violations = vs
	var agreed *deflate.Params
	if status == 101 {
		if p, ok := chooseDeflate(req, side); ok {
			agreed = &p
			fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: p.String()})
		}
		if proto := chooseProtocol(req, side.Protocols); proto != "" {
			fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Protocol", Value: proto})
		}
	}
	resp := handshake.BuildServerResponse(status, fields)
	hs.Response, hs.Status = string(resp), status
	c := newConn(ctx, nc, to, log)
	c.server = true
	c.state.IsServer = true
	c.br = bufio.NewReaderSize(loggingReader{c}, 64<<10)
	if n := br.Buffered(); n > 0 {
		// Octets the client sent right behind its request are frames.
		pending, _ := br.Peek(n)
		log.Octets(observed.Received, pending)
		c.br = bufio.NewReaderSize(&readerWithPrefix{append([]byte(nil), pending...), loggingReader{c}}, 64<<10)
	}
	nc.SetWriteDeadline(start.Add(to.Handshake))
	err := c.WriteRaw(resp, 0)
	nc.SetWriteDeadline(time.Time{})
	hs.Duration = time.Since(start)
	if err == nil && status != 101 {
		err = fmt.Errorf("opening handshake refused with %d: %v", status, vs[0])
	}
	ext := frame.Extensions{}
	if err == nil && agreed != nil {
		var codec *deflate.Codec
		if codec, err = deflate.NewCodec(*agreed, deflate.ServerRole, deflateLevel, MaxMessage); err == nil {
			c.deflate = &deflateState{params: *agreed, codec: codec}
			ext = frame.PerMessageDeflate
			log.Note("permessage-deflate accepted: " + agreed.String())
		}
	}
	if err != nil {
		c.Abort()
		<-c.finishNoReader()
		return nil, hs, err
	}
	c.Log.Note(fmt.Sprintf("opening handshake answered in %v", hs.Duration.Round(time.Microsecond)))
	c.Start(ext)
	return c, hs, nil
}

// IsServer reports whether we play the server on this connection.
func (c *Conn) IsServer() bool { return c.server }

func chooseDeflate(req *handshake.Request, side ServerSide) (deflate.Params, bool) {
	values := req.Values("Sec-WebSocket-Extensions")
	if side.Deflate == nil || len(values) == 0 {
		return deflate.Params{}, false
	}
	exts, err := handshake.ParseExtensions(strings.Join(values, ", "))
	if err != nil {
		return deflate.Params{}, false
	}
	offers, _ := deflate.Offers(exts)
	if len(offers) == 0 {
		return deflate.Params{}, false
	}
	return side.Deflate(offers)
}

func chooseProtocol(req *handshake.Request, ours []string) string {
	var offered []string
	for _, v := range req.Values("Sec-WebSocket-Protocol") {
		offered = append(offered, handshake.Tokens(v)...)
	}
	for _, p := range ours {
		for _, o := range offered {
			if o == p {
				return p
			}
		}
	}
	return ""
}

// closeTCPAsServer ends our side of TCP once the closing handshake is
// complete: §7.1.1 has the server close the connection first. The reader
// goes on until the client closes its side (or the drop timer fires).
func (c *Conn) closeTCPAsServer() {
	c.mu.Lock()
	if c.closedLocked() || c.state.DroppedByMe {
		c.mu.Unlock()
		return
	}
	c.state.DroppedByMe = true
	c.mu.Unlock()
	c.Log.Note("closing handshake complete: closing TCP as the server (RFC 6455 §7.1.1)")
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if cw, ok := c.nc.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
		return
	}
	c.nc.Close()
}

// readerWithPrefix reads prefix first, then r.
type readerWithPrefix struct {
	prefix []byte
	r      interface{ Read([]byte) (int, error) }
}

func (p *readerWithPrefix) Read(b []byte) (int, error) {
	if len(p.prefix) > 0 {
		n := copy(b, p.prefix)
		p.prefix = p.prefix[n:]
		return n, nil
	}
	return p.r.Read(b)
}
