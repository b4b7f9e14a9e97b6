package observed

import (
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/reference/frame"
)

// FrameShape is one frame as it arrived, without its payload: what an
// intermediary may change (how a message is cut into frames) and what it
// may not (the order, the opcodes, the octets).
type FrameShape struct {
	Opcode frame.Opcode `json:"opcode"`
	Fin    bool         `json:"fin"`
	Rsv    uint8        `json:"rsv,omitempty"`
	Length uint64       `json:"length"`
}

func (s FrameShape) String() string {
	fin := ""
	if !s.Fin {
		fin = " (more)"
	}
	rsv := ""
	if s.Rsv != 0 {
		rsv = fmt.Sprintf(" rsv=%d", s.Rsv)
	}
	return fmt.Sprintf("%s %d%s%s", s.Opcode, s.Length, rsv, fin)
}

// ShapesString lists shapes for a verdict text: "text 10 (more), ping 4, continuation 5".
func ShapesString(shapes []FrameShape) string {
	parts := make([]string, len(shapes))
	for i, s := range shapes {
		parts[i] = s.String()
	}
	return strings.Join(parts, ", ")
}
