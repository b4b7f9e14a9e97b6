package adapters

import (
	"io"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Gorilla is an echo server on gorilla/websocket, as its examples/autobahn
// server: NextReader, compression enabled, UTF-8 checked by the handler
// (gorilla leaves that to the application). SetReadLimit bounds the octets
// on the wire only, not what a compressed message inflates to (see
// GorillaReadLimitOnly), so the handler bounds the inflated message too.
func Gorilla() http.Handler { return gorilla(true) }

// GorillaReadLimitOnly is Gorilla relying on SetReadLimit alone: a
// decompression bomb inflates past it (a memory finding).
func GorillaReadLimitOnly() http.Handler { return gorilla(false) }

func gorilla(boundInflated bool) http.Handler {
	up := websocket.Upgrader{EnableCompression: true, CheckOrigin: func(*http.Request) bool { return true }}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetReadLimit(maxMessage)
		for {
			op, rd, err := c.NextReader()
			if err != nil {
				return
			}
			if boundInflated {
				rd = io.LimitReader(rd, maxMessage+1)
			}
			msg, err := io.ReadAll(rd)
			if err != nil {
				return
			}
			if len(msg) > maxMessage {
				c.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseMessageTooBig, ""), time.Now().Add(time.Second))
				return
			}
			if op == websocket.TextMessage && !utf8.Valid(msg) {
				c.WriteControl(websocket.CloseMessage,
					websocket.FormatCloseMessage(websocket.CloseInvalidFramePayloadData, ""), time.Now().Add(time.Second))
				return
			}
			if err := c.WriteMessage(op, msg); err != nil {
				return
			}
		}
	})
}
