// Package adapters plugs third-party Go WebSocket servers into the
// in-process fuzzing harness (fuzz/serverfuzz): gorilla/websocket,
// coder/websocket and gobwas/ws, each as the echo server its own Autobahn
// setup runs (text checked as UTF-8, pings answered, closes echoed), with a
// 1 MiB message limit so the memory watchdog's cap holds.
//
// It is a module of its own (fuzz/adapters/go.mod, replacing wsconform with
// ../..) so that importing wsconform never pulls these libraries in; go-fuzz
// needs its entry points in ordinary (non-test) files, which is why they
// are not test-only imports of the main module.
package adapters

// maxMessage is every adapter's message limit (as sent and inflated).
const maxMessage = 1 << 20
