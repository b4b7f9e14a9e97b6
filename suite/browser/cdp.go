package browser

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// maxMessage caps one CDP message from the browser (the page's results
// come back in one).
const maxMessage = 32 << 20

// pipeConn speaks CDP over --remote-debugging-pipe: JSON messages, each
// ended by a NUL octet, commands on one pipe and replies and events on the
// other.
type pipeConn struct {
	w *os.File
	r *os.File

	writeMu sync.Mutex
	mu      sync.Mutex
	nextID  int64
	pending map[int64]chan reply
	onEvent func(event)
	err     error         // set once the read side ended
	done    chan struct{} // closed with err
}

type reply struct {
	Result json.RawMessage
	Err    *cdpError
}

type cdpError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    string `json:"data"`
}

func (e *cdpError) Error() string {
	if e.Data != "" {
		return fmt.Sprintf("%s (%d): %s", e.Message, e.Code, e.Data)
	}
	return fmt.Sprintf("%s (%d)", e.Message, e.Code)
}

type event struct {
	Method    string
	Params    json.RawMessage
	SessionID string
}

type message struct {
	ID        int64           `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *cdpError       `json:"error,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
}

func newPipeConn(w, r *os.File) *pipeConn {
	c := &pipeConn{w: w, r: r, pending: map[int64]chan reply{}, done: make(chan struct{})}
	go c.read()
	return c
}

// setEventHandler installs f for every event (called on the read
// goroutine; it must not block).
func (c *pipeConn) setEventHandler(f func(event)) {
	c.mu.Lock()
	c.onEvent = f
	c.mu.Unlock()
}

func (c *pipeConn) read() {
	br := bufio.NewReaderSize(c.r, 64<<10)
	var err error
	for {
		var raw []byte
		raw, err = readMessage(br)
		if err != nil {
			break
		}
		var m message
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		c.mu.Lock()
		if m.Method != "" {
			if f := c.onEvent; f != nil {
				f(event{Method: m.Method, Params: m.Params, SessionID: m.SessionID})
			}
		} else if ch, ok := c.pending[m.ID]; ok {
			delete(c.pending, m.ID)
			ch <- reply{Result: m.Result, Err: m.Error}
		}
		c.mu.Unlock()
	}
	if errors.Is(err, io.EOF) || errors.Is(err, os.ErrClosed) {
		err = errClosed
	}
	c.mu.Lock()
	c.err = err
	c.mu.Unlock()
	close(c.done)
}

// readMessage reads up to the next NUL, refusing messages over maxMessage.
func readMessage(br *bufio.Reader) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice(0)
		if len(out)+len(chunk) > maxMessage {
			return nil, fmt.Errorf("a DevTools message exceeds %d octets", maxMessage)
		}
		out = append(out, chunk...)
		switch {
		case err == nil:
			return out[:len(out)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return nil, err
		}
	}
}

// call sends method with params (to sessionID's target when set) and
// decodes the result into result (when not nil), within ctx.
func (c *pipeConn) call(ctx context.Context, sessionID, method string, params, result any) error {
	ch := make(chan reply, 1)
	c.mu.Lock()
	if c.err != nil {
		c.mu.Unlock()
		return c.err
	}
	c.nextID++
	id := c.nextID
	c.pending[id] = ch
	c.mu.Unlock()
	forget := func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}

	m := message{ID: id, Method: method, SessionID: sessionID}
	if params != nil {
		p, err := json.Marshal(params)
		if err != nil {
			forget()
			return err
		}
		m.Params = p
	}
	raw, _ := json.Marshal(m)
	if err := c.write(ctx, append(raw, 0)); err != nil {
		forget()
		return err
	}
	select {
	case r := <-ch:
		if r.Err != nil {
			return fmt.Errorf("%s: %w", method, r.Err)
		}
		if result != nil {
			return json.Unmarshal(r.Result, result)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: %w", method, c.err)
	case <-ctx.Done():
		forget()
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// write sends one message, giving up when ctx ends (a browser that stops
// reading its pipe must not hang us).
func (c *pipeConn) write(ctx context.Context, p []byte) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	if d, ok := ctx.Deadline(); ok {
		c.w.SetWriteDeadline(d)
	} else {
		c.w.SetWriteDeadline(timeZero)
	}
	_, err := c.w.Write(p)
	return err
}

func (c *pipeConn) close() {
	c.w.Close()
	c.r.Close()
	<-c.done
}

var timeZero time.Time
