package adapters

import (
	"compress/flate"
	"errors"
	"io"
	"net"
	"unicode/utf8"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsflate"
	"github.com/gobwas/ws/wsutil"
)

// Gobwas is an echo server on gobwas/ws, upgrading the raw connection itself
// (ws.Upgrader, the zero-copy path) with permessage-deflate (wsflate), as
// its example/autobahn server's wsutil and wsflate handlers do.
func Gobwas() func(net.Conn) {
	return func(conn net.Conn) {
		defer conn.Close()
		e := wsflate.Extension{Parameters: wsflate.DefaultParameters}
		if _, err := (ws.Upgrader{Negotiate: e.Negotiate}).Upgrade(conn); err != nil {
			return
		}
		_, deflated := e.Accepted()
		state := ws.StateServerSide
		if deflated {
			state |= ws.StateExtended
		}
		var msgState wsflate.MessageState
		control := wsutil.ControlFrameHandler(conn, ws.StateServerSide)
		rd := &wsutil.Reader{Source: conn, State: state, CheckUTF8: !deflated, OnIntermediate: control}
		wr := wsutil.NewWriter(conn, state, 0)
		if deflated {
			rd.Extensions = []wsutil.RecvExtension{&msgState}
			wr.SetExtensions(&msgState)
		}
		fr := wsflate.NewReader(nil, func(r io.Reader) wsflate.Decompressor { return flate.NewReader(r) })
		for {
			h, err := rd.NextFrame()
			if err != nil {
				failGobwas(conn, err)
				return
			}
			if h.OpCode.IsControl() {
				if err := control(h, rd); err != nil {
					return
				}
				continue
			}
			var src io.Reader = rd
			if msgState.IsCompressed() {
				fr.Reset(rd)
				src = fr
			}
			msg, err := io.ReadAll(io.LimitReader(src, maxMessage+1))
			switch {
			case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
				failGobwas(conn, err)
				return
			case len(msg) > maxMessage:
				conn.Write(ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusMessageTooBig, ""))))
				return
			case h.OpCode == ws.OpText && !utf8.Valid(msg):
				conn.Write(ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusInvalidFramePayloadData, ""))))
				return
			}
			if err := echoGobwas(wr, h.OpCode, msg, msgState.IsCompressed()); err != nil {
				return
			}
		}
	}
}

func echoGobwas(wr *wsutil.Writer, op ws.OpCode, msg []byte, compressed bool) error {
	wr.ResetOp(op)
	var dst io.Writer = wr
	var fw *wsflate.Writer
	if compressed {
		fw = wsflate.NewWriter(wr, func(w io.Writer) wsflate.Compressor {
			f, _ := flate.NewWriter(w, flate.BestSpeed)
			return f
		})
		dst = fw
	}
	if _, err := dst.Write(msg); err != nil {
		return err
	}
	if fw != nil {
		if err := fw.Close(); err != nil {
			return err
		}
	}
	return wr.Flush()
}

// failGobwas answers a protocol error with a close frame, as the library's
// Autobahn server does.
func failGobwas(conn net.Conn, err error) {
	var pe ws.ProtocolError
	switch {
	case errors.As(err, &pe):
		conn.Write(ws.CompiledCloseProtocolError)
	case errors.Is(err, wsutil.ErrInvalidUTF8):
		conn.Write(ws.MustCompileFrame(ws.NewCloseFrame(ws.NewCloseFrameBody(ws.StatusInvalidFramePayloadData, ""))))
	}
}
