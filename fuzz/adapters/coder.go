package adapters

import (
	"context"
	"net/http"
	"unicode/utf8"

	"github.com/coder/websocket"
)

// Coder is an echo server on coder/websocket: Accept with compression
// (context takeover), Read/Write whole messages, UTF-8 checked by the
// handler.
func Coder() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{
			CompressionMode:    websocket.CompressionContextTakeover,
			InsecureSkipVerify: true,
		})
		if err != nil {
			return
		}
		defer c.CloseNow()
		c.SetReadLimit(maxMessage)
		ctx := context.Background()
		for {
			op, msg, err := c.Read(ctx)
			if err != nil {
				return
			}
			if op == websocket.MessageText && !utf8.Valid(msg) {
				c.Close(websocket.StatusInvalidFramePayloadData, "")
				return
			}
			if err := c.Write(ctx, op, msg); err != nil {
				return
			}
		}
	})
}
