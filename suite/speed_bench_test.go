package suite_test

import (
	"bytes"
	"compress/flate"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/server"
)

// The main job's cost, against the embedded reference server in this
// process (so a -cpuprofile shows our side and the server's side apart).
// Besides ns/op each reports cpu-s/op (user+system CPU of the process,
// steadier than wall time on a shared machine), notok/op (cases whose
// verdict is not a pass: a fast run that judges wrongly is no speed-up),
// and the run's wall and CPU time as multiples of a named peer's work
// measured right after it in the same process (x-gorilla-wall,
// x-gorilla-cpu): gorilla/websocket clients echoing compressed messages
// through a gorilla/websocket server, code this project does not change,
// so the ratios compare runs made at different times and loads.
// Compare before/after with benchstat.

func selectCases(b *testing.B, patterns ...string) []*cases.Case {
	sel, err := cases.Select(patterns, nil)
	if err != nil {
		b.Fatal(err)
	}
	return sel
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func benchmarkRun(b *testing.B, sel []*cases.Case, peerMessages int) {
	url := startReference(b, server.Embedded()) // as wsconform run starts it
	peerURL := startGorillaEcho(b)
	var cpu, wall, peerCPU, peerWall time.Duration
	notOK := 0
	for b.Loop() {
		cpu0, wall0 := cpuTime(), time.Now()
		for _, r := range runEngine(b, url, sel, 16) {
			if !r.Passes(false) {
				notOK++
				b.Logf("%s: %s/%s: %s", r.ID, r.Behavior, r.BehaviorClose, r.Reason)
			}
		}
		cpu, wall = cpu+cpuTime()-cpu0, wall+time.Since(wall0)
		b.StopTimer()
		cpu0, wall0 = cpuTime(), time.Now()
		gorillaEchoes(b, peerURL, peerMessages)
		peerCPU, peerWall = peerCPU+cpuTime()-cpu0, peerWall+time.Since(wall0)
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(float64(notOK)/float64(b.N), "notok/op")
	b.ReportMetric(wall.Seconds()/peerWall.Seconds(), "x-gorilla-wall")
	b.ReportMetric(cpu.Seconds()/peerCPU.Seconds(), "x-gorilla-cpu")
}

// BenchmarkCompressionSections runs sections 12 and 13 (216 cases).
func BenchmarkCompressionSections(b *testing.B) {
	benchmarkRun(b, selectCases(b, "12.*", "13.*"), 2000)
}

// BenchmarkCompressionSample runs 36 of them, the 8 KiB, 8 KiB in
// 256-octet frames and 32 KiB messages of every subsection: short enough
// for -count 10 of interleaved before/after runs.
func BenchmarkCompressionSample(b *testing.B) {
	benchmarkRun(b, selectCases(b, "12.*.6", "12.*.8", "12.*.11", "13.*.6", "13.*.8", "13.*.11"), 500)
}

// BenchmarkWholeRun runs the whole catalogue, as `wsconform run` does.
func BenchmarkWholeRun(b *testing.B) { benchmarkRun(b, selectCases(b, "*"), 2000) }

// startGorillaEcho serves gorilla/websocket's echo with permessage-deflate
// (no context takeover, compress/flate at BestSpeed).
func startGorillaEcho(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	up := websocket.Upgrader{EnableCompression: true}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := up.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		defer c.Close()
		c.SetCompressionLevel(flate.BestSpeed)
		for {
			op, msg, err := c.ReadMessage()
			if err != nil || c.WriteMessage(op, msg) != nil {
				return
			}
		}
	})}
	go srv.Serve(l)
	b.Cleanup(func() { srv.Close() })
	return "ws://" + l.Addr().String() + "/"
}

// peerMessage is 16 KiB of text that compresses about as the JSON
// document of sections 12 and 13 does: random words and numbers.
func peerMessage() []byte {
	r := rand.New(rand.NewPCG(1, 2))
	words := strings.Fields("Habe nun ach Philosophie Juristerei und Medizin leider auch Theologie durchaus studiert mit heißem Bemühn")
	var msg []byte
	for len(msg) < 16<<10 {
		msg = fmt.Appendf(msg, `{"id": %d, "w": "%s %s", "n": %d}, `, r.IntN(1e6), words[r.IntN(len(words))], words[r.IntN(len(words))], r.Uint32())
	}
	return msg[:16<<10]
}

// gorillaEchoes has four gorilla clients each echo n compressed 16 KiB
// text messages, one at a time, through the server at url.
func gorillaEchoes(b *testing.B, url string, n int) {
	msg := peerMessage()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 10 * time.Second}
			c, _, err := d.Dial(url, nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			c.SetCompressionLevel(flate.BestSpeed)
			c.SetReadDeadline(time.Now().Add(5 * time.Minute))
			for i := range n {
				if err := c.WriteMessage(websocket.TextMessage, msg); err != nil {
					errs <- err
					return
				}
				_, echo, err := c.ReadMessage()
				if err == nil && !bytes.Equal(echo, msg) {
					err = fmt.Errorf("echo %d differs", i)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}
