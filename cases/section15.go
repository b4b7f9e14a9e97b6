package cases

import (
	"encoding/base64"
	"strings"
	"time"

	"github.com/wsconform/wsconform/reference/handshake"
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
// extension negotiation, legacy drafts, and robustness.
func handshakeCases() []*Case {
	var out []*Case
	for _, group := range [][]*Case{mustAccept(), mustRefuseCases(), versionCases(), subprotocolCases(), extensionCases(), legacyCases(), robustnessCases()} {
		out = append(out, group...)
	}
	return out
}

// responseChecked is said of every case that may see a 101.
const responseChecked = " Every 101 is checked as a client must (§4.1): Upgrade: websocket, Connection: Upgrade, the exact Sec-WebSocket-Accept, and no subprotocol or extension that was not offered."

// echoed is a case whose request the server must accept, done by the
// scripted engine: the edited handshake, one text message echoed, a normal
// close.
func echoed(id, title, desc string, clauses []string, edit func(*handshake.Request), labels ...string) *Case {
	return &Case{
		ID: id, Title: title,
		Description: desc + " The server must accept it, echo one text message and close normally." + responseChecked,
		Clauses:     clauses, Level: Must,
		Request: edit,
		Steps:   []Step{send(textFrame(helloText))},
		Timer:   killAfter(time.Second), Expect: only(textEcho(helloText)), Close: normalClose,
		Labels: append([]string{"handshake", "handshake-accept"}, labels...),
	}
}

func mustAccept() []*Case {
	return []*Case{
		echoed("15.1.1", "Minimal valid request",
			"Sends the minimal §4.1 request: GET, HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade, a fresh Sec-WebSocket-Key and Sec-WebSocket-Version: 13.",
			[]string{rfcServerRequirements, rfcServerResponse}, nil),
		echoed("15.1.2", "Header field names in lower case",
			"Sends the minimal request with every field name in lower case (\"sec-websocket-key\"). RFC 7230 §3.2: field names are case-insensitive.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, renameFields(strings.ToLower)),
		echoed("15.1.3", "Header field names and the websocket token in upper case",
			"Sends every field name in upper case, with Upgrade: WEBSOCKET and Connection: UPGRADE. §4.2.1 items 3-4: both values are compared ASCII case-insensitively.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, func(r *handshake.Request) {
				renameFields(strings.ToUpper)(r)
				r.Set("UPGRADE", "WEBSOCKET").Set("CONNECTION", "UPGRADE")
			}),
		echoed("15.1.4", "Connection: keep-alive, Upgrade",
			"Sends Connection: keep-alive, Upgrade, as browsers do. §4.2.1 item 4: the Connection field must include the token Upgrade; it is a token list (RFC 7230 §6.1), not a single value.",
			[]string{rfcServerRequirements, rfcFieldLists}, func(r *handshake.Request) { r.Set("Connection", "keep-alive, Upgrade") }),
		echoed("15.1.5", "Connection tokens split over two fields",
			"Sends Connection: keep-alive and Connection: upgrade as two fields. RFC 7230 §3.2.2: repeated list fields mean the same as one comma-joined field, so the request includes the Upgrade token.",
			[]string{rfcServerRequirements, rfcFieldLists}, func(r *handshake.Request) {
				r.Set("Connection", "keep-alive").Add("Connection", "upgrade")
			}),
		echoed("15.1.6", "Field values with whitespace around them",
			"Sends Upgrade, Connection and Sec-WebSocket-Version with extra spaces and a tab around the values. RFC 7230 §3.2.4: optional whitespace around a field value is not part of it.",
			[]string{rfcServerRequirements, rfcFieldSyntax}, func(r *handshake.Request) {
				r.Set("Upgrade", " websocket\t").Set("Connection", "\tUpgrade  ").Set("Sec-WebSocket-Version", "  13 ")
			}),
		echoed("15.1.7", "Unknown and ordinary extra fields",
			"Adds the fields a browser or library sends (User-Agent, Accept-Encoding, Cache-Control, Pragma, Cookie) and an unknown X- field. §4.2.1 item 10: unknown fields are ignored.",
			[]string{rfcServerRequirements}, func(r *handshake.Request) {
				r.Add("User-Agent", "wsconform").Add("Accept-Encoding", "gzip, deflate").Add("Cache-Control", "no-cache").
					Add("Pragma", "no-cache").Add("Cookie", "session=wsconform").Add("X-Wsconform-Unknown", "ignore me")
			}),
		echoed("15.1.8", "Same-origin Origin field",
			"Adds Origin: http://<the target's host>, what a browser sends for a page served by the same server. §4.2.1 item 7 makes Origin optional; a same-origin one is no reason to refuse.",
			[]string{rfcServerRequirements, rfcOrigin}, func(r *handshake.Request) {
				host, _ := r.Get("Host")
				r.Add("Origin", "http://"+host)
			}),
		echoed("15.1.9", "Absolute-form request target",
			"Sends the request target as an absolute URI (GET http://<host>/ HTTP/1.1), as a client talking to a proxy may. §4.2.1 item 1 accepts \"an absolute HTTP/HTTPS URI containing the /resource name/\".",
			[]string{rfcServerRequirements}, func(r *handshake.Request) {
				host, _ := r.Get("Host")
				r.Target = "http://" + host + r.Target
			}),
		{
			ID: "15.1.10", Title: "Request written one octet per TCP write",
			Description: "Sends the minimal valid request one octet per TCP write. A server must not depend on how TCP segments the request; it must accept it, echo one text message and close normally." + responseChecked,
			Clauses:     []string{rfcServerRequirements, rfcServerResponse}, Level: Must,
			Custom:  acceptPlan{sent: "the minimal valid request, one octet per TCP write", chop: 1}.run,
			Timeout: 20 * time.Second,
			Labels:  []string{"handshake", "handshake-accept"},
		},
		{
			ID: "15.1.11", Title: "First frame pipelined behind the request",
			Description: "Sends the minimal valid request and a masked text frame in the same TCP write, before any response. §4.1 says the client MUST wait for the response before sending more data, so a server MAY refuse or drop such a client: that is recorded (INFORMATIONAL). A server that accepts must leave the octets after the empty line to the framing layer and echo the message; losing it FAILS." + responseChecked,
			Clauses:     []string{rfcClientRequirements, rfcServerResponse}, Level: May,
			Custom: acceptPlan{sent: "the minimal valid request with a text frame in the same TCP write", pipelined: true, refused: pipelineRefused}.run,
			Labels: []string{"handshake", "handshake-accept"},
		},
	}
}

// renameFields respells every field name of the request.
func renameFields(spell func(string) string) func(*handshake.Request) {
	return func(r *handshake.Request) {
		for i := range r.Header {
			r.Header[i].Name = spell(r.Header[i].Name)
		}
	}
}

// refused is a handshake-only case the server must not accept.
func refused(id, title, desc string, clauses []string, sent string, edit func(*handshake.Request)) *Case {
	return &Case{
		ID: id, Title: title,
		Description: desc + " The server must not answer 101; OK is a 4xx error. No response at all, or another status, opens no WebSocket but is not the error response §4.2.1 asks for: NON-STRICT.",
		Clauses:     clauses, Level: Must,
		Custom: requestCase(sent, edit, mustBeRefused),
		Labels: []string{"handshake", "handshake-refuse"},
	}
}

func mustRefuseCases() []*Case {
	item := func(n string) string { return "§4.2.1 item " + n + " requires " }
	return []*Case{
		refused("15.2.1", "Method POST", item("1")+"a GET request; this one is a POST, otherwise valid.",
			[]string{rfcServerRequirements}, "a valid request with method POST",
			func(r *handshake.Request) { r.Method = "POST" }),
		refused("15.2.2", "Method \"get\" in lower case", item("1")+"a GET request, and RFC 7230 §3.1.1 makes methods case-sensitive: \"get\" is another (unknown) method.",
			[]string{rfcServerRequirements}, "a valid request with method \"get\"",
			func(r *handshake.Request) { r.Method = "get" }),
		refused("15.2.3", "HTTP/1.0", item("1")+"\"an HTTP/1.1 or higher GET request\"; this one says HTTP/1.0. RFC 7230 §6.7 adds: \"A server MUST ignore an Upgrade header field that is received in an HTTP/1.0 request.\"",
			[]string{rfcServerRequirements, "RFC 7230 §6.7"}, "a valid request with version HTTP/1.0",
			func(r *handshake.Request) { r.Proto = "HTTP/1.0" }),
		refused("15.2.4", "No Host field", item("2")+"a Host field (and RFC 7230 §5.4 a 400 for an HTTP/1.1 request without one); this request has none.",
			[]string{rfcServerRequirements, "RFC 7230 §5.4"}, "a valid request without Host",
			func(r *handshake.Request) { r.Del("Host") }),
		refused("15.2.5", "No Upgrade field", item("3")+"an Upgrade field containing \"websocket\"; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Upgrade",
			func(r *handshake.Request) { r.Del("Upgrade") }),
		refused("15.2.6", "Upgrade: h2c instead of websocket", item("3")+"an Upgrade field containing \"websocket\"; this one asks for h2c.",
			[]string{rfcServerRequirements}, "a valid request with Upgrade: h2c",
			func(r *handshake.Request) { r.Set("Upgrade", "h2c") }),
		refused("15.2.7", "Connection without the Upgrade token", item("4")+"a Connection field including the token Upgrade; this one is Connection: keep-alive.",
			[]string{rfcServerRequirements}, "a valid request with Connection: keep-alive",
			func(r *handshake.Request) { r.Set("Connection", "keep-alive") }),
		refused("15.2.8", "No Connection field", item("4")+"a Connection field including the token Upgrade; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Connection",
			func(r *handshake.Request) { r.Del("Connection") }),
		refused("15.2.9", "No Sec-WebSocket-Key", item("5")+"a Sec-WebSocket-Key field; this request has none.",
			[]string{rfcServerRequirements}, "a valid request without Sec-WebSocket-Key",
			func(r *handshake.Request) { r.Del("Sec-WebSocket-Key") }),
		refused("15.2.10", "Sec-WebSocket-Key of 15 octets", item("5")+"a key that is base64 of exactly 16 octets; this one decodes to 15.",
			[]string{rfcServerRequirements}, "a valid request whose key decodes to 15 octets",
			func(r *handshake.Request) {
				r.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString([]byte("wsconform-15oct")))
			}),
		refused("15.2.11", "Sec-WebSocket-Key that is not base64", item("5")+"a base64-encoded key; this one has 24 characters but contains '-', outside the base64 alphabet.",
			[]string{rfcServerRequirements}, "a valid request with Sec-WebSocket-Key: wsconform-not-base64-key",
			func(r *handshake.Request) { r.Set("Sec-WebSocket-Key", "wsconform-not-base64-key") }),
		refused("15.2.12", "Sec-WebSocket-Key sent twice", "§11.3.1: Sec-WebSocket-Key \"MUST NOT appear more than once in an HTTP request\"; this request carries two valid keys, so the server cannot know which Sec-WebSocket-Accept the client expects, and (RFC 7230 §3.2.2) the combined value is not a key.",
			[]string{rfcKeyField, rfcServerRequirements}, "a valid request with a second Sec-WebSocket-Key field",
			func(r *handshake.Request) { r.Add("Sec-WebSocket-Key", handshake.NewKey()) }),
	}
}

func versionCases() []*Case {
	version := func(id, title, desc, sent string, edit func(*handshake.Request)) *Case {
		return &Case{
			ID: id, Title: title,
			Description: desc + " §4.4: the server MUST abort the handshake (101 FAILS); answering 426 Upgrade Required with Sec-WebSocket-Version: 13 is OK; another refusal, or one without the Sec-WebSocket-Version field, misses the negotiation details: NON-STRICT.",
			Clauses:     []string{rfcVersionMismatch, rfcServerRequirements}, Level: Must,
			Custom: requestCase(sent, edit, versionRefused),
			Labels: []string{"handshake", "handshake-version"},
		}
	}
	set := func(v string) func(*handshake.Request) {
		return func(r *handshake.Request) { r.Set("Sec-WebSocket-Version", v) }
	}
	return []*Case{
		version("15.3.1", "Sec-WebSocket-Version: 0", "Sends version 0, which no draft used.", "a valid request with Sec-WebSocket-Version: 0", set("0")),
		{
			ID: "15.3.2", Title: "Sec-WebSocket-Version: 8",
			Description: "Sends version 8 (draft-ietf-hybi-08 to -12, still sent by old clients), otherwise an RFC 6455 request. A server that only speaks RFC 6455 must refuse it as §4.4 says: 426 Upgrade Required with Sec-WebSocket-Version: 13 is OK, another refusal NON-STRICT. §4.4 lets a server that also understands draft 08 accept it; that is reported NON-STRICT (RFC 6455 defines only version 13, and a draft-08 client expects draft-08 semantics such as Sec-WebSocket-Origin). Any other answer 101 FAILS.",
			Clauses:     []string{rfcVersionMismatch, rfcServerRequirements}, Level: Must,
			Custom: requestCase("a valid request with Sec-WebSocket-Version: 8", set("8"), draftVersionRefused),
			Labels: []string{"handshake", "handshake-version"},
		},
		version("15.3.3", "Sec-WebSocket-Version: 12", "Sends version 12, one below the RFC's.", "a valid request with Sec-WebSocket-Version: 12", set("12")),
		version("15.3.4", "Sec-WebSocket-Version: 14", "Sends version 14, one above the RFC's: a server must not assume a newer version is compatible.", "a valid request with Sec-WebSocket-Version: 14", set("14")),
		version("15.3.5", "No Sec-WebSocket-Version", "Sends no Sec-WebSocket-Version field, which §4.2.1 item 6 requires (and the client's version is then unknown).", "a valid request without Sec-WebSocket-Version",
			func(r *handshake.Request) { r.Del("Sec-WebSocket-Version") }),
		version("15.3.6", "Sec-WebSocket-Version: thirteen", "Sends a version that is not a number.", "a valid request with Sec-WebSocket-Version: thirteen", set("thirteen")),
	}
}

func subprotocolCases() []*Case {
	protocols := func(values ...string) func(*handshake.Request) {
		return func(r *handshake.Request) {
			for _, v := range values {
				r.Add("Sec-WebSocket-Protocol", v)
			}
		}
	}
	const rule = "§4.2.2 item 5.4: the server selects at most one of the offered subprotocols, echoed as sent, or none."
	clauses := []string{rfcServerResponse, rfcProtocolField, rfcClientRequirements}
	return []*Case{
		echoed("15.4.1", "One subprotocol offered", "Offers Sec-WebSocket-Protocol: chat. "+rule, clauses, protocols("chat"), "subprotocol"),
		echoed("15.4.2", "Several subprotocols offered", "Offers Sec-WebSocket-Protocol: chat, superchat, v2.wsconform.test. "+rule, clauses, protocols("chat, superchat, v2.wsconform.test"), "subprotocol"),
		echoed("15.4.3", "Subprotocol list with odd spacing", "Offers \"chat ,\\tsuperchat  ,wamp\": RFC 7230 §7 list syntax with spaces and a tab around the commas. "+rule, clauses, protocols("chat ,\tsuperchat  ,wamp"), "subprotocol"),
		echoed("15.4.4", "Subprotocols split over two fields", "Offers Sec-WebSocket-Protocol: chat and Sec-WebSocket-Protocol: superchat as two fields; §11.3.4 says this is the same as one field with both values. "+rule, clauses, protocols("chat", "superchat"), "subprotocol"),
		echoed("15.4.5", "Subprotocols in mixed case", "Offers Sec-WebSocket-Protocol: Chat, SUPERCHAT. Subprotocol names are compared as sent: a server that selects one must answer it spelled exactly as offered. "+rule, clauses, protocols("Chat, SUPERCHAT"), "subprotocol"),
	}
}

func extensionCases() []*Case {
	offer := func(v string) func(*handshake.Request) {
		return func(r *handshake.Request) { r.Set("Sec-WebSocket-Extensions", v) }
	}
	// A server that refuses the whole handshake over a bad offer has not
	// accepted it, but RFC 7692 §5 asks it to decline just the offer.
	declineWholeHandshake := func(x *exchange, sent string) (Verdict, string) {
		return NonStrict, "sent " + sent + "; " + x.statusText() + ": the offer was not accepted, but the whole handshake was refused; RFC 7692 §5 has a server decline an offer it cannot accept (answer without it) and go on"
	}
	const checked = " If the server accepts permessage-deflate, its parameters must be valid and answer one of the valid offers (RFC 7692 §7.1). The connection is then closed normally (no message is echoed: it could be compressed)."
	labels := []string{"handshake", "handshake-extensions"}
	pmd := func(id, title, desc, sent, value string, refused func(*exchange, string) (Verdict, string)) *Case {
		clauses := []string{rfcPMDNegotiation, rfcPMDParams, rfcClientRequirements}
		p := acceptPlan{sent: sent, edit: offer(value), noEcho: true, check: checkDeflateResponse}
		if refused != nil {
			p.refused = func(x *exchange) (Verdict, string) { return refused(x, sent) }
		}
		return &Case{ID: id, Title: title, Description: desc + checked + responseChecked, Clauses: clauses, Level: Must, Custom: p.run, Labels: append(labels, "permessage-deflate")}
	}
	return []*Case{
		echoed("15.5.1", "Unknown extension offered",
			"Offers Sec-WebSocket-Extensions: x-wsconform-unknown; level=1. §9.1: a server answers only with extensions it supports, so it must ignore this one and accept the handshake.",
			[]string{rfcExtensionList, rfcClientRequirements}, offer("x-wsconform-unknown; level=1"), "handshake-extensions"),
		pmd("15.5.2", "permessage-deflate offered", "Offers permessage-deflate; client_max_window_bits, as browsers do. A server may accept or decline it (answering without the extension) but must accept the handshake.",
			"a valid request offering permessage-deflate; client_max_window_bits", "permessage-deflate; client_max_window_bits", nil),
		pmd("15.5.3", "Extension offers with odd spacing",
			"Offers \"x-wsconform-unknown ,permessage-deflate ;\\tclient_max_window_bits ;  server_no_context_takeover\": RFC 7230 list and RFC 6455 §9.1 parameter syntax with spaces and a tab. The handshake must be accepted.",
			"a valid request offering two extensions with odd spacing", "x-wsconform-unknown ,permessage-deflate ;\tclient_max_window_bits ;  server_no_context_takeover", nil),
		pmd("15.5.4", "permessage-deflate with an unknown parameter", "Offers permessage-deflate; x-wsconform-param. RFC 7692 §5: a server MUST decline an offer with a parameter not defined for offers; accepting it FAILS. Refusing the whole handshake instead: NON-STRICT.",
			"a valid request offering permessage-deflate; x-wsconform-param", "permessage-deflate; x-wsconform-param", declineWholeHandshake),
		pmd("15.5.5", "permessage-deflate with an invalid window size", "Offers permessage-deflate; server_max_window_bits=7. RFC 7692 §7.1.2.1 allows 8 to 15; §5: an offer with an invalid parameter value MUST be declined; accepting it FAILS. Refusing the whole handshake instead: NON-STRICT.",
			"a valid request offering permessage-deflate; server_max_window_bits=7", "permessage-deflate; server_max_window_bits=7", declineWholeHandshake),
		pmd("15.5.6", "Invalid permessage-deflate offer, then a valid one", "Offers permessage-deflate; server_max_window_bits=7, permessage-deflate. The first offer must be declined (RFC 7692 §5); the server may accept the second, and an accepted response must answer it. Refusing the whole handshake: NON-STRICT.",
			"a valid request offering an invalid then a valid permessage-deflate", "permessage-deflate; server_max_window_bits=7, permessage-deflate", declineWholeHandshake),
	}
}

func legacyCases() []*Case {
	legacy := func(id, title, desc, sent string, edit func(*handshake.Request)) *Case {
		return &Case{
			ID: id, Title: title,
			Description: desc + " It has no Sec-WebSocket-Key or Sec-WebSocket-Version, so §4.2.1 requires a refusal; a server that answers 101 speaks a legacy framing without client masking (§10.3) and FAILS. Any refusal is OK.",
			Clauses:     []string{rfcServerRequirements, rfcProxyAttacks}, Level: Must,
			Custom: requestCase(sent, edit, legacyRefused),
			Labels: []string{"handshake", "handshake-legacy", "security"},
		}
	}
	return []*Case{
		legacy("15.6.1", "draft-hixie-76 handshake",
			"Sends a draft-hixie-76 (hybi-00) request: Upgrade: WebSocket, Origin, Sec-WebSocket-Key1/Key2 with spaces and digits, and the 8-octet key3 as a body, as in the draft's example.",
			"a draft-hixie-76 request (Key1, Key2 and the 8-octet body)", hixie76),
		legacy("15.6.2", "draft-hixie-75 handshake",
			"Sends a draft-hixie-75 request: Upgrade: WebSocket, Connection: Upgrade, Host and Origin, nothing else.",
			"a draft-hixie-75 request", hixie75),
		{
			ID: "15.6.3", Title: "Plain HTTP GET on the WebSocket path",
			Description: "Sends an ordinary GET for the target's path, without any upgrade field, and records the answer (an error, a page, or a closed connection). Only a 101 FAILS: nothing asked for an upgrade (§4.2.1).",
			Clauses:     []string{rfcServerRequirements}, Level: Info,
			Custom: requestCase("a plain HTTP GET without upgrade fields", plainGet, plainHTTP),
			Labels: []string{"handshake", "handshake-legacy"},
		},
		{
			ID: "15.6.4", Title: "Origin of another site",
			Description: "Adds Origin: http://wsconform.invalid, a page of another site. §4.2.2 lets a server refuse an origin it does not want (403 Forbidden), §10.2 expects servers reached by browsers to check it; both answers are recorded. An accepted handshake must still be valid." + responseChecked,
			Clauses:     []string{rfcOrigin, rfcServerResponse}, Level: Info,
			Custom: requestCase("a valid request with Origin: http://wsconform.invalid",
				func(r *handshake.Request) { r.Add("Origin", "http://wsconform.invalid") }, originRecorded),
			Labels: []string{"handshake", "security"},
		},
	}
}

// hixie76 turns the request into draft-hixie-76's example handshake, with
// the keys and body of the draft (section 1.3).
func hixie76(r *handshake.Request) {
	hixie75(r)
	r.Add("Sec-WebSocket-Key2", "12998 5 Y3 1  .P00")
	r.Add("Sec-WebSocket-Key1", "4 @1  46546xW%0l 1 5")
	r.Body = []byte("^n:ds[4U")
}

// hixie75 turns the request into a draft-hixie-75 handshake.
func hixie75(r *handshake.Request) {
	r.Del("Sec-WebSocket-Key").Del("Sec-WebSocket-Version")
	r.Set("Upgrade", "WebSocket")
	host, _ := r.Get("Host")
	r.Add("Origin", "http://"+host)
}

// plainGet turns the request into what a browser sends for a page.
func plainGet(r *handshake.Request) {
	r.Del("Upgrade").Del("Sec-WebSocket-Key").Del("Sec-WebSocket-Version")
	r.Set("Connection", "close")
	r.Add("Accept", "text/html")
}

func robustnessCases() []*Case {
	return []*Case{
		{
			ID: "15.7.1", Title: "64 KiB header block",
			Description: "Sends a valid request padded with unknown fields to a 64 KiB header block, then a valid handshake on a new connection. A refusal (431, 400) or a closed connection is OK; accepting is recorded (no RFC sets a limit). The server must still accept the second handshake: an oversized request must not break it (§10.4).",
			Clauses:     []string{rfcLimits, "RFC 7230 §3.2.5"}, Level: Must,
			Custom:  oversizedHeader,
			Timeout: 20 * time.Second,
			Labels:  []string{"handshake", "handshake-robustness"},
		},
		{
			ID: "15.7.2", Title: "Client stops in the middle of the request",
			Description: "Sends the start of a valid request, stopping inside a field name, and measures how long the server holds the connection before closing it or answering (408, 400), up to a 10 s cap. Recorded only: no RFC sets a number, but a server without a handshake timeout can be exhausted by idle connections (§10.4).",
			Clauses:     []string{rfcLimits, "RFC 7230 §6.5"}, Level: Info,
			Custom:  stalledRequest,
			Timeout: stallCap + 10*time.Second,
			Labels:  []string{"handshake", "handshake-robustness"},
		},
	}
}
