package cases

import (
	"encoding/base64"
	"time"
)

func init() {
	sections = append(sections, handshakeCases)
	sectionTitles["15"] = "Opening Handshake"
}

// Clauses the opening-handshake cases cite.
const (
	rfcClientRequirements = "RFC 6455 §4.1"
	rfcServerRequirements = "RFC 6455 §4.2.1"
	rfcServerResponse     = "RFC 6455 §4.2.2"
	rfcVersionMismatch    = "RFC 6455 §4.4"
	rfcExtensionList      = "RFC 6455 §9.1"
	rfcOrigin             = "RFC 6455 §10.2"
	rfcProxyAttacks       = "RFC 6455 §10.3"
	rfcLimits             = "RFC 6455 §10.4"
	rfcKeyField           = "RFC 6455 §11.3.1"
	rfcProtocolField      = "RFC 6455 §11.3.4"
	rfcFieldSyntax        = "RFC 7230 §3.2"
	rfcFieldLists         = "RFC 7230 §7"
	rfcPMDNegotiation     = "RFC 7692 §5"
	rfcPMDParams          = "RFC 7692 §7.1"
)

// handshakeCases is section 15, the opening handshake (RFC 6455 §4, §11),
// which Autobahn never tested: requests a server must accept (each then
// echoes a message and closes normally, and every 101 is checked against
// §4.1), requests it must refuse, version negotiation, subprotocol and
// extension negotiation, legacy drafts, and robustness. Every case is a
// HandshakeExchange: its request edits and its answer table are data.
func handshakeCases() []*Case {
	var out []*Case
	for _, group := range [][]*Case{mustAccept(), mustRefuseCases(), versionCases(), subprotocolCases(), extensionCases(), legacyCases(), robustnessCases()} {
		out = append(out, group...)
	}
	return out
}

// responseChecked is said of every case that may see a 101.
const responseChecked = " Every 101 is checked as a client must (§4.1): Upgrade: websocket, Connection: Upgrade, the exact Sec-WebSocket-Accept, and no subprotocol or extension that was not offered; a 101 that breaks one of these FAILS (§4.2.2 MUST)."

// brokenAccept is the rule every table applies to a 101 a client must reject.
var brokenAccept = AnswerRule{AnswerBroken101, Failed,
	"§4.2.2: a server that accepts MUST answer a valid 101 (Upgrade: websocket, Connection: Upgrade, the Sec-WebSocket-Accept of our key, only offered subprotocols and extensions), and §4.1 has a client fail any other"}

// acceptedRule: a valid 101, judged further by the session.
var acceptedRule = AnswerRule{AnswerValid101, OK, "§4.2.2: the server accepted with a valid 101"}

// accepting is the table of a valid request: a valid 101 and a working
// session is OK, a broken 101 FAILS, and a decline earns decline (checked
// against the minimal valid request first when it would count against
// the target, since §4.2.2 lets a server refuse any handshake).
func accepting(decline Verdict, why string, breaks RuleRef) Acceptance {
	return Acceptance{
		Rules:   []AnswerRule{acceptedRule, brokenAccept, {AnswerDeclined, decline, why}},
		Session: &Session{Echo: true, Lost: Failed},
		Control: decline == Failed || decline == NonStrict,
		Breaks:  breaks,
	}
}

// The rules a section-15 answer can break, beyond the §4.1 checks of a
// 101 (reference/handshake names those).
var (
	ruleSameRequestRefused    = RuleRef{"handshake-same-request-refused", "RFC 6455 §4.2.1"}
	ruleUnknownFieldRefused   = RuleRef{"handshake-unknown-field-refused", "RFC 6455 §4.2.1"}
	ruleExtensionOfferRefused = RuleRef{"handshake-extension-offer-refused", "RFC 6455 §9.1"}
	ruleInvalidRequestAnswer  = RuleRef{"handshake-invalid-request-not-refused", "RFC 6455 §4.2.1"}
	ruleVersionRefusal        = RuleRef{"handshake-unsupported-version-not-refused", "RFC 6455 §4.4"}
	ruleUpgradeUnasked        = RuleRef{"handshake-upgrade-unasked", "RFC 6455 §4.2.1"}
	// RuleRequestBrokeServer: a valid request on a new connection was not
	// accepted after the case's request (the Recheck).
	RuleRequestBrokeServer = RuleRef{"handshake-request-broke-server", "RFC 6455 §10.4"}
)

// echoed is a valid request the server should accept, then echo one text
// message and close normally.
func echoed(id, title, desc string, clauses []string, level Level, acc Acceptance, sent string, edits ...RequestEdit) *Case {
	return &Case{
		ID: id, Title: title,
		Description: desc + " An accepting server must echo one text message and close normally." + responseChecked,
		Clauses:     clauses, Level: level,
		Handshake: &HandshakeExchange{Sent: sent, Edits: edits, Accept: acc},
		Expect:    only(textEcho(HandshakeHello)), Close: normalClose,
		Timeout: handshakeTimeout,
		Labels:  []string{"handshake", "handshake-accept"},
	}
}

// sameRequest is the decline rule of a request that means the same as the
// minimal one: refusing it while accepting that one breaks the rule named.
func sameRequest(rule string) Acceptance {
	return accepting(Failed, "It accepts the minimal valid request on a new connection, and "+rule, ruleSameRequestRefused)
}

func mustAccept() []*Case {
	return []*Case{
		echoed("15.1.1", "Minimal valid request",
			"Sends the minimal §4.1 request: GET, HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade, a fresh Sec-WebSocket-Key and Sec-WebSocket-Version: 13. Tests §4.2.2 (MUST): a server that accepts answers a valid 101. §4.2.2 also lets a server decline any handshake, so a refusal is recorded (INFORMATIONAL).",
			[]string{rfcServerRequirements, rfcServerResponse}, Must,
			accepting(Informational, "§4.2.2 lets a server decline a handshake (for example 403 Forbidden); declining the minimal valid request leaves nothing to test (recorded only)", RuleRef{}),
			"the minimal valid request"),
		echoed("15.1.2", "Header field names in lower case",
			"Sends the minimal request with every field name in lower case (\"sec-websocket-key\"). Tests RFC 7230 §3.2 (field names are case-insensitive) with §4.2.1 (MUST): this is the minimal request, so a server that accepts that one and refuses this one FAILS.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, Must,
			sameRequest("RFC 7230 §3.2 makes field names case-insensitive: this is the same request"),
			"the minimal valid request with every field name in lower case", editNames("lower")),
		echoed("15.1.3", "Header field names and the websocket token in upper case",
			"Sends every field name in upper case, with Upgrade: WEBSOCKET and Connection: UPGRADE. Tests §4.2.1 items 3-4 (MUST; both values are compared ASCII case-insensitively) and RFC 7230 §3.2: refusing it while accepting the minimal request FAILS.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, Must,
			sameRequest("§4.2.1 items 3-4 compare Upgrade and Connection case-insensitively, as RFC 7230 §3.2 does field names: this is the same request"),
			"the minimal valid request in upper case (field names, WEBSOCKET, UPGRADE)",
			editNames("upper"), editSet("UPGRADE", "WEBSOCKET"), editSet("CONNECTION", "UPGRADE")),
		echoed("15.1.4", "Connection: keep-alive, Upgrade",
			"Sends Connection: keep-alive, Upgrade, as browsers do. Tests §4.2.1 item 4 (MUST): the Connection field must include the token Upgrade, and it is a token list (RFC 7230 §6.1), not a single value; refusing it while accepting the minimal request FAILS.",
			[]string{rfcServerRequirements, rfcFieldLists}, Must,
			sameRequest("§4.2.1 item 4 asks only that Connection include the token Upgrade, a list element (RFC 7230 §6.1)"),
			"a valid request with Connection: keep-alive, Upgrade", editSet("Connection", "keep-alive, Upgrade")),
		echoed("15.1.5", "Connection tokens split over two fields",
			"Sends Connection: keep-alive and Connection: upgrade as two fields. Tests RFC 7230 §3.2.2 (repeated list fields mean the same as one comma-joined field) with §4.2.1 item 4 (MUST): refusing it while accepting the minimal request FAILS.",
			[]string{rfcServerRequirements, rfcFieldLists}, Must,
			sameRequest("RFC 7230 §3.2.2 makes two Connection fields the same as one comma-joined field, which includes Upgrade (§4.2.1 item 4)"),
			"a valid request with Connection: keep-alive and Connection: upgrade as two fields",
			editSet("Connection", "keep-alive"), editAdd("Connection", "upgrade")),
		echoed("15.1.6", "Field values with whitespace around them",
			"Sends Upgrade, Connection and Sec-WebSocket-Version with extra spaces and a tab around the values. Tests RFC 7230 §3.2.4 (optional whitespace around a field value is not part of it) with §4.2.1 (MUST): refusing it while accepting the minimal request FAILS.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, Must,
			sameRequest("RFC 7230 §3.2.4 makes whitespace around a field value no part of it: this is the same request"),
			"a valid request with spaces and tabs around the Upgrade, Connection and Sec-WebSocket-Version values",
			editSet("Upgrade", " websocket\t"), editSet("Connection", "\tUpgrade  "), editSet("Sec-WebSocket-Version", "  13 ")),
		echoed("15.1.7", "Unknown and ordinary extra fields",
			"Adds the fields a browser or library sends (User-Agent, Accept-Encoding, Cache-Control, Pragma, Cookie) and an unknown X- field. Tests §4.2.1 (\"unknown header fields are ignored\") and RFC 7230 §3.2.1 (a recipient SHOULD ignore unrecognized fields): refusing it while accepting the minimal request is NON-STRICT (a server may act on a cookie).",
			[]string{rfcServerRequirements, "RFC 7230 §3.2.1"}, Should,
			accepting(NonStrict, "It accepts the minimal valid request on a new connection; §4.2.1 says unknown fields are ignored and RFC 7230 §3.2.1 that a recipient SHOULD ignore unrecognized fields", ruleUnknownFieldRefused),
			"a valid request with User-Agent, Accept-Encoding, Cache-Control, Pragma, Cookie and an unknown field",
			editAdd("User-Agent", "wsconform"), editAdd("Accept-Encoding", "gzip, deflate"), editAdd("Cache-Control", "no-cache"),
			editAdd("Pragma", "no-cache"), editAdd("Cookie", "session=wsconform"), editAdd("X-Wsconform-Unknown", "ignore me")),
		echoed("15.1.8", "Same-origin Origin field",
			"Adds Origin: http://<the target's host>, what a browser sends for a page served by the same server. Tests §4.2.2 (MUST): an accepting server answers a valid 101. §4.2.1 item 7 makes Origin optional, and §4.2.2/§10.2 let a server refuse an origin it does not want, so a refusal is recorded (INFORMATIONAL).",
			[]string{rfcServerRequirements, rfcOrigin}, Must,
			accepting(Informational, "§4.2.2 and §10.2 let a server refuse an origin it does not want (recorded only)", RuleRef{}),
			"a valid request with a same-origin Origin", editAdd("Origin", "http://{host}")),
		echoed("15.1.9", "Absolute-form request target",
			"Sends the request target as an absolute URI (GET http://<host>/ HTTP/1.1), as a client talking to a proxy may. Tests §4.2.1 item 1, which accepts \"an absolute HTTP/HTTPS URI containing the /resource name/\", and RFC 7230 §5.3.2 (a server MUST accept the absolute-form): refusing it while accepting the minimal request FAILS.",
			[]string{rfcServerRequirements, "RFC 7230 §5.3.2"}, Must,
			sameRequest("RFC 7230 §5.3.2 says a server MUST accept the absolute-form, and §4.2.1 item 1 allows it"),
			"a valid request with an absolute-form target", editTarget("http://{host}{path}")),
		{
			ID: "15.1.10", Title: "Request written one octet per TCP write",
			Description: "Sends the minimal valid request one octet per TCP write. Tests §4.2.1 (MUST): TCP carries a stream of octets and its segmentation means nothing, so a server that accepts the minimal request in one write and refuses it in single octets FAILS; an accepting server must echo one text message and close normally." + responseChecked,
			Clauses:     []string{rfcServerRequirements, rfcServerResponse}, Level: Must,
			Handshake: &HandshakeExchange{Sent: "the minimal valid request, one octet per TCP write", Chop: 1,
				Accept: sameRequest("TCP segmentation carries no meaning: these are the same octets")},
			Expect: only(textEcho(HandshakeHello)), Close: normalClose,
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-accept"},
		},
		{
			ID: "15.1.11", Title: "First frame pipelined behind the request",
			Description: "Sends the minimal valid request and a masked text frame in the same TCP write, before any response. Tests what a server MAY do with a client that breaks §4.1 (the client MUST wait for the response before sending more data): nothing here binds the server, so only a broken 101 can FAIL (§4.2.2 MUST). A server that accepts and echoes the message is OK; one that refuses, or accepts and loses the frame, is recorded (INFORMATIONAL)." + responseChecked,
			Clauses:     []string{rfcClientRequirements, rfcServerResponse}, Level: May,
			Handshake: &HandshakeExchange{Sent: "the minimal valid request with a text frame in the same TCP write", Pipelined: true,
				Accept: Acceptance{
					Rules: []AnswerRule{acceptedRule, brokenAccept,
						{AnswerDeclined, Informational, "§4.1: a client MUST wait for the response before sending more data, so refusing such a client is allowed (recorded only)"}},
					Session: &Session{Echo: true, Lost: Informational},
				}},
			Expect: only(textEcho(HandshakeHello)), Close: normalClose,
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-accept"},
		},
	}
}

// §4.2.1: "If the server, while reading the handshake, finds that the
// client did not send a handshake that matches the description below ...,
// the server MUST stop processing the client's handshake and return an HTTP
// response with an appropriate error code (such as 400 Bad Request)."
const mustRefuse = "§4.2.1: a server MUST stop processing such a handshake and return an HTTP error (such as 400 Bad Request)"

// refusing is the table of a request the server must not accept: a 4xx is
// OK; a 5xx or a non-error status opened no WebSocket but is not the error
// the MUST asks for (NON-STRICT); no response at all, or a 101, FAILS.
func refusing(accepted string) Acceptance {
	return Acceptance{Rules: []AnswerRule{
		{AnswerValid101, Failed, accepted},
		{AnswerBroken101, Failed, accepted},
		{Answer4xx, OK, mustRefuse},
		{Answer5xx, NonStrict, "No WebSocket was opened, but a 5xx blames the server, not the request; " + mustRefuse},
		{AnswerNotError, NonStrict, "No WebSocket was opened, but this is not an error status; " + mustRefuse},
		{AnswerNone, Failed, "Closing the connection or staying silent is not an HTTP response; " + mustRefuse},
	}, Breaks: ruleInvalidRequestAnswer}
}

// refused is a handshake-only case the server must not accept.
func refused(id, title, desc string, clauses []string, sent string, edits ...RequestEdit) *Case {
	return &Case{
		ID: id, Title: title,
		Description: desc + " Tests §4.2.1 (MUST): the server must return an HTTP error. A 4xx is OK; a 101 FAILS, and so does no response at all; a 5xx or another status opens no WebSocket but is not the error asked for: NON-STRICT.",
		Clauses:     clauses, Level: Must,
		Handshake: &HandshakeExchange{Sent: sent, Edits: edits, Accept: refusing("The server accepted it. " + mustRefuse + ", never 101")},
		Timeout:   handshakeTimeout,
		Labels:    []string{"handshake", "handshake-refuse"},
	}
}

func mustRefuseCases() []*Case {
	item := func(n string) string { return "§4.2.1 item " + n + " requires " }
	return []*Case{
		refused("15.2.1", "Method POST", item("1")+"a GET request; this one is a POST, otherwise valid.",
			[]string{rfcServerRequirements}, "a valid request with method POST", editMethod("POST")),
		refused("15.2.2", "Method \"get\" in lower case", item("1")+"a GET request, and RFC 7230 §3.1.1 makes methods case-sensitive: \"get\" is another (unknown) method.",
			[]string{rfcServerRequirements}, "a valid request with method \"get\"", editMethod("get")),
		refused("15.2.3", "HTTP/1.0", item("1")+"\"an HTTP/1.1 or higher GET request\"; this one says HTTP/1.0. RFC 7230 §6.7 adds: \"A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request.\"",
			[]string{rfcServerRequirements, "RFC 7230 §6.7"}, "a valid request with version HTTP/1.0", editProto("HTTP/1.0")),
		refused("15.2.4", "No Host field", item("2")+"a Host field (and RFC 7230 §5.4 a 400 for an HTTP/1.1 request without one); this request has none.",
			[]string{rfcServerRequirements, "RFC 7230 §5.4"}, "a valid request without Host", editDel("Host")),
		refused("15.2.5", "No Upgrade field", item("3")+"an Upgrade field containing \"websocket\"; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Upgrade", editDel("Upgrade")),
		refused("15.2.6", "Upgrade: h2c instead of websocket", item("3")+"an Upgrade field containing \"websocket\"; this one asks for h2c.",
			[]string{rfcServerRequirements}, "a valid request with Upgrade: h2c", editSet("Upgrade", "h2c")),
		refused("15.2.7", "Connection without the Upgrade token", item("4")+"a Connection field including the token Upgrade; this one is Connection: keep-alive.",
			[]string{rfcServerRequirements}, "a valid request with Connection: keep-alive", editSet("Connection", "keep-alive")),
		refused("15.2.8", "No Connection field", item("4")+"a Connection field including the token Upgrade; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Connection", editDel("Connection")),
		refused("15.2.9", "No Sec-WebSocket-Key", item("5")+"a Sec-WebSocket-Key field; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Sec-WebSocket-Key", editDel("Sec-WebSocket-Key")),
		refused("15.2.10", "Sec-WebSocket-Key of 15 octets", item("5")+"a key that is base64 of exactly 16 octets; this one decodes to 15.",
			[]string{rfcServerRequirements}, "a valid request whose key decodes to 15 octets",
			editSet("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString([]byte("wsconform-15oct")))),
		refused("15.2.11", "Sec-WebSocket-Key that is not base64", item("5")+"a base64-encoded key; this one has 24 characters but contains '-', outside the base64 alphabet.",
			[]string{rfcServerRequirements}, "a valid request with Sec-WebSocket-Key: wsconform-not-base64-key",
			editSet("Sec-WebSocket-Key", "wsconform-not-base64-key")),
		refused("15.2.12", "Sec-WebSocket-Key sent twice", "§11.3.1: Sec-WebSocket-Key \"MUST NOT appear more than once in an HTTP request\"; this request carries two valid keys, so the server cannot know which Sec-WebSocket-Accept the client expects, and (RFC 7230 §3.2.2) the combined value is not a key.",
			[]string{rfcKeyField, rfcServerRequirements}, "a valid request with a second Sec-WebSocket-Key field",
			editAdd("Sec-WebSocket-Key", "{newkey}")),
	}
}

// §4.4: "If this version does not match a version understood by the
// server, the server MUST abort the WebSocket handshake described in this
// section and instead send an appropriate HTTP error code (such as 426
// Upgrade Required) and a |Sec-WebSocket-Version| header field indicating
// the version(s) the server is capable of understanding."
const versionRule = "§4.4: a server MUST abort the handshake on a version it does not understand and answer an HTTP error (such as 426 Upgrade Required) with a Sec-WebSocket-Version field listing the versions it understands (13)"

// versionTable judges the answer to a version the server should not
// understand; accepted is the rule for a valid 101.
func versionTable(accepted AnswerRule) Acceptance {
	return Acceptance{Rules: []AnswerRule{
		accepted,
		{AnswerBroken101, Failed, "The server accepted it. " + versionRule},
		{Answer426Version, OK, versionRule},
		// "such as 426": another error status is allowed, the field is not optional.
		{AnswerErrorVersion, NonStrict, "Refused with the field, but not with 426 Upgrade Required, the error §4.4 names. " + versionRule},
		{Answer4xx, Failed, "Refused, but without a Sec-WebSocket-Version field listing 13. " + versionRule},
		{Answer5xx, Failed, "Refused, but without a Sec-WebSocket-Version field listing 13. " + versionRule},
		{AnswerNotError, Failed, "This is not an error status. " + versionRule},
		{AnswerNone, Failed, "No HTTP response at all. " + versionRule},
	}, Breaks: ruleVersionRefusal}
}

// versionDescription is what every version case tests.
const versionDescription = " Tests §4.4 (MUST): the server must abort the handshake (a 101 FAILS) and answer an HTTP error with a Sec-WebSocket-Version field listing 13; 426 Upgrade Required with the field is OK, another error with the field NON-STRICT (§4.4 says \"such as 426\"), an answer without the field or no answer FAILS."

func versionCases() []*Case {
	mustNotAccept := AnswerRule{AnswerValid101, Failed, "The server accepted it. " + versionRule}
	version := func(id, title, desc, sent string, edit RequestEdit) *Case {
		return &Case{
			ID: id, Title: title,
			Description: desc + versionDescription,
			Clauses:     []string{rfcVersionMismatch, rfcServerRequirements}, Level: Must,
			Handshake: &HandshakeExchange{Sent: sent, Edits: []RequestEdit{edit}, Accept: versionTable(mustNotAccept)},
			Timeout:   handshakeTimeout,
			Labels:    []string{"handshake", "handshake-version"},
		}
	}
	set := func(v string) RequestEdit { return editSet("Sec-WebSocket-Version", v) }
	draft08 := version("15.3.2", "Sec-WebSocket-Version: 8",
		"Sends version 8 (draft-ietf-hybi-08 to -12, still sent by old clients), otherwise an RFC 6455 request. §4.4 lets a server that understands draft 08 accept it: a valid 101 is recorded (INFORMATIONAL).",
		"a valid request with Sec-WebSocket-Version: 8", set("8"))
	draft08.Handshake.Accept = versionTable(AnswerRule{AnswerValid101, Informational,
		"§4.4 lets a server accept a version it understands, and this one speaks draft-ietf-hybi-08 too; RFC 6455 defines only 13 (recorded only)"})
	return []*Case{
		version("15.3.1", "Sec-WebSocket-Version: 0", "Sends version 0, which no draft used.", "a valid request with Sec-WebSocket-Version: 0", set("0")),
		draft08,
		version("15.3.3", "Sec-WebSocket-Version: 12", "Sends version 12, one below the RFC's.", "a valid request with Sec-WebSocket-Version: 12", set("12")),
		version("15.3.4", "Sec-WebSocket-Version: 14", "Sends version 14, one above the RFC's: a server must not assume a newer version is compatible.", "a valid request with Sec-WebSocket-Version: 14", set("14")),
		version("15.3.5", "No Sec-WebSocket-Version", "Sends no Sec-WebSocket-Version field, which §4.2.1 item 6 requires (and the client's version is then unknown).", "a valid request without Sec-WebSocket-Version",
			editDel("Sec-WebSocket-Version")),
		version("15.3.6", "Sec-WebSocket-Version: thirteen", "Sends a version that is not a number.", "a valid request with Sec-WebSocket-Version: thirteen", set("thirteen")),
	}
}

func subprotocolCases() []*Case {
	const rule = " Tests §4.2.2 item 5.4 and §4.1 (MUST): an accepting server selects at most one of the offered subprotocols, echoed as sent, or none; selecting another FAILS. §4.2.2 lets a server refuse the handshake, so a refusal is recorded (INFORMATIONAL)."
	clauses := []string{rfcServerResponse, rfcProtocolField, rfcClientRequirements}
	acc := accepting(Informational, "§4.2.2 lets a server decline a handshake; one that supports none of the offered subprotocols may also accept without selecting one (§4.2.2 item 5.4), which clients expect (recorded only)", RuleRef{})
	offer := func(id, title, desc, sent string, values ...string) *Case {
		edits := make([]RequestEdit, len(values))
		for i, v := range values {
			edits[i] = editAdd("Sec-WebSocket-Protocol", v)
		}
		c := echoed(id, title, desc+rule, clauses, Must, acc, sent, edits...)
		c.Labels = append(c.Labels, "subprotocol")
		return c
	}
	return []*Case{
		offer("15.4.1", "One subprotocol offered", "Offers Sec-WebSocket-Protocol: chat.", "a valid request offering the subprotocol chat", "chat"),
		offer("15.4.2", "Several subprotocols offered", "Offers Sec-WebSocket-Protocol: chat, superchat, v2.wsconform.test.", "a valid request offering three subprotocols",
			"chat, superchat, v2.wsconform.test"),
		offer("15.4.3", "Subprotocol list with odd spacing", "Offers \"chat ,\\tsuperchat  ,wamp\": RFC 7230 §7 list syntax with spaces and a tab around the commas.",
			"a valid request offering subprotocols with odd spacing", "chat ,\tsuperchat  ,wamp"),
		offer("15.4.4", "Subprotocols split over two fields", "Offers Sec-WebSocket-Protocol: chat and Sec-WebSocket-Protocol: superchat as two fields; §11.3.4 says this is the same as one field with both values.",
			"a valid request offering two subprotocols in two fields", "chat", "superchat"),
		offer("15.4.5", "Subprotocols in mixed case", "Offers Sec-WebSocket-Protocol: Chat, SUPERCHAT. Subprotocol names are compared as sent: a server that selects one must answer it spelled exactly as offered.",
			"a valid request offering Chat, SUPERCHAT", "Chat, SUPERCHAT"),
	}
}

// declineOffer is the decline rule of the extension cases: RFC 7692 §5 and
// RFC 6455 §9.1 have a server decline an offer by answering without it.
const declineOffer = "It accepts the minimal valid request on a new connection; a server declines an extension offer it cannot or will not accept by answering without it and going on (RFC 6455 §9.1, RFC 7692 §5), not by refusing the whole handshake"

func extensionCases() []*Case {
	const checked = " If the server accepts permessage-deflate, its parameters must be valid and answer one of the valid offers (RFC 7692 §7.1, MUST; FAILED otherwise). The connection is then closed normally (no message is echoed: it could be compressed). Refusing the whole handshake instead of declining the offer is NON-STRICT."
	labels := []string{"handshake", "handshake-extensions"}
	pmd := func(id, title, desc, sent, value string) *Case {
		acc := accepting(NonStrict, declineOffer, ruleExtensionOfferRefused)
		acc.Session, acc.CheckDeflate = &Session{Echo: false, Lost: Failed}, true
		return &Case{
			ID: id, Title: title, Description: desc + checked + responseChecked,
			Clauses: []string{rfcPMDNegotiation, rfcPMDParams, rfcClientRequirements}, Level: Must,
			Handshake: &HandshakeExchange{Sent: sent, Edits: []RequestEdit{editSet("Sec-WebSocket-Extensions", value)}, Accept: acc},
			Expect:    nothingBack, Close: normalClose,
			Timeout: handshakeTimeout,
			Labels:  append(labels, "permessage-deflate"),
		}
	}
	unknown := echoed("15.5.1", "Unknown extension offered",
		"Offers Sec-WebSocket-Extensions: x-wsconform-unknown; level=1. Tests §9.1 and §4.1 (MUST): a server answers only with extensions it supports, so accepting with this one FAILS; it should ignore the offer and accept. Refusing the whole handshake is NON-STRICT.",
		[]string{rfcExtensionList, rfcClientRequirements}, Must, accepting(NonStrict, declineOffer, ruleExtensionOfferRefused),
		"a valid request offering x-wsconform-unknown; level=1", editSet("Sec-WebSocket-Extensions", "x-wsconform-unknown; level=1"))
	unknown.Labels = append(unknown.Labels, "handshake-extensions")
	return []*Case{
		unknown,
		pmd("15.5.2", "permessage-deflate offered", "Offers permessage-deflate; client_max_window_bits, as browsers do. Tests RFC 7692 §7.1: a server may accept or decline it (answering without the extension).",
			"a valid request offering permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits"),
		pmd("15.5.3", "Extension offers with odd spacing",
			"Offers \"x-wsconform-unknown ,permessage-deflate ;\\tclient_max_window_bits ;  server_no_context_takeover\": RFC 7230 list and RFC 6455 §9.1 parameter syntax with spaces and a tab. Tests RFC 7692 §7.1 on an accepted answer.",
			"a valid request offering two extensions with odd spacing", "x-wsconform-unknown ,permessage-deflate ;\tclient_max_window_bits ;  server_no_context_takeover"),
		pmd("15.5.4", "permessage-deflate with an unknown parameter", "Offers permessage-deflate; x-wsconform-param. Tests RFC 7692 §5 (MUST): a server must decline an offer with a parameter not defined for offers; accepting it FAILS.",
			"a valid request offering permessage-deflate; x-wsconform-param", "permessage-deflate; x-wsconform-param"),
		pmd("15.5.5", "permessage-deflate with an invalid window size", "Offers permessage-deflate; server_max_window_bits=7. RFC 7692 §7.1.2.1 allows 8 to 15. Tests RFC 7692 §5 (MUST): an offer with an invalid parameter value must be declined; accepting it FAILS.",
			"a valid request offering permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits=7"),
		pmd("15.5.6", "Invalid permessage-deflate offer, then a valid one", "Offers permessage-deflate; server_max_window_bits=7, permessage-deflate. Tests RFC 7692 §5 (MUST): the first offer must be declined; the server may accept the second, and an accepted response must answer it.",
			"a valid request offering an invalid then a valid permessage-deflate", "permessage-deflate; server_max_window_bits=7, permessage-deflate"),
	}
}

// hixie75 turns the request into a draft-hixie-75 handshake.
var hixie75 = []RequestEdit{editDel("Sec-WebSocket-Key"), editDel("Sec-WebSocket-Version"), editSet("Upgrade", "WebSocket"), editAdd("Origin", "http://{host}")}

// hixie76 is draft-hixie-76's example handshake, with the keys and body of
// the draft (section 1.3).
var hixie76 = append(append([]RequestEdit{}, hixie75...),
	editAdd("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00"), editAdd("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5"), editBody("^n:ds[4U"))

// plainGet is what a browser sends for a page.
var plainGet = []RequestEdit{editDel("Upgrade"), editDel("Sec-WebSocket-Key"), editDel("Sec-WebSocket-Version"), editSet("Connection", "close"), editAdd("Accept", "text/html")}

func legacyCases() []*Case {
	legacy := func(id, title, desc, sent string, edits []RequestEdit) *Case {
		return &Case{
			ID: id, Title: title,
			Description: desc + " It has no Sec-WebSocket-Key or Sec-WebSocket-Version. Tests §4.2.1 (MUST): the server must refuse it with an HTTP error (a 4xx is OK; a 5xx or another status NON-STRICT; no response FAILS); a server that answers 101 speaks a legacy framing without client masking (§10.3) and FAILS.",
			Clauses:     []string{rfcServerRequirements, rfcProxyAttacks}, Level: Must,
			Handshake: &HandshakeExchange{Sent: sent, Edits: edits, Accept: refusing("The server accepted a legacy handshake. " + mustRefuse +
				"; legacy framing has no client masking, which RFC 6455 §10.3 requires against proxy cache poisoning")},
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-legacy", "security"},
		}
	}
	switchedUnasked := "The server switched protocols although the request asked for no upgrade. " + mustRefuse
	return []*Case{
		legacy("15.6.1", "draft-hixie-76 handshake",
			"Sends a draft-hixie-76 (hybi-00) request: Upgrade: WebSocket, Origin, Sec-WebSocket-Key1/Key2 with spaces and digits, and the 8-octet key3 as a body, as in the draft's example.",
			"a draft-hixie-76 request (Key1, Key2 and the 8-octet body)", hixie76),
		legacy("15.6.2", "draft-hixie-75 handshake",
			"Sends a draft-hixie-75 request: Upgrade: WebSocket, Connection: Upgrade, Host and Origin, nothing else.",
			"a draft-hixie-75 request", hixie75),
		{
			ID: "15.6.3", Title: "Plain HTTP GET on the WebSocket path",
			Description: "Sends an ordinary GET for the target's path, without any upgrade field, and records the answer (an error, a page, or a closed connection). Tests §4.2.1 (MUST) in one direction only: a 101 FAILS, since nothing asked for an upgrade; anything else is recorded (INFORMATIONAL).",
			Clauses:     []string{rfcServerRequirements}, Level: Info,
			Handshake: &HandshakeExchange{Sent: "a plain HTTP GET without upgrade fields", Edits: plainGet,
				Accept: Acceptance{Rules: []AnswerRule{
					{AnswerValid101, Failed, switchedUnasked},
					{AnswerBroken101, Failed, switchedUnasked},
					{AnswerDeclined, Informational, "RFC 6455 leaves non-WebSocket requests on the same path to the server (recorded only)"},
				}, Breaks: ruleUpgradeUnasked}},
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-legacy"},
		},
		{
			ID: "15.6.4", Title: "Origin of another site",
			Description: "Adds Origin: http://wsconform.invalid, a page of another site. §4.2.2 lets a server refuse an origin it does not want (403 Forbidden), §10.2 expects servers reached by browsers to check it (SHOULD, for servers meant for certain sites only); both answers are recorded (INFORMATIONAL). Tests §4.2.2 (MUST) on an accepted handshake: its 101 must be valid." + responseChecked,
			Clauses:     []string{rfcOrigin, rfcServerResponse}, Level: Info,
			Handshake: &HandshakeExchange{Sent: "a valid request with Origin: http://wsconform.invalid", Edits: []RequestEdit{editAdd("Origin", "http://wsconform.invalid")},
				Accept: Acceptance{Rules: []AnswerRule{
					{AnswerValid101, Informational, "A page of any site can connect (§10.2: servers reached by browsers should check Origin; recorded only)"},
					brokenAccept,
					{AnswerDeclined, Informational, "Cross-site connections are refused (§4.2.2 allows 403 Forbidden; recorded only)"},
				}}},
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "security"},
		},
	}
}

// oversizedHeaderBytes is the header block the robustness case sends:
// far above the 8-16 KiB most HTTP servers allow, far below anything that
// could hurt the machine running the suite.
const oversizedHeaderBytes = 64 << 10

// stallCap bounds how long the stalled-request case waits for the server
// to give up, so that a server without a handshake timeout costs the suite
// this much and no more.
const stallCap = 10 * time.Second

func robustnessCases() []*Case {
	const stallNote = "no RFC sets a number, but a server that waits forever can be exhausted by idle connections (§10.4; recorded only)"
	return []*Case{
		{
			ID: "15.7.1", Title: "64 KiB header block",
			Description: "Sends a valid request padded with unknown fields to a 64 KiB header block, then a valid handshake on a new connection. A refusal (431, 400) or a closed connection is OK (RFC 7230 §3.2.5); accepting, or holding the connection without an answer, is recorded (no RFC sets a limit). Tests §10.4 (MUST: implementations protect themselves against their limits): the server must still accept the second handshake, or the case FAILS." + responseChecked,
			Clauses:     []string{rfcLimits, "RFC 7230 §3.2.5"}, Level: Must,
			Handshake: &HandshakeExchange{Sent: "a valid request padded with unknown 1000-octet fields to a header block of at least 64 KiB", PadTo: oversizedHeaderBytes,
				Accept: Acceptance{Rules: []AnswerRule{
					{AnswerValid101, Informational, "The server accepts header blocks this large (no RFC sets a limit; recorded only)"},
					brokenAccept,
					{AnswerSilent, Informational, "The server neither answered nor closed (recorded only)"},
					{AnswerDeclined, OK, "Refused or closed, as RFC 7230 §3.2.5 lets a server do with a header block larger than it wishes to process"},
				}, Recheck: true}},
			Timeout: handshakeTimeout,
			Labels:  []string{"handshake", "handshake-robustness"},
		},
		{
			ID: "15.7.2", Title: "Client stops in the middle of the request",
			Description: "Sends the start of a valid request, stopping inside a field name, and measures how long the server holds the connection before closing it or answering (408, 400), up to a 10 s cap. Tests nothing the RFCs require (INFO): no RFC sets a number, but a server without a handshake timeout can be exhausted by idle connections (§10.4, RFC 7230 §6.5).",
			Clauses:     []string{rfcLimits, "RFC 7230 §6.5"}, Level: Info,
			Handshake: &HandshakeExchange{Sent: "the first part of a valid request, stopping inside the field name Sec-WebSocket-Key, then nothing",
				StopAfter: "Sec-WebSocket", Wait: stallCap,
				Accept: Acceptance{Rules: []AnswerRule{
					{AnswerValid101, Informational, "A 101 to an incomplete request; " + stallNote},
					{AnswerBroken101, Informational, "A 101 to an incomplete request; " + stallNote},
					{AnswerSilent, Informational, "The server still held the connection when we gave up: it has no handshake timeout, or a longer one; " + stallNote},
					{AnswerDeclined, Informational, "The server gave up on the incomplete request; " + stallNote},
				}}},
			Timeout: stallCap + 10*time.Second,
			Labels:  []string{"handshake", "handshake-robustness"},
		},
	}
}
