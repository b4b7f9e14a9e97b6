// Package browser starts a Chromium-family browser headless and drives it
// over the DevTools protocol (CDP) on the pipe Chromium opens with
// --remote-debugging-pipe: no debugging port, no WebSocket between us and
// the browser (so a fault in our own WebSocket code can never blind the
// driver), no third-party module. It also embeds the harness page the
// browser runs: the Autobahn-style loop over the clients control protocol
// and the WebSocket API checks of section 16.
package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Launch limits: every step has a deadline, every log a cap.
const (
	startTimeout = 30 * time.Second // until the browser answers its first command
	logCap       = 64 << 10         // octets of stderr and console kept
	killWait     = 5 * time.Second  // for the process group to go after SIGKILL
)

// Browser is one running browser process and its CDP pipe.
type Browser struct {
	cmd     *exec.Cmd
	profile string
	conn    *pipeConn
	log     *capped
	waited  chan struct{} // closed once cmd.Wait returned
	closeMu sync.Once
	// Product and Agent name the browser as it reports itself
	// ("HeadlessChrome/156.0.8078.108", and "Chromium 156.0.8078.108").
	Product, Agent string
}

// flags make Chromium headless, quiet and independent of the machine: a
// fresh profile, no sandbox (it cannot start as root with one), no network
// traffic of its own, no first-run UI.
var flags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
	"--remote-debugging-pipe", "--no-first-run", "--no-default-browser-check",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-extensions", "--disable-default-apps", "--disable-quic", "--mute-audio",
	"--disable-features=Translate,MediaRouter,OptimizationHints",
	"--disable-background-timer-throttling", "--disable-renderer-backgrounding",
	"--password-store=basic", "--use-mock-keychain", "--log-level=3",
}

// Launch starts the browser at path headless with a temporary profile and
// waits (at most startTimeout, or ctx) until it answers over CDP. The
// caller must Close it; Close always kills the whole process group.
func Launch(ctx context.Context, path string) (*Browser, error) {
	profile, err := os.MkdirTemp("", "wsconform-browser-")
	if err != nil {
		return nil, err
	}
	// fd 3: the browser reads commands; fd 4: it writes replies and events.
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		os.RemoveAll(profile)
		return nil, err
	}
	evR, evW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		os.RemoveAll(profile)
		return nil, err
	}
	b := &Browser{profile: profile, log: &capped{max: logCap}, waited: make(chan struct{})}
	b.cmd = exec.Command(path, append(append([]string{}, flags...), "--user-data-dir="+profile, "about:blank")...)
	b.cmd.Dir = profile
	b.cmd.Env = append(os.Environ(), "HOME="+profile)
	b.cmd.Stdout, b.cmd.Stderr = b.log, b.log
	b.cmd.ExtraFiles = []*os.File{cmdR, evW}
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	err = b.cmd.Start()
	cmdR.Close()
	evW.Close()
	if err != nil {
		cmdW.Close()
		evR.Close()
		os.RemoveAll(profile)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	go func() { b.cmd.Wait(); close(b.waited) }()
	b.conn = newPipeConn(cmdW, evR)

	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var version struct {
		Product string `json:"product"`
	}
	if err := b.conn.call(ctx, "", "Browser.getVersion", nil, &version); err != nil {
		b.Close()
		return nil, fmt.Errorf("%s did not answer over the DevTools pipe: %w%s", path, err, b.logTail())
	}
	b.Product, b.Agent = version.Product, agentName(version.Product)
	return b, nil
}

// agentName turns CDP's product ("HeadlessChrome/156.0.8078.108") into a
// report agent ("Chromium 156.0.8078.108").
func agentName(product string) string {
	name, ver, ok := strings.Cut(product, "/")
	if !ok {
		return product
	}
	switch name {
	case "HeadlessChrome", "Chrome":
		name = "Chromium"
	}
	return name + " " + ver
}

// Close kills the browser's process group, waits for it (bounded) and
// removes the temporary profile. Safe to call more than once.
func (b *Browser) Close() {
	b.closeMu.Do(func() {
		// Ask politely first: Chromium flushes nothing we need, so a short grace.
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		b.conn.call(ctx, "", "Browser.close", nil, nil)
		cancel()
		select {
		case <-b.waited:
		case <-time.After(time.Second):
		}
		// The group, not just the process: Chromium forks zygote, GPU
		// and renderer processes, and the Debian launcher is a shell.
		pgid := b.cmd.Process.Pid
		syscall.Kill(-pgid, syscall.SIGKILL)
		for deadline := time.Now().Add(killWait); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if syscall.Kill(-pgid, 0) == syscall.ESRCH {
				break
			}
		}
		select {
		case <-b.waited:
		case <-time.After(killWait):
		}
		b.conn.close()
		os.RemoveAll(b.profile)
	})
}

// Log is what the browser wrote to stdout/stderr and the page's console
// and exceptions, capped at logCap octets.
func (b *Browser) Log() string { return b.log.String() }

func (b *Browser) logTail() string {
	s := b.log.String()
	if s == "" {
		return ""
	}
	return "\n" + s
}

// capped keeps the first max octets written to it, and counts the rest.
type capped struct {
	mu      sync.Mutex
	max     int
	buf     bytes.Buffer
	dropped int
}

func (c *capped) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	room := c.max - c.buf.Len()
	if room < len(p) {
		if room > 0 {
			c.buf.Write(p[:room])
		}
		c.dropped += len(p) - max(room, 0)
		return len(p), nil
	}
	c.buf.Write(p)
	return len(p), nil
}

func (c *capped) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropped > 0 {
		return fmt.Sprintf("%s\n[%d more octets not kept]", c.buf.String(), c.dropped)
	}
	return c.buf.String()
}

// errClosed is returned by calls after the pipe closed (the browser exited).
var errClosed = errors.New("the browser closed the DevTools pipe")
