package cases

import (
	"time"

	"github.com/wsconform/wsconform/reference/frame"
)

func init() { sections = append(sections, fragmentationCases) }

// fragmentationCases is section 5 (§5.4): control frames are never
// fragmented, a message's fragments are a first frame and continuations,
// and control frames may be injected between fragments.
func fragmentationCases() []*Case {
	frag := func(op frame.Opcode, s string, fin bool) *frame.Frame { return dataFrame(op, []byte(s), fin, 0) }
	cont := func(s string, fin bool) *frame.Frame { return frag(frame.OpContinuation, s, fin) }
	// eachFrame marks Autobahn's "sync" variants (each frame its own
	// write); otherwise unchopped frames go out in one write, as there.
	const eachFrame = ", each frame in its own TCP write"
	const oneWrite = ", all frames in one TCP write"
	script := func(how string, chop int, frames ...*frame.Frame) []Step {
		steps := make([]Step, len(frames))
		for i, f := range frames {
			steps[i] = chopped(f, chop)
		}
		if chop == 0 && how != eachFrame && len(steps) > 1 {
			steps = together(steps...)
		}
		return steps
	}
	failCase := func(id, title, desc string, frames []*frame.Frame, chop int, how string) *Case {
		steps := script(how, chop, frames...)
		return &Case{
			ID: id, Title: title + chopNote(chop), Description: desc + " Nothing may come back: the target must fail the connection (1002 or a TCP drop).",
			Clauses: []string{rfcFragments, rfcFailing},
			Steps:   steps,
			Timer:   killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: []string{"fragmentation", "autobahn"},
		}
	}
	fragmentedControl := func(id string, op frame.Opcode) *Case {
		return failCase(id, "Fragmented "+op.String(),
			"Sends a "+op.String()+" without FIN followed by a continuation. §5.5: all control frames MUST NOT be fragmented.",
			[]*frame.Frame{frag(op, "fragment1", false), cont("fragment2", true)}, 0, "")
	}
	twoFragments := func(id, how string, chop int) *Case {
		return &Case{
			ID: id, Title: "Text message in two fragments" + how,
			Description: "Sends 'fragment1' as a text frame without FIN and 'fragment2' as the final continuation" + how + ". §5.4: the fragments form one message, which must be echoed as 'fragment1fragment2'.",
			Clauses:     []string{rfcFragments, rfcData},
			Steps:       script(how, chop, frag(frame.OpText, "fragment1", false), cont("fragment2", true)),
			Timer:       closeAfter(time.Second), Expect: only(textEcho("fragment1fragment2")), Close: normalClose,
			Labels: []string{"fragmentation", "autobahn"},
		}
	}
	pingBetween := func(id, how string, chop int) *Case {
		return &Case{
			ID: id, Title: "Ping between the two fragments of a text message" + how,
			Description: "Sends a text fragment, a ping, then the final continuation" + how + ". §5.4: control frames MAY be injected in the middle of a fragmented message, and §5.5.2 wants the pong 'as soon as is practical', so the pong comes before the echo of 'fragment1fragment2'.",
			Clauses:     []string{rfcFragments, rfcPing},
			Steps:       script(how, chop, frag(frame.OpText, "fragment1", false), pingFrame([]byte("ping payload")), cont("fragment2", true)),
			Timer:       closeAfter(time.Second),
			Expect:      only(pong([]byte("ping payload")), textEcho("fragment1fragment2")),
			Close:       normalClose,
			Labels:      []string{"fragmentation", "autobahn"},
		}
	}
	strayContinuation := func(id string, fin bool, chop int, how string) *Case {
		finNote := "with FIN"
		if !fin {
			finNote = "without FIN"
		}
		if chop > 0 {
			how = ""
		}
		return failCase(id, "Continuation "+finNote+" with no message to continue, then a text message"+how,
			"Sends a continuation frame "+finNote+" while no message is open, then a valid text message. §5.4: a fragmented message starts with a non-continuation frame; a continuation with nothing to continue is a protocol error.",
			[]*frame.Frame{cont("non-continuation payload", fin), textFrame("Hello, world!")}, chop, how)
	}
	twiceStray := func(id string, fin bool) *Case {
		var frames []*frame.Frame
		for range 2 {
			frames = append(frames, cont("fragment1", fin), frag(frame.OpText, "fragment2", false), cont("fragment3", true))
		}
		c := failCase(id, "Stray continuation, then a two-fragment text, twice",
			"Twice sends a continuation with no message open (FIN="+boolBit(fin)+"), then a valid two-fragment text message. §5.4: the stray continuation is a protocol error, so nothing may be echoed.",
			frames, 0, "")
		return c
	}
	interleaved := func(id, how string) *Case {
		steps := script(how, 0, frag(frame.OpText, "fragment1", false), cont("fragment2", false), pingFrame([]byte("pongme 1!")))
		steps = append(steps, wait(time.Second, ""))
		steps = append(steps, script(how, 0, cont("fragment3", false), cont("fragment4", false), pingFrame([]byte("pongme 2!")), cont("fragment5", true))...)
		return &Case{
			ID: id, Title: "Five-fragment text with two pings and a 1 s pause inside" + how,
			Description: "Sends a text message in five fragments with a ping after the second and fourth, and a 1 s pause after the first ping" + how + ". §5.4 allows control frames between fragments and §5.5.2 wants each pong 'as soon as is practical': both pongs must come before the echo of the whole message.",
			Clauses:     []string{rfcFragments, rfcPing},
			Steps:       steps,
			Timer:       closeAfter(time.Second),
			Expect:      only(pong([]byte("pongme 1!")), pong([]byte("pongme 2!")), textEcho("fragment1fragment2fragment3fragment4fragment5")),
			Close:       normalClose,
			Labels:      []string{"fragmentation", "autobahn"},
		}
	}
	return []*Case{
		fragmentedControl("5.1", frame.OpPing),
		fragmentedControl("5.2", frame.OpPong),
		twoFragments("5.3", oneWrite, 0),
		twoFragments("5.4", eachFrame, 0),
		twoFragments("5.5", chopNote(1), 1),
		pingBetween("5.6", oneWrite, 0),
		pingBetween("5.7", eachFrame, 0),
		pingBetween("5.8", chopNote(1), 1),
		strayContinuation("5.9", true, 0, oneWrite),
		strayContinuation("5.10", true, 0, eachFrame),
		strayContinuation("5.11", true, 1, ""),
		strayContinuation("5.12", false, 0, oneWrite),
		strayContinuation("5.13", false, 0, eachFrame),
		strayContinuation("5.14", false, 1, ""),
		{
			ID: "5.15", Title: "Complete two-fragment text, then a stray continuation, then text",
			Description: "Sends a complete two-fragment text message, then a continuation without FIN that has nothing to continue, then a text frame. The first message must be echoed as 'fragment1fragment2'; the stray continuation must fail the connection (§5.4). Failing before the echo went out is tolerated (NON-STRICT).",
			Clauses:     []string{rfcFragments, rfcFailing},
			Steps:       script("", 0, frag(frame.OpText, "fragment1", false), cont("fragment2", true), cont("fragment3", false), frag(frame.OpText, "fragment4", true)),
			Timer:       killAfter(time.Second),
			Expect:      []Outcome{{OK, events(textEcho("fragment1fragment2"))}, {NonStrict, events()}},
			Close:       failedWith(1002),
			Labels:      []string{"fragmentation", "autobahn"},
		},
		twiceStray("5.16", false),
		twiceStray("5.17", true),
		failCase("5.18", "Two text frames where the second should be a continuation",
			"Sends a text frame without FIN, then another text frame (FIN) instead of a continuation. §5.4: a new data frame while a message is open is a protocol error.",
			[]*frame.Frame{frag(frame.OpText, "fragment1", false), frag(frame.OpText, "fragment2", true)}, 0, ""),
		interleaved("5.19", ", the frames before and after the pause each in one TCP write"),
		interleaved("5.20", eachFrame),
	}
}

func boolBit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
