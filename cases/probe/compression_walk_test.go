package probe

import (
	"testing"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/reference/deflate"
)

// Each distinct message of a plan's walk is compressed once when our side
// compresses every message on its own: a repeat is the kept octets
// themselves. With context takeover nothing is kept, every message is
// compressed anew, and the statistics count every message either way.
func TestCompressedWalkCompressesOnce(t *testing.T) {
	base, ok := cases.Lookup("12.1.6") // 8 KiB messages of the JSON document
	if !ok {
		t.Fatal("no case 12.1.6")
	}
	p := *base.Compression
	walk := len(p.Walk())
	p.Count = 2*walk + 1
	for _, noContext := range []bool{true, false} {
		codec, err := deflate.NewCodec(deflate.Params{ClientNoContextTakeover: noContext}, deflate.ClientRole, deflateLevel, MaxMessage)
		if err != nil {
			t.Fatal(err)
		}
		conn := &Conn{deflate: &deflateState{codec: codec}}
		w := newCompressedWalk(conn, &p)
		first := make([]*byte, walk)
		octets := 0
		for i := range p.Count {
			msg, z, err := w.message(i)
			if err != nil {
				t.Fatal(err)
			}
			octets += len(msg)
			if i < walk {
				first[i] = &z[0]
			} else if noContext && &z[0] != first[i%walk] {
				t.Errorf("message %d compressed again", i+1)
			}
		}
		if noContext != (w.kept != nil) {
			t.Errorf("no context takeover %t: kept %d compressed messages", noContext, len(w.kept))
		}
		if st := conn.DeflateStats(); st.SentMessage != int64(octets) {
			t.Errorf("no context takeover %t: %d message octets counted, want %d", noContext, st.SentMessage, octets)
		}
	}
}
