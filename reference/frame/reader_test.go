package frame

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

// stream is a sequence of frames of every kind a peer may send, including
// broken ones the Reader must still decode.
func stream() ([]Frame, []byte) {
	key := [4]byte{0xDE, 0xAD, 0xBE, 0xEF}
	big := make([]byte, 10000)
	for i := range big {
		big[i] = byte(i * 7)
	}
	nonMinimal := New(OpBinary, []byte("abc"))
	nonMinimal.Encoding = Length64
	reserved := New(0xB, []byte("?"))
	reserved.Rsv = RSV2 | RSV3
	frames := []Frame{
		New(OpText, []byte("Hello")).Masked(key),
		New(OpPing, nil),
		New(OpBinary, big).Masked(key),
		New(OpBinary, big),
		nonMinimal.Masked(key),
		reserved,
		New(OpClose, ClosePayload(CloseNormal, "bye")).Masked(key),
	}
	var wire []byte
	for _, f := range frames {
		wire = f.Append(wire)
	}
	return frames, wire
}

func TestReaderSources(t *testing.T) {
	frames, wire := stream()
	sources := []struct {
		name string
		r    func() io.Reader
	}{
		{"whole", func() io.Reader { return bytes.NewReader(wire) }},
		{"one-octet", func() io.Reader { return iotest.OneByteReader(bytes.NewReader(wire)) }},
		{"half", func() io.Reader { return iotest.HalfReader(bytes.NewReader(wire)) }},
		{"data-err", func() io.Reader { return iotest.DataErrReader(bytes.NewReader(wire)) }},
	}
	for _, src := range sources {
		for _, bufSize := range []int{0, 64, DefaultReaderBufferSize} {
			for _, chunk := range []int{1, 3, 4096, 20000} {
				r := NewReaderSize(src.r(), bufSize)
				for i, want := range frames {
					h, err := r.Next()
					if err != nil {
						t.Fatalf("%s/buf%d/chunk%d frame %d: Next: %v", src.name, bufSize, chunk, i, err)
					}
					if h.Opcode != want.Opcode || h.Length != uint64(len(want.Payload)) || h.Masked != want.Header.Masked {
						t.Fatalf("%s frame %d: header %v, want %v", src.name, i, h, want.Header)
					}
					got, err := readAllChunks(r, chunk)
					if err != nil || !bytes.Equal(got, want.Payload) {
						t.Fatalf("%s/buf%d/chunk%d frame %d: payload %q (%v), want %q", src.name, bufSize, chunk, i, head(got), err, head(want.Payload))
					}
				}
				if _, err := r.Next(); err != io.EOF {
					t.Fatalf("%s: after the last frame err = %v, want io.EOF", src.name, err)
				}
			}
		}
	}
}

// readAllChunks reads the current frame with reads of at most chunk octets.
func readAllChunks(r *Reader, chunk int) ([]byte, error) {
	var out []byte
	p := make([]byte, chunk)
	for {
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestReaderSkipsUnreadPayload(t *testing.T) {
	frames, wire := stream()
	r := NewReader(iotest.OneByteReader(bytes.NewReader(wire)))
	for i, want := range frames {
		h, err := r.Next()
		if err != nil || h.Opcode != want.Opcode {
			t.Fatalf("frame %d: %v %v, want %v", i, h, err, want.Opcode)
		}
		if i%2 == 0 { // read a little of every other frame, none of the rest
			var p [2]byte
			_, _ = r.Read(p[:])
		}
	}
}

func TestReaderTruncated(t *testing.T) {
	_, wire := stream()
	// Every cut inside the stream must end in io.ErrUnexpectedEOF, never a
	// hang or a clean io.EOF; cuts between frames end in io.EOF.
	boundaries := map[int]bool{0: true}
	for off, frames := 0, wire; len(frames) > 0; {
		r := NewReader(bytes.NewReader(frames))
		h, _ := r.Next()
		n := h.Size() + int(h.Length)
		off += n
		frames = frames[n:]
		boundaries[off] = true
	}
	for cut := 0; cut <= len(wire); cut += 1 + cut/50 {
		r := NewReader(bytes.NewReader(wire[:cut]))
		var err error
		for err == nil {
			if _, err = r.Next(); err == nil {
				_, err = io.Copy(io.Discard, r)
			}
		}
		want := io.ErrUnexpectedEOF
		if boundaries[cut] {
			want = io.EOF
		}
		if !errors.Is(err, want) {
			t.Fatalf("cut at %d: err = %v, want %v", cut, err, want)
		}
	}
}

func TestReaderHugeDeclaredLength(t *testing.T) {
	// A header claiming 2^62 octets followed by only 3: the Reader reports
	// the truncation instead of buffering or allocating the declared size.
	wire := AppendHeader(nil, Header{Fin: true, Opcode: OpBinary, Length: 1 << 62})
	wire = append(wire, "abc"...)
	r := NewReader(bytes.NewReader(wire))
	if _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	if string(got) != "abc" || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("ReadAll = %q, %v; want \"abc\", ErrUnexpectedEOF", got, err)
	}

	r = NewReader(bytes.NewReader(wire))
	f, err := ReadFrame(r, 1<<20)
	var v *Violation
	if !errors.As(err, &v) || v.Code != CloseMessageTooBig || f.Length != 1<<62 || f.Payload != nil {
		t.Errorf("ReadFrame over limit: %v, %v; want a 1009 violation and header only", f.Header, err)
	}
}

func TestReaderSourceError(t *testing.T) {
	boom := errors.New("boom")
	r := NewReader(iotest.ErrReader(boom))
	if _, err := r.Next(); err != boom {
		t.Errorf("Next = %v, want source error", err)
	}
	if _, err := r.Next(); err != boom {
		t.Errorf("error must be sticky, got %v", err)
	}
	r = NewReader(emptyReader{})
	if _, err := r.Next(); err != io.ErrNoProgress {
		t.Errorf("endless (0, nil) reads: %v, want io.ErrNoProgress", err)
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderDoesNotAllocate(t *testing.T) {
	frames, wire := stream()
	src := bytes.NewReader(wire)
	r := NewReader(src)
	p := make([]byte, 512)
	allocs := testing.AllocsPerRun(20, func() {
		src.Reset(wire)
		r.Reset(src)
		for range frames {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
			for {
				if _, err := r.Read(p); err != nil {
					break
				}
			}
		}
	})
	if allocs != 0 {
		t.Errorf("reading %d frames allocates %v times", len(frames), allocs)
	}
}
