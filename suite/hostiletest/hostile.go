// Package hostiletest starts WebSocket servers that attack the client
// instead of echoing: floods of pings or of big messages, a frame that
// never ends, random octets, thousands of close frames, a decompression
// bomb. Tests point the suite at them to show that its memory, its run
// time and its reports stay bounded whatever a target does.
package hostiletest

import (
	"bufio"
	"bytes"
	"compress/flate"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/handshake"
)

// Behavior is what a hostile server does once the opening handshake is
// done: it writes to w until a write fails (the client went away).
// deflated says whether permessage-deflate was agreed.
type Behavior struct {
	Name string
	// Deflate makes the server accept a permessage-deflate offer.
	Deflate bool
	Attack  func(w io.Writer, deflated bool)
}

// Behaviors is every attack, by name.
var Behaviors = []Behavior{
	{Name: "ping-flood", Attack: pingFlood},
	{Name: "1MiB-message-flood", Attack: messageFlood},
	{Name: "endless-frame", Attack: endlessFrame},
	{Name: "garbage", Attack: garbage},
	{Name: "5000-close-frames", Attack: closeFrames},
	{Name: "decompression-bomb", Deflate: true, Attack: bomb},
}

// writeForever writes b again and again until a write fails.
func writeForever(w io.Writer, b []byte) {
	for {
		if _, err := w.Write(b); err != nil {
			return
		}
	}
}

func pingFlood(w io.Writer, _ bool) {
	ping := frame.New(frame.OpPing, bytes.Repeat([]byte("p"), 125)).Bytes()
	writeForever(w, bytes.Repeat(ping, 512))
}

func messageFlood(w io.Writer, _ bool) {
	writeForever(w, frame.New(frame.OpBinary, bytes.Repeat([]byte{0xfe}, 1<<20)).Bytes())
}

// endlessFrame announces a binary frame of 2^63-1 octets, the largest
// length §5.2 allows, and sends zeros for as long as the client reads.
func endlessFrame(w io.Writer, _ bool) {
	h := frame.Header{Fin: true, Opcode: frame.OpBinary, Length: math.MaxInt64}
	if _, err := w.Write(frame.AppendHeader(nil, h)); err != nil {
		return
	}
	writeForever(w, make([]byte, 64<<10))
}

func garbage(w io.Writer, _ bool) {
	b := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(rng.Uint32())
	}
	writeForever(w, b)
}

func closeFrames(w io.Writer, _ bool) {
	c := frame.New(frame.OpClose, frame.ClosePayload(frame.CloseNormal, "bye")).Bytes()
	w.Write(bytes.Repeat(c, 5000))
}

// bombPayload is one permessage-deflate message (RFC 7692 §7.2.1: the sync
// flush's last 4 octets removed) that inflates to 256 MiB of zeros, four
// times the probe's message limit, from about 320 KiB; built once.
var bombPayload = sync.OnceValue(func() []byte {
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestSpeed)
	zeros := make([]byte, 1<<20)
	for range 256 {
		fw.Write(zeros)
	}
	fw.Flush()
	return bytes.TrimSuffix(buf.Bytes(), []byte{0, 0, 0xff, 0xff})
})

// bomb sends decompression bombs, compressed (RSV1) when the client
// agreed to permessage-deflate; without it RSV1 is a protocol error the
// client must catch as well.
func bomb(w io.Writer, _ bool) {
	f := frame.New(frame.OpBinary, bombPayload())
	f.Rsv = frame.RSV1
	writeForever(w, f.Bytes())
}

// Start runs b on a loopback listener until the test ends and returns
// its ws:// URL. Every connection is answered (accepting
// permessage-deflate if b.Deflate and the client offered it), then
// attacked; what the client sends is read and thrown away.
func Start(t interface {
	Fatal(...any)
	Cleanup(func())
}, b Behavior) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	open := map[net.Conn]bool{}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			open[c] = true
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serve(c, b)
				mu.Lock()
				delete(open, c)
				mu.Unlock()
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for c := range open {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "ws://" + ln.Addr().String() + "/"
}

// connTimeout ends an attack the client does not end itself.
const connTimeout = 5 * time.Minute

func serve(c net.Conn, b Behavior) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(connTimeout))
	br := bufio.NewReader(c)
	req, err := handshake.ReadRequest(br)
	if err != nil {
		return
	}
	status, fields, _ := handshake.ValidateRequest(req)
	deflated := false
	if status == 101 && b.Deflate && offersDeflate(req) {
		fields = append(fields, handshake.Field{Name: "Sec-WebSocket-Extensions", Value: deflate.ExtensionName})
		deflated = true
	}
	if _, err := c.Write(handshake.BuildServerResponse(status, fields)); err != nil || status != 101 {
		return
	}
	clientGone := make(chan struct{})
	go func() { io.Copy(io.Discard, br); close(clientGone) }()
	b.Attack(c, deflated)
	// An attack that ends (the close frames) leaves the connection open
	// until the client drops it.
	<-clientGone
}

// offersDeflate reports whether the request offers plain permessage-deflate
// as its first extension (an offer a bare "permessage-deflate" answers).
func offersDeflate(req *handshake.Request) bool {
	exts, err := handshake.ParseExtensions(strings.Join(req.Values("Sec-WebSocket-Extensions"), ", "))
	if err != nil || len(exts) == 0 || !strings.EqualFold(exts[0].Name, deflate.ExtensionName) {
		return false
	}
	p, err := deflate.ParseParams(exts[0])
	return err == nil && p.ServerMaxWindowBits == 0 && !p.ServerNoContextTakeover
}

// FileSize is one report file's size, its path relative to the report folder.
type FileSize struct {
	Path string
	Size int64
}

// ReportSizes lists the files under dir with their sizes, and their total:
// the hostile tests check that every report stays under a cap.
func ReportSizes(dir string) (files []FileSize, total int64, err error) {
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, FileSize{Path: rel, Size: info.Size()})
		total += info.Size()
		return nil
	})
	return files, total, err
}
