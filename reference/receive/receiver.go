package receive

import (
	"errors"
	"math"
	"strconv"

	"github.com/wsconform/wsconform/reference/deflate"
	"github.com/wsconform/wsconform/reference/frame"
	"github.com/wsconform/wsconform/reference/utf8stream"
)

// Unlimited is a MaxMessage that bounds nothing.
const Unlimited = math.MaxUint64

// Config says what one direction of a connection may carry.
type Config struct {
	// From is the endpoint that sent the frames: frame.FromClient when a
	// server receives (frames must be masked), frame.FromServer when a
	// client does (they must not be).
	From frame.Role
	// Extensions are the RSV bits the negotiated extensions define
	// (frame.PerMessageDeflate once permessage-deflate is agreed: RSV1 on
	// a message's first frame then means compressed).
	Extensions frame.Extensions
	// MaxMessage is the largest message, and control frame, accepted, in
	// payload octets as sent (Unlimited for none); a larger one is a 1009
	// violation. A compressed message's inflated size is bounded by its
	// Decompressor's limit.
	MaxMessage uint64
	// MaxFrame, when set, bounds each data frame's payload as sent (a 1009
	// violation too); MaxMessage still bounds the message.
	MaxFrame uint64
	// Waive, when set, lists the rules not enforced; it is asked only about
	// a rule actually broken. A frame that breaks only waived rules is received as if it did not, or skipped when it
	// has no meaning (a reserved opcode, a stray continuation). Test
	// doubles waive rules to play broken endpoints; the network fuzzer's
	// oracle waives what receivers commonly tolerate.
	Waive func(rule string) bool
	// TextAtEnd judges a text message's UTF-8 only once the message is
	// complete. §8.1 lets a receiver fail as soon as it finds a byte
	// stream is not UTF-8; it need not.
	TextAtEnd bool
}

func (c *Config) waived(rule string) bool { return c.Waive != nil && c.Waive(rule) }

// Kind is what a frame that Receiver.Frame judged is to the caller.
type Kind uint8

const (
	// Skip: the frame has no meaning (only a waiver let it through); its
	// payload is to be discarded.
	Skip Kind = iota + 1
	// Control: a ping, pong or close whose payload is to be read whole
	// (a close body then goes to Receiver.Close).
	Control
	// Data: a text, binary or continuation frame of the current message;
	// its payload (inflated first when Compressed) goes to Receiver.Data.
	Data
)

// Receiver judges one direction of a connection frame by frame. The zero
// value is not ready: use New.
type Receiver struct {
	cfg        Config
	seq        frame.Sequence
	text       bool // the current message is text and its UTF-8 is judged
	compressed bool
	fin        bool // the current data frame ends its message
	closed     bool // the sender's close frame has been received (Close)
	utf8       utf8stream.Validator
}

// New returns a Receiver expecting the start of a message.
func New(cfg Config) *Receiver { return &Receiver{cfg: cfg} }

// Frame judges header h and returns what the caller is to do with the
// frame, or the first rule it breaks (Kind still says what the frame is,
// so a close frame that breaks a header rule can be read as the peer's
// close). A frame that breaks a rule leaves the state unchanged.
func (r *Receiver) Frame(h frame.Header) (Kind, *frame.Violation) {
	kind := Data
	if h.Opcode.IsControl() {
		kind = Control
	}
	for _, v := range frame.Check(h, r.cfg.From, r.cfg.Extensions) {
		if !r.cfg.waived(v.Rule) {
			return kind, &v
		}
	}
	switch {
	case h.Opcode.IsReserved():
		return Skip, nil
	case kind == Control:
		return kind, r.tooBig(h.Length)
	case r.closed && !r.cfg.waived(frame.RuleDataAfterClose):
		return kind, frame.DataAfterClose(h.Opcode)
	}
	if v := r.seq.Check(h); v != nil {
		if !r.cfg.waived(v.Rule) {
			return kind, v
		}
		return Skip, nil
	}
	if v := r.tooBig(r.seq.MessageSize()); v != nil {
		return kind, v
	}
	if r.cfg.MaxFrame > 0 {
		if v := frame.CheckMessageSize(h.Length, r.cfg.MaxFrame); v != nil && !r.cfg.waived(v.Rule) {
			return kind, v
		}
	}
	if h.Opcode != frame.OpContinuation {
		r.text = h.Opcode == frame.OpText
		r.compressed = r.cfg.Extensions.RSV1 && h.Rsv&frame.RSV1 != 0
		r.utf8.Reset()
	}
	r.fin = h.Fin
	return Data, nil
}

func (r *Receiver) tooBig(size uint64) *frame.Violation {
	if v := frame.CheckMessageSize(size, r.cfg.MaxMessage); v != nil && !r.cfg.waived(v.Rule) {
		return v
	}
	return nil
}

// Opcode is the opcode (text or binary) of the current message.
func (r *Receiver) Opcode() frame.Opcode { return r.seq.MessageOpcode() }

// Compressed reports whether the current message is compressed (RFC 7692
// §6: RSV1 on its first frame): its data is to be inflated before Data.
func (r *Receiver) Compressed() bool { return r.compressed }

// Final reports whether the last data frame judged ends its message.
func (r *Receiver) Final() bool { return r.fin }

// Data takes the next octets of the current message (inflated, when
// compressed) and judges text as UTF-8 as it arrives: §8.1, an endpoint
// that finds a byte stream is not valid UTF-8 "MUST _Fail the WebSocket
// Connection_", so it may fail while the rest of a frame is in flight
// (Autobahn 6.4.x). With TextAtEnd the verdict waits for End.
func (r *Receiver) Data(p []byte) *frame.Violation {
	if !r.text {
		return nil
	}
	if bad := r.utf8.Write(p); bad >= 0 && !r.cfg.TextAtEnd {
		return r.textViolation(bad)
	}
	return nil
}

// End ends the current message: a text message must be UTF-8 as a whole
// and must not stop inside a code point.
func (r *Receiver) End() *frame.Violation {
	if !r.text {
		return nil
	}
	if bad := r.utf8.Finish(); bad >= 0 {
		return r.textViolation(bad)
	}
	return nil
}

// textViolation is the violation of text that is not UTF-8 from octet at
// on; when that rule is waived, the rest of the message goes unchecked.
func (r *Receiver) textViolation(at int64) *frame.Violation {
	if r.cfg.waived(frame.RuleTextInvalidUTF8) {
		r.text = false
		return nil
	}
	return frame.TextInvalidUTF8("text message is not valid UTF-8 at octet " + strconv.FormatInt(at, 10))
}

// Close parses and judges a close frame body (§5.5.1, §7.4). A body that
// breaks a waived rule comes back without a violation; then body.HasCode
// with !body.Code.ValidOnWire() is possible. From then on a data frame from
// the same sender breaks §5.5.1.
func (r *Receiver) Close(payload []byte) (frame.CloseBody, *frame.Violation) {
	r.closed = true
	body, v := frame.ParseClosePayload(payload)
	if v != nil && r.cfg.waived(v.Rule) {
		v = nil
	}
	return body, v
}

// InflateViolation is the rule a compressed message that cannot be
// inflated breaks (RFC 7692 §7.2.2): 1009 past the size limit, 1007 for
// data that is not DEFLATE.
func InflateViolation(err error) *frame.Violation {
	v := &frame.Violation{Rule: deflate.RuleInvalidData, Section: "RFC 7692 §7.2.2", Code: frame.CloseInvalidPayload, Detail: err.Error()}
	var e *deflate.Error
	if errors.As(err, &e) {
		v.Rule, v.Section, v.Detail = e.Rule, e.Section, e.Detail
		if e.Rule == deflate.RuleInflatedTooBig {
			v.Code = frame.CloseMessageTooBig
		}
	}
	return v
}
