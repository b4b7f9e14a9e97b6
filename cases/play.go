package cases

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Incoming is a client's connection whose opening handshake request has
// been read (probe.ReadRequest) but not answered.
type Incoming struct {
	Conn    net.Conn
	Reader  *bufio.Reader
	Request *handshake.Request
}

// Play runs case c (as c.ForClients() gives it) from the server side against
// the client on in: we answer its opening handshake, send the case's frames
// unmasked, and judge the client with the case's expectations. It returns
// once the connection is gone, and no later than the case's deadline.
func Play(ctx context.Context, c *Case, in Incoming, env Env) Result {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	ctx, cancel := context.WithTimeout(ctx, c.Deadline(env.Scale))
	defer cancel()
	start := time.Now()
	log := probe.NewWireLog(start)
	side := probe.ServerSide{}
	if c.Clients != nil && len(c.Clients.Deflate) > 0 {
		side.Deflate = func(offers []deflate.Params) (deflate.Params, bool) { return acceptDeflate(c.Clients.Deflate, offers) }
	}
	conn, hs, err := probe.Accept(ctx, in.Conn, in.Reader, in.Request, side, env.timeouts(), log)
	var r Result
	switch {
	case err != nil:
		r = baseResult(c)
		r.FailFastOffset = -1
		r.Handshake = hs
		openFailed(&r, err, hs, log)
	case c.Compression != nil:
		r = driveCompression(ctx, c, env, conn, hs, log)
	default:
		r = driveScript(ctx, c, env, conn, hs, log, start)
	}
	fill(&r, c, start)
	return r
}

// acceptDeflate answers the client's offers (in its order of preference)
// with the first of our ways to accept that one of them allows, as
// Autobahn's server does per case: what the client asked of us is granted
// (RFC 7692 §7.1.1.1, §7.1.2.1), and what we ask of the client must have
// been offered (§7.1.2.2 for client_max_window_bits; client_no_context_takeover
// only when offered, as Autobahn has it).
func acceptDeflate(ways []DeflateAccept, offers []deflate.Params) (deflate.Params, bool) {
	for _, w := range ways {
		for _, o := range offers {
			if w.ClientNoContextTakeover && !o.ClientNoContextTakeover {
				continue
			}
			if w.ClientMaxWindowBits != 0 && (o.ClientMaxWindowBits == 0 ||
				o.ClientMaxWindowBits != deflate.ClientMaxWindowBitsNoValue && o.ClientMaxWindowBits < w.ClientMaxWindowBits) {
				continue
			}
			p := deflate.Params{
				ServerNoContextTakeover: o.ServerNoContextTakeover,
				ServerMaxWindowBits:     o.ServerMaxWindowBits,
				ClientNoContextTakeover: w.ClientNoContextTakeover,
				ClientMaxWindowBits:     w.ClientMaxWindowBits,
			}
			return p, true
		}
	}
	return deflate.Params{}, false
}
