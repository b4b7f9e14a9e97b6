package serverfuzz

import (
	"github.com/wsconform/wsconform/fuzz/serverfuzz/internal/planted"
	"github.com/wsconform/wsconform/reference/server"
)

// The built-in targets, one harness each for the process's life. The
// third-party adapters (gorilla/websocket, coder/websocket, gobwas/ws) live
// in the nested module fuzz/adapters, so that importing wsconform never
// pulls those libraries in.
var (
	// referenceTarget is the reference echo server, with a message limit
	// well under the memory cap (its default, 64 MiB, is for Autobahn 9.x).
	referenceTarget = ForConn(server.New(server.Config{MaxMessageSize: 1 << 20}).ServeConn)
	// plantedTarget is an echo server that panics on a 1-octet close body;
	// cleanTarget is the same server without the bug.
	plantedTarget = ForConn(planted.EchoServer(true))
	cleanTarget   = ForConn(planted.EchoServer(false))
)
