package netfuzz

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/reference/server"
)

// The throughput pair: BenchmarkFuzz runs the fuzzer against the reference
// server with 1, 4 and 16 connections at once; BenchmarkEcho is the limit
// it is measured against, the same server's rate of plain sessions (dial,
// opening handshake, one echoed message, closing handshake) from a plain
// client (gorilla/websocket) with as many connections. Run both in one
// invocation and compare execs/s:
//
//	go test -run '^$' -bench 'Fuzz|Echo' -benchtime 2000x ./fuzz/netfuzz
var benchConns = []int{1, 4, 16}

func BenchmarkFuzz(b *testing.B) {
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	// all: the whole catalogue seeds the corpus (about 40 % of the sessions
	// then negotiate permessage-deflate, and a few carry bombs); plain:
	// sections 1-7 only, sessions without compression unless a mutation
	// adds it.
	for _, corpus := range []struct {
		name  string
		cases []string
	}{{"all", nil}, {"plain", []string{"1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*"}}} {
		for _, n := range benchConns {
			b.Run(fmt.Sprintf("corpus=%s/conns=%d", corpus.name, n), func(b *testing.B) {
				cpu := cpuTime()
				rep, err := Run(context.Background(), Config{Target: url, Seed: 1, Execs: b.N, Parallel: n, Cases: corpus.cases})
				if err != nil {
					b.Fatal(err)
				}
				if len(rep.Findings) > 0 {
					b.Fatalf("findings on the reference server: %s", symptoms(rep.Findings))
				}
				b.ReportMetric(float64(rep.Execs)/b.Elapsed().Seconds(), "execs/s")
				b.ReportMetric(float64(rep.Answers), "answers")
				b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(rep.Execs), "cpu-µs/op")
			})
		}
	}
}

func BenchmarkEcho(b *testing.B) {
	srv, url, err := server.Start("127.0.0.1:0", server.Config{})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for _, n := range benchConns {
		b.Run(fmt.Sprintf("conns=%d", n), func(b *testing.B) {
			cpu := cpuTime()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range n {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := echoSession(url); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "execs/s")
			b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime is the CPU this process has used (user and system), both ends
// of every connection together: on a machine shared with other work it
// varies far less than wall time does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// echoSession is one plain session: handshake, one echo, close.
func echoSession(url string) error {
	c, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if err := c.WriteMessage(websocket.TextMessage, []byte("Hello, world")); err != nil {
		return err
	}
	if _, _, err := c.ReadMessage(); err != nil {
		return err
	}
	if err := c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "")); err != nil {
		return err
	}
	for {
		if _, _, err := c.ReadMessage(); err != nil {
			if websocket.IsCloseError(err, websocket.CloseNormalClosure) {
				return nil
			}
			return err
		}
	}
}
