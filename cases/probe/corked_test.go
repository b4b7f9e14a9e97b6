package probe_test

import (
	"context"
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/cases/probe"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/server"
)

// 7.1.5's three frames (first fragment, close, last fragment) go out in one
// TCP write, as Autobahn sends them; a peer that closes on reading the close
// then has nothing unread, which is what keeps its close clean. The wire log
// records each TCP write.
func TestCorkedStepsShareOneWrite(t *testing.T) {
	c, ok := cases.Lookup("7.1.5")
	if !ok {
		t.Fatal("7.1.5 missing")
	}
	want := 0
	for _, s := range c.Steps {
		switch {
		case s.Frame != nil:
			want += len(s.Frame.Masked([4]byte{}).Bytes())
		case s.Close != nil:
			want += len(frame.New(frame.OpClose, s.Close).Masked([4]byte{}).Bytes())
		}
	}
	r := probe.Run(context.Background(), c, probe.Env{Target: target(t, startReference(t, server.Config{})), Timeouts: probe.DefaultTimeouts(), Scale: 1})
	var writes []int
	for _, e := range r.WireLog {
		if e.Dir == observed.Sent && e.Octets > 0 {
			writes = append(writes, e.Octets)
		}
	}
	// The opening handshake is the first write; the script must be the second.
	if len(writes) < 2 || writes[1] != want {
		t.Errorf("TCP writes %v: want the script's %d octets in the second write", writes, want)
	}
}

func target(t *testing.T, url string) probe.Target {
	t.Helper()
	tg, err := probe.ParseTarget(url)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}
