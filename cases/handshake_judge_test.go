package cases

import (
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"

	"github.com/wsconform/wsconform/reference/handshake"
)

// response builds a response head with the given status and fields.
func response(status int, fields ...handshake.Field) *handshake.Response {
	return &handshake.Response{Proto: "HTTP/1.1", Status: status, Reason: handshake.ReasonPhrase(status), Header: fields}
}

var (
	version13      = handshake.Field{Name: "Sec-WebSocket-Version", Value: "13"}
	acceptMismatch = []handshake.Violation{{Rule: "response-accept-mismatch", Section: "RFC 6455 §4.1", Level: handshake.LevelMust, Detail: "Sec-WebSocket-Accept \"x\""}}
)

// every kind of answer a target can give, one of each class ladder.
var sampleAnswers = map[string]HandshakeAnswer{
	"valid 101":          {Response: response(101)},
	"broken 101":         {Response: response(101), Violations: acceptMismatch},
	"426 with version":   {Response: response(426, version13)},
	"400 with version":   {Response: response(400, version13)},
	"503 with version":   {Response: response(503, version13)},
	"400":                {Response: response(400)},
	"431":                {Response: response(431)},
	"500":                {Response: response(500)},
	"200":                {Response: response(200)},
	"302 with version":   {Response: response(302, version13)},
	"closed":             {NoResponse: "the server closed the connection without an HTTP response"},
	"silent":             {NoResponse: "no HTTP response before the handshake timeout", TimedOut: true},
	"426 listing 8 only": {Response: response(426, handshake.Field{Name: "Sec-WebSocket-Version", Value: "8"})},
}

func TestAnswerClasses(t *testing.T) {
	tests := []struct {
		answer string
		want   []Answer
	}{
		{"valid 101", []Answer{AnswerValid101}},
		{"broken 101", []Answer{AnswerBroken101}},
		{"426 with version", []Answer{Answer426Version, AnswerErrorVersion, Answer4xx, AnswerDeclined}},
		{"400 with version", []Answer{AnswerErrorVersion, Answer4xx, AnswerDeclined}},
		{"503 with version", []Answer{AnswerErrorVersion, Answer5xx, AnswerDeclined}},
		{"400", []Answer{Answer4xx, AnswerDeclined}},
		{"426 listing 8 only", []Answer{Answer4xx, AnswerDeclined}},
		{"500", []Answer{Answer5xx, AnswerDeclined}},
		{"302 with version", []Answer{AnswerNotError, AnswerDeclined}},
		{"closed", []Answer{AnswerClosed, AnswerNone, AnswerDeclined}},
		{"silent", []Answer{AnswerSilent, AnswerNone, AnswerDeclined}},
	}
	for _, tc := range tests {
		got := AnswerClasses(sampleAnswers[tc.answer])
		if strings.Join(answerStrings(got), "|") != strings.Join(answerStrings(tc.want), "|") {
			t.Errorf("%s: classes %q, want %q", tc.answer, got, tc.want)
		}
	}
}

func answerStrings(as []Answer) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = string(a)
	}
	return out
}

// caseByID finds a catalogue case.
func caseByID(t *testing.T, id string) *Case {
	t.Helper()
	for _, c := range All() {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("no case %s", id)
	return nil
}

// TestJudgeHandshakeAnswer pins the status-to-verdict tables of section 15 against
// the RFC clause that decides each row.
func TestJudgeHandshakeAnswer(t *testing.T) {
	accepted := Control{Ran: true, Accepted: true, Observed: "response 101 Switching Protocols"}
	declined := Control{Ran: true, Observed: "response 403 Forbidden"}
	tests := []struct {
		id      string
		answer  string
		control Control
		want    Verdict
		says    string // in the reason
	}{
		// §4.4: 426 with the field; "such as 426"; the field is a MUST.
		{"15.3.1", "426 with version", Control{}, OK, "§4.4"},
		{"15.3.1", "400 with version", Control{}, NonStrict, "not with 426"},
		{"15.3.1", "400", Control{}, Failed, "without a Sec-WebSocket-Version field"},
		{"15.3.1", "426 listing 8 only", Control{}, Failed, "without a Sec-WebSocket-Version field"},
		{"15.3.1", "closed", Control{}, Failed, "No HTTP response"},
		{"15.3.1", "valid 101", Control{}, Failed, "accepted"},
		{"15.3.1", "200", Control{}, Failed, "not an error status"},
		// §4.4 lets a server accept a version it understands.
		{"15.3.2", "valid 101", Control{}, Informational, "understands"},
		{"15.3.2", "broken 101", Control{}, Failed, "response-accept-mismatch"},
		// §4.2.1: an HTTP error, never 101, never silence.
		{"15.2.1", "400", Control{}, OK, "§4.2.1"},
		{"15.2.1", "valid 101", Control{}, Failed, "accepted"},
		{"15.2.1", "500", Control{}, NonStrict, "5xx"},
		{"15.2.1", "200", Control{}, NonStrict, "not an error status"},
		{"15.2.1", "silent", Control{}, Failed, "not an HTTP response"},
		{"15.6.1", "closed", Control{}, Failed, "not an HTTP response"},
		// A valid request: refusing what the minimal request gets accepted
		// for FAILS only where an RFC makes the two the same request.
		{"15.1.2", "400", accepted, Failed, "RFC 7230 §3.2"},
		{"15.1.2", "400", declined, Informational, "declined too"},
		{"15.1.9", "closed", accepted, Failed, "RFC 7230 §5.3.2"},
		{"15.1.7", "400", accepted, NonStrict, "SHOULD ignore"},
		{"15.1.8", "400", Control{}, Informational, "§4.2.2"},
		{"15.1.1", "400", Control{}, Informational, "§4.2.2"},
		{"15.1.1", "broken 101", Control{}, Failed, "response-accept-mismatch"},
		// §4.1: the pipelining client broke the rule; a refusal is recorded.
		{"15.1.11", "closed", Control{}, Informational, "MUST wait"},
		// §4.2.2 lets a server refuse; subprotocols are optional.
		{"15.4.1", "400", Control{}, Informational, "§4.2.2"},
		// RFC 7692 §5: decline the offer, not the handshake.
		{"15.5.2", "400", accepted, NonStrict, "RFC 7692 §5"},
		{"15.5.2", "400", declined, Informational, "declined too"},
		{"15.6.3", "200", Control{}, Informational, "recorded"},
		{"15.6.3", "valid 101", Control{}, Failed, "no upgrade"},
		{"15.7.1", "431", Control{}, OK, "RFC 7230 §3.2.5"},
		{"15.7.1", "silent", Control{}, Informational, "neither answered"},
	}
	for _, tc := range tests {
		c := caseByID(t, tc.id)
		a := sampleAnswers[tc.answer]
		if c.Handshake.Accept.NeedsControl(a) != tc.control.Ran {
			t.Errorf("%s / %s: NeedsControl %t, want %t", tc.id, tc.answer, !tc.control.Ran, tc.control.Ran)
		}
		v, why := JudgeHandshakeAnswer(c.Handshake, a, tc.control)
		if v != tc.want || !strings.Contains(why, tc.says) {
			t.Errorf("%s / %s: %s %q, want %s saying %q", tc.id, tc.answer, v, why, tc.want, tc.says)
		}
	}
}

// TestHandshakeTablesAreComplete: every section-15 case has a verdict for
// every kind of answer, a session verdict when it has a session, and a
// description that names the requirement.
func TestHandshakeTablesAreComplete(t *testing.T) {
	section, err := Select([]string{"15"}, nil)
	if err != nil || len(section) < 30 {
		t.Fatalf("section 15: %d cases, %v", len(section), err)
	}
	for _, c := range section {
		if c.Handshake == nil {
			t.Errorf("%s: not a HandshakeExchange", c.ID)
			continue
		}
		for name, a := range sampleAnswers {
			if _, ok := c.Handshake.Accept.Rule(a); !ok {
				t.Errorf("%s: no rule for %s", c.ID, name)
			}
		}
		if s := c.Handshake.Accept.Session; s != nil && s.Lost == "" {
			t.Errorf("%s: session without a verdict for a lost session", c.ID)
		}
		if !strings.Contains(c.Description, "Tests ") {
			t.Errorf("%s: the description does not say which requirement it tests", c.ID)
		}
	}
}

// TestHandshakeEditsAreInTheDigest: one octet of a request edit changes
// what the catalogue renders, so the digest (a hash of that rendering)
// changes with it.
func TestHandshakeEditsAreInTheDigest(t *testing.T) {
	digest := func(c *Case) [32]byte {
		b, err := json.Marshal(Describe([]*Case{c}))
		if err != nil {
			t.Fatal(err)
		}
		return sha256.Sum256(b)
	}
	orig := caseByID(t, "15.2.11")
	changed := *orig
	x := *orig.Handshake
	x.Edits = append([]RequestEdit(nil), x.Edits...)
	x.Edits[0].Value = strings.Replace(x.Edits[0].Value, "-", "_", 1)
	changed.Handshake = &x
	if digest(orig) == digest(&changed) {
		t.Error("changing one octet of 15.2.11's key does not change the catalogue rendering")
	}
	if v := changed.Handshake.View(); !strings.Contains(v.Request, "wsconform_not-base64-key") {
		t.Errorf("the rendered request does not carry the edited key:\n%s", v.Request)
	}
	chopped := *orig.Handshake
	chopped.Chop = 2
	changed.Handshake = &chopped
	if digest(orig) == digest(&changed) {
		t.Error("chopping the request differently does not change the catalogue rendering")
	}
}
