package suite_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

// Each broken server below carries one bug; the cases of sections 1-3 that
// exist to catch that bug must fail, and every other case must stay OK.
// The expected set is computed from the catalogue's own data (what a case
// sends, what it expects back), never typed in by hand.
func TestSections123CatchEachBug(t *testing.T) {
	sel := sections123(t)
	tests := []struct {
		name  string
		url   func(t *testing.T) string
		catch func(c *cases.Case) bool
	}{
		{
			name: "accepts RSV bits",
			url: func(t *testing.T) string {
				return startReference(t, server.Config{Faults: server.Faults{AcceptRSV: true}})
			},
			// A close frame with RSV bits (3.7) that the server obeys still
			// ends in a close without a code, which §7.4 lets a peer send:
			// that case cannot tell this bug apart, in Autobahn either.
			catch: sendsFrame(func(f *frame.Frame) bool { return f.Rsv != 0 && f.Opcode != frame.OpClose }),
		},
		{
			name: "never answers ping",
			url: func(t *testing.T) string {
				return startReference(t, server.Config{Faults: server.Faults{IgnorePing: true}})
			},
			catch: expectsEvent(func(e observed.Event) bool { return e.Kind == observed.Pong }),
		},
		{
			name: "pongs with a different payload",
			url: func(t *testing.T) string {
				return startBrokenEcho(t, func(op frame.Opcode, p []byte) (frame.Opcode, []byte, bool) {
					if op == frame.OpPong {
						return op, append([]byte("x"), p...), true
					}
					return op, p, true
				})
			},
			catch: expectsEvent(func(e observed.Event) bool { return e.Kind == observed.Pong }),
		},
		{
			name: "does not echo binary",
			url: func(t *testing.T) string {
				return startBrokenEcho(t, func(op frame.Opcode, p []byte) (frame.Opcode, []byte, bool) {
					return op, p, op != frame.OpBinary
				})
			},
			catch: expectsEvent(func(e observed.Event) bool { return e.Kind == observed.Message && e.Binary }),
		},
		{
			name: "echoes text as binary",
			url: func(t *testing.T) string {
				return startBrokenEcho(t, func(op frame.Opcode, p []byte) (frame.Opcode, []byte, bool) {
					if op == frame.OpText {
						op = frame.OpBinary
					}
					return op, p, true
				})
			},
			catch: expectsEvent(func(e observed.Event) bool { return e.Kind == observed.Message && !e.Binary }),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			url := tc.url(t)
			var want, got []string
			for _, c := range sel {
				if tc.catch(c) {
					want = append(want, c.ID)
				}
			}
			for _, r := range runEngine(t, url, sel, 16) {
				if !r.Passes(false) {
					got = append(got, r.ID)
				}
			}
			sort.Slice(got, func(i, j int) bool { return cases.LessID(got[i], got[j]) })
			if len(want) == 0 {
				t.Fatal("no case is meant to catch this bug: the test is vacuous")
			}
			if !slices.Equal(got, want) {
				t.Errorf("failing cases\n got %v\nwant %v", got, want)
			}
		})
	}
}

func sendsFrame(pred func(*frame.Frame) bool) func(*cases.Case) bool {
	return func(c *cases.Case) bool {
		for _, s := range c.Steps {
			if s.Frame != nil && pred(s.Frame) {
				return true
			}
		}
		return false
	}
}

// expectsEvent: the case's OK outcome contains such an event.
func expectsEvent(pred func(observed.Event) bool) func(*cases.Case) bool {
	return func(c *cases.Case) bool {
		for _, o := range c.Expect {
			if o.Verdict != cases.OK {
				continue
			}
			for _, e := range o.Events {
				if pred(e) {
					return true
				}
			}
		}
		return false
	}
}
