// Package serverfuzz fuzzes a Go WebSocket server inside the fuzzing
// process, coverage-guided, with go-fuzz or native Go fuzzing over one body
// (Harness.Fuzz).
//
// Each input decodes (Decode) to one client session: an opening handshake,
// then frames built by reference/, valid by default and broken where the
// input says so. The session goes to the server over an in-memory
// connection; what comes back is judged by reference/. A finding is a
// panic, a hang, memory far beyond what was sent, or a broken protocol
// rule; it panics with the session, step by step, so both engines keep the
// input. The server plugs in as an http.Handler (ForHandler) or a
// func(net.Conn) (ForConn). README, "Fuzz your own server", has the
// ten-line file a library needs.
package serverfuzz
