package cases

import (
	"fmt"
	"time"
)

func init() { sections = append(sections, pingCases) }

// pingCases is section 2: pings must be answered with a pong carrying the
// same payload (§5.5.2, §5.5.3); unsolicited pongs are ignored.
func pingCases() []*Case {
	answered := func(id, title string, payload []byte, chop int, timer time.Duration) *Case {
		return &Case{
			ID: id, Title: title,
			Description: fmt.Sprintf("Sends a ping with %d octets of payload%s. §5.5.2: on receipt of a ping an endpoint MUST send a pong in response, and §5.5.3: the pong MUST carry the ping's application data.", len(payload), chopNote(chop)),
			Clauses:     []string{rfcPing, rfcPong},
			Steps:       []Step{chopped(pingFrame(payload), chop)},
			Timer:       closeAfter(timer), Expect: only(pong(payload)), Close: normalClose,
			Labels: []string{"control", "autobahn"},
		}
	}
	tenPings := func(id, title string, chop int) *Case {
		var steps []Step
		var pongs = events()
		for i := range 10 {
			p := []byte(fmt.Sprintf("payload-%d", i))
			steps = append(steps, chopped(pingFrame(p), chop))
			pongs = append(pongs, pong(p))
		}
		return &Case{
			ID: id, Title: title,
			Description: "Sends ten pings back to back" + chopNote(chop) + " and expects ten pongs in order. Autobahn requires all ten; RFC 6455 §5.5.3 lets an endpoint that has not yet answered a ping answer only the most recent one, so a target that coalesces pongs is conformant by the letter of the RFC. wsconform keeps Autobahn's expectation for the same verdicts (OK = all ten) and accepts a single pong for the last ping as NON-STRICT.",
			Clauses:     []string{rfcPing, rfcPong},
			Steps:       steps,
			Timer:       closeAfter(3 * time.Second),
			Expect:      []Outcome{{OK, pongs}, {NonStrict, events(pong([]byte("payload-9")))}},
			Close:       normalClose,
			Labels:      []string{"control", "autobahn"},
		}
	}
	unsolicited := []byte("unsolicited pong payload")
	return []*Case{
		answered("2.1", "Ping without payload", []byte{}, 0, time.Second),
		answered("2.2", "Ping with a short text payload", []byte("Hello, world!"), 0, time.Second),
		answered("2.3", "Ping with a short non-UTF-8 binary payload", []byte{0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff}, 0, time.Second),
		answered("2.4", "Ping with the largest legal control payload", repeat("\xfe", 125), 0, time.Second),
		{
			ID: "2.5", Title: "Ping whose payload is one octet too long",
			Description: "Sends a ping with 126 octets of payload. §5.5: all control frames MUST have a payload length of 125 bytes or less; the target must fail the connection (1002 or a TCP drop) and must not answer with a pong.",
			Clauses:     []string{rfcControl, rfcFailing},
			Steps:       []Step{send(pingFrame(repeat("\xfe", 126)))},
			Timer:       killAfter(time.Second), Expect: nothingBack, Close: failedWith(1002),
			Labels: []string{"control", "autobahn"},
		},
		answered("2.6", "125-octet ping delivered one octet per TCP write", repeat("\xfe", 125), 1, 2*time.Second),
		{
			ID: "2.7", Title: "Unsolicited pong without payload",
			Description: "Sends a pong nobody asked for, then close 1000. §5.5.3: a pong may be sent unsolicited and no response is expected; the target must ignore it and answer the close cleanly.",
			Clauses:     []string{rfcPong, rfcClose},
			Steps:       []Step{send(pongFrame([]byte{})), sendClose(1000, "")},
			Timer:       closeAfter(time.Second), Expect: nothingBack, Close: normalClose,
			Labels: []string{"control", "autobahn"},
		},
		{
			ID: "2.8", Title: "Unsolicited pong with payload",
			Description: "Sends an unsolicited pong with a payload, then close 1000. §5.5.3: no response to an unsolicited pong; the target must answer the close cleanly.",
			Clauses:     []string{rfcPong, rfcClose},
			Steps:       []Step{send(pongFrame(unsolicited)), sendClose(1000, "")},
			Timer:       closeAfter(time.Second), Expect: nothingBack, Close: normalClose,
			Labels: []string{"control", "autobahn"},
		},
		{
			ID: "2.9", Title: "Unsolicited pong followed by a ping",
			Description: "Sends an unsolicited pong, then a ping. Exactly one pong must come back, carrying the ping's payload (§5.5.2, §5.5.3).",
			Clauses:     []string{rfcPing, rfcPong},
			Steps:       []Step{send(pongFrame(unsolicited)), send(pingFrame([]byte("ping payload")))},
			Timer:       closeAfter(time.Second), Expect: only(pong([]byte("ping payload"))), Close: normalClose,
			Labels: []string{"control", "autobahn"},
		},
		tenPings("2.10", "Ten pings in a row", 0),
		tenPings("2.11", "Ten pings in a row, sent one octet per TCP write", 1),
	}
}

func chopNote(chop int) string {
	switch {
	case chop == 1:
		return ", written one octet per TCP write"
	case chop > 1:
		return fmt.Sprintf(", written %d octets per TCP write", chop)
	}
	return ""
}
