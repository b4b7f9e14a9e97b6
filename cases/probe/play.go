package probe

import (
	"bufio"
	"context"
	"net"
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Incoming is a client's connection whose opening handshake request has
// been read (ReadRequest) but not answered.
type Incoming struct {
	Conn    net.Conn
	Reader  *bufio.Reader
	Request *handshake.Request
}

// Play runs case c (as c.ForClients() gives it) from the server side against
// the client on in: we answer its opening handshake, send the case's frames
// unmasked, and the case's pure judges decide the client's verdicts. It
// returns once the connection is gone, and no later than the case's
// deadline (or ctx).
func Play(ctx context.Context, c *cases.Case, in Incoming, env Env) cases.Result {
	if env.Scale <= 0 {
		env.Scale = 1
	}
	ctx, cancel := context.WithTimeout(ctx, c.Deadline(env.Scale))
	defer cancel()
	start := time.Now()
	log := NewWireLog(start)
	side := ServerSide{}
	if c.Clients != nil && len(c.Clients.Deflate) > 0 {
		side.Deflate = func(offers []deflate.Params) (deflate.Params, bool) { return AcceptDeflate(c.Clients.Deflate, offers) }
	}
	conn, hs, err := Accept(ctx, in.Conn, in.Reader, in.Request, side, env.timeouts(), log)
	var r cases.Result
	switch {
	case err != nil:
		r = cases.NewResult(c)
		r.FailFastOffset = -1
		r.Handshake = hs
		cases.JudgeNoConnection(&r, err, hs)
		r.WireLog = log.Entries()
	case c.Compression != nil:
		r = driveCompression(ctx, c, env, conn, hs, log)
	default:
		r = driveScript(ctx, c, env, conn, hs, log, start)
	}
	cases.Complete(&r, c, start)
	return r
}

// AcceptDeflate answers a client's offers (in its order of preference)
// with the first of our ways to accept that one of them allows, as
// Autobahn's server does per case: what the client asked of us is granted
// (RFC 7692 §7.1.1.1, §7.1.2.1), and what we ask of the client must have
// been offered (§7.1.2.2 for client_max_window_bits, at least as large as
// ours when it has a value; client_no_context_takeover only when offered,
// as Autobahn has it).
func AcceptDeflate(ways []cases.DeflateAccept, offers []deflate.Params) (deflate.Params, bool) {
	for _, w := range ways {
		for _, o := range offers {
			if w.ClientNoContextTakeover && !o.ClientNoContextTakeover {
				continue
			}
			if w.ClientMaxWindowBits != 0 && (o.ClientMaxWindowBits == 0 ||
				o.ClientMaxWindowBits != deflate.ClientMaxWindowBitsNoValue && o.ClientMaxWindowBits < w.ClientMaxWindowBits) {
				continue
			}
			return deflate.Params{
				ServerNoContextTakeover: o.ServerNoContextTakeover,
				ServerMaxWindowBits:     o.ServerMaxWindowBits,
				ClientNoContextTakeover: w.ClientNoContextTakeover,
				ClientMaxWindowBits:     w.ClientMaxWindowBits,
			}, true
		}
	}
	return deflate.Params{}, false
}
