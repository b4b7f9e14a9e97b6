package cases

import (
	"fmt"
	"strings"

	"github.com/wsconform/wsconform/cases/observed"
	"github.com/wsconform/wsconform/reference/frame"
)

// The verdict texts a server author reads: one sentence each, in three
// parts joined by semicolons: what we sent, what came back, what the RFC
// requires (with the clause).

// weSent is the first part: the first clause of the description when it
// starts with "Sends", else the case's title. Cases judged on behalf of
// another runner (no title) leave it out, and the caller says what was
// sent.
func weSent(c *Case) string {
	if c.Title == "" {
		return ""
	}
	if what, ok := strings.CutPrefix(c.Description, "Sends "); ok {
		return "we sent " + firstClause(what) + "; "
	}
	return "we sent " + lowerFirst(c.Title) + "; "
}

// firstClause is s up to its first sentence or clause break, or up to
// where a description turns from what is sent to what is expected.
func firstClause(s string) string {
	end := len(s)
	for _, sep := range []string{". ", "; ", " and expects "} {
		if i := strings.Index(s, sep); i >= 0 && i < end {
			end = i
		}
	}
	return strings.TrimSuffix(s[:end], ".")
}

// sentence capitalises a text that starts with what we sent; one without
// it is the tail of a sentence its caller starts.
func sentence(s string) string {
	if !strings.HasPrefix(s, "we sent ") {
		return s
	}
	return "W" + s[1:]
}

func lowerFirst(s string) string {
	if len(s) > 1 && s[1] >= 'A' && s[1] <= 'Z' { // an acronym: "UTF-8 ..."
		return s
	}
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// clausesText joins the case's clauses: "RFC 6455 §5.2 and §5.6".
func clausesText(clauses []string) string {
	if len(clauses) == 0 {
		return "RFC 6455"
	}
	var parts []string
	prev := ""
	for _, cl := range clauses {
		doc, sec, ok := strings.Cut(cl, " §")
		if ok && doc == prev {
			parts = append(parts, "§"+sec)
			continue
		}
		parts = append(parts, cl)
		prev = doc
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// plainEvents renders events without Autobahn's vocabulary: what the
// target sent back, then the pauses of ours after which the connection was
// still open (Autobahn's "timeout" markers).
func plainEvents(es []observed.Event) string {
	var sent, open []string
	for _, e := range es {
		if e.Kind == observed.Marker {
			open = append(open, e.Tag)
			continue
		}
		sent = append(sent, e.String())
	}
	s := "nothing back"
	if len(sent) > 0 {
		s = strings.Join(eventEdges(sent), ", then ")
	}
	switch len(open) {
	case 0:
	case 1:
		s += ", with the connection still open after our pause " + open[0] + " only"
	default:
		s += ", with the connection still open after our pauses " + strings.Join(open, " and ")
	}
	return s
}

// cameBack is the second part for the events.
func cameBack(events []observed.Event, st observed.CloseState) string {
	s := st.Peer() + " sent " + plainEvents(events)
	if len(events) == 0 {
		s = st.Peer() + " sent nothing back"
	}
	if st.PeerViolation != "" && st.RemoteCloseViolation == "" {
		s += ", and broke " + st.PeerViolation
	}
	return s
}

// mainReason explains the main verdict from the events.
func mainReason(c *Case, events []observed.Event, st observed.CloseState, matched *Outcome) string {
	head := weSent(c) + cameBack(events, st)
	law := clausesText(c.Clauses)
	best := bestOutcome(c)
	switch {
	case matched == nil:
		return sentence(fmt.Sprintf("%s; %s require%s %s", head, law, plural(c.Clauses), wantedEvents(best)))
	case matched.Verdict == OK:
		return sentence(fmt.Sprintf("%s, as %s require%s", head, law, plural(c.Clauses)))
	case matched.Verdict == NonStrict && best != nil && best.Verdict == OK:
		return sentence(fmt.Sprintf("%s; %s allow%s this, but the better answer is %s", head, law, plural(c.Clauses), plainEvents(best.Events)))
	}
	return sentence(fmt.Sprintf("%s, which earns %s under %s", head, matched.Verdict, law))
}

func plural(clauses []string) string {
	if len(clauses) > 1 {
		return ""
	}
	return "s"
}

func bestOutcome(c *Case) *Outcome {
	for i := range c.Expect {
		if c.Expect[i].Verdict == OK {
			return &c.Expect[i]
		}
	}
	if len(c.Expect) > 0 {
		return &c.Expect[0]
	}
	return nil
}

func wantedEvents(o *Outcome) string {
	switch {
	case o == nil:
		return "a different answer"
	case len(o.Events) == 0:
		return "that nothing comes back"
	}
	return "the answer " + plainEvents(o.Events)
}

// codesText lists acceptable close codes: "1002 or 1007".
func codesText(cs []frame.CloseCode) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = fmt.Sprint(int(c))
	}
	switch len(parts) {
	case 0:
		return "any code"
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

func codeText(code *frame.CloseCode) string {
	if code == nil {
		return "no status code"
	}
	return "code " + code.String()
}

// failRequirement is what a case that wants the target to fail the
// connection requires.
func failRequirement(c *Case, st observed.CloseState) string {
	return fmt.Sprintf("%s require%s %s to fail the connection itself (close code %s, no code, or a TCP drop)",
		clausesText(c.Clauses), plural(c.Clauses), st.Peer(), codesText(c.Close.Codes))
}

// whatWeDid says why we, not the target, ended the connection.
func whatWeDid(c *Case, st observed.CloseState) string {
	switch {
	case st.Abandoned != "":
		return st.Peer() + " had not ended the connection when we gave up at our case deadline " + st.Abandoned
	case st.FailedOn != "":
		return st.Peer() + " broke " + st.FailedOn + ", so we failed the connection"
	case c.Timer.Kind == CloseAfter:
		return fmt.Sprintf("%s had not closed the connection %v after our last frame, so we closed it", st.Peer(), c.Timer.After)
	}
	return fmt.Sprintf("%s neither closed nor failed the connection within %v of our last frame, so we failed it", st.Peer(), c.Timer.After)
}

// targetEnded says how the target ended a connection we meant to close.
func targetEnded(st observed.CloseState) string {
	switch {
	case st.Abandoned != "":
		return "we gave up at our case deadline " + st.Abandoned + ", before we could start the closing handshake"
	case st.ReceivedClose:
		return st.Peer() + " sent the first close frame (" + codeText(st.RemoteCode) + ")"
	}
	return st.Peer() + " dropped TCP without a closing handshake"
}

// uncleanText says how the connection failed to end cleanly, and the rule.
func uncleanText(st observed.CloseState) string {
	switch {
	case st.Abandoned != "":
		return "we gave up at our case deadline " + st.Abandoned + "; RFC 6455 §7.1.1 requires a closing handshake and then the server to close TCP"
	case !st.SentClose && !st.ReceivedClose:
		return "TCP ended without a closing handshake (" + tcpEnd(st) + "); RFC 6455 §7.1.1 requires a closing handshake before TCP is closed"
	case !st.ReceivedClose:
		return st.Peer() + " did not answer our close frame within our close timeout; RFC 6455 §5.5.1 requires an endpoint that receives a close frame to send one in response"
	case !st.SentClose:
		return st.Peer() + " closed while our frame was partly sent, so no close reply could go out; RFC 6455 §7.1.1 requires a closing handshake before TCP is closed"
	case st.DropTimeout:
		return st.Peer() + " answered our close but did not close TCP within our drop timeout; RFC 6455 §7.1.1 requires the server to close the TCP connection first once the closing handshake is done"
	case st.TCPError != "":
		return "TCP ended with an error (" + st.TCPError + "); RFC 6455 §7.1.1 requires the server to close TCP in order after the closing handshake"
	}
	return "we dropped TCP; RFC 6455 §7.1.1 requires the server to close TCP first"
}

func tcpEnd(st observed.CloseState) string {
	switch {
	case st.DroppedByMe:
		return "we dropped it"
	case st.TCPError != "":
		return st.TCPError
	}
	return st.Peer() + " closed it"
}

// wrongCodeText explains a close code the case does not accept (and any
// other rule the same close frame broke).
func wrongCodeText(c *Case, st observed.CloseState) string {
	code := *st.RemoteCode
	head := weSent(c) + st.Peer() + "'s close frame carried code " + code.String()
	if !code.ValidOnWire() {
		return sentence(fmt.Sprintf("%s, which no endpoint may send (RFC 6455 §7.4.1, §7.4.2); the case accepts %s or no code", head, codesText(c.Close.Codes)))
	}
	if st.RemoteCloseViolation != "" {
		head += " and broke " + st.RemoteCloseViolation
	}
	return sentence(fmt.Sprintf("%s; %s require%s close code %s (or no code) here", head, clausesText(c.Clauses), plural(c.Clauses), codesText(c.Close.Codes)))
}

// eventEdges keeps a sentence short when a target sent thousands of
// events: the first 16 and the last 4, with the count of the rest.
func eventEdges(sent []string) []string {
	const head, tail = 16, 4
	if len(sent) <= head+tail {
		return sent
	}
	out := append(sent[:head:head], fmt.Sprintf("%d more events", len(sent)-head-tail))
	return append(out, sent[len(sent)-tail:]...)
}
