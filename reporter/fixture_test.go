package reporter_test

import (
	"time"

	"github.com/wsconform/wsconform/cases"
	"github.com/wsconform/wsconform/cases/observed"
)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// fixtureRun is a fixed results model with one result of each kind the
// renderers treat differently: OK, NON-STRICT, FAILED with a wrong close
// code, UNIMPLEMENTED, INFORMATIONAL, NOT RUN, and a performance case.
func fixtureRun(agent string) *cases.Run {
	ok := cases.Result{
		ID: "1.1.1", Title: "Text message, payload length 0",
		Description: "Sends a text frame of 0 octets; the target must echo it.",
		Clauses:     []string{"RFC 6455 §5.2", "RFC 6455 §5.6"}, Level: cases.Must,
		Labels:   []string{"section:1", "group:1.1", "level:MUST"},
		Behavior: cases.OK, BehaviorClose: cases.CloseOK,
		Reason: "received events match the OK outcome", CloseReason: "the connection was closed as expected (close code 1000)",
		Expected:      []cases.ExpectedOutcome{{Verdict: cases.OK, Events: []string{`text message (0 octets) ""`}}},
		ExpectedClose: &cases.CloseExpectView{ClosedByMe: true, Codes: []int{1000}, RequireClean: true},
		Observed:      []string{`text message (0 octets) ""`},
		Close: &observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, LocalCode: observed.Code(1000),
			RemoteCode: observed.Code(1000), Clean: true, ClosedAt: 3 * time.Millisecond},
		Handshake: &observed.Handshake{
			Request:  "GET / HTTP/1.1\r\nHost: 127.0.0.1:9001\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			Response: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
			Status:   101, Duration: 400 * time.Microsecond,
		},
		Started: t0, Duration: 3 * time.Millisecond, FailFastOffset: -1,
		WireLog: []observed.Entry{
			{At: 100 * time.Microsecond, Dir: observed.Note, Text: "TCP connected to 127.0.0.1:9001"},
			{At: 500 * time.Microsecond, Dir: observed.Sent, Frame: "text frame fin=true rsv=0 len=0 mask=01020304"},
			{At: 510 * time.Microsecond, Dir: observed.Sent, Octets: 6, Hex: "818001020304"},
			{At: 900 * time.Microsecond, Dir: observed.Received, Octets: 2, Hex: "8100"},
			{At: 910 * time.Microsecond, Dir: observed.Received, Frame: "text frame fin=true rsv=0 len=0"},
		},
		Reproduce: "wsconform run ws://127.0.0.1:9001/ --cases 1.1.1",
	}
	nonStrict := ok
	nonStrict.ID, nonStrict.Title = "3.2", "Valid text, then text with RSV field 2, then ping"
	nonStrict.Labels = []string{"section:3", "group:3", "level:MUST"}
	nonStrict.Behavior, nonStrict.Reason = cases.NonStrict, "received events match the NON-STRICT outcome"
	nonStrict.Observed, nonStrict.FailFastOffset = []string{}, 44
	nonStrict.Close = &observed.CloseState{SentClose: true, ReceivedClose: true, RemoteCode: observed.Code(1002), LocalCode: observed.Code(1002), Clean: true}
	nonStrict.CloseReason = "the connection was closed as expected (close code 1002)"
	nonStrict.Reproduce = "wsconform run ws://127.0.0.1:9001/ --cases 3.2"

	failed := ok
	failed.ID, failed.Title = "7.3.2", "Close frame with a 1-octet body"
	failed.Labels = []string{"section:7", "group:7.3", "level:MUST"}
	failed.Clauses = []string{"RFC 6455 §5.5.1"}
	failed.Behavior, failed.BehaviorClose = cases.Failed, cases.CloseWrongCode
	failed.Reason = "the target's close code 1000 (normal closure) is not one of [1002]"
	failed.CloseReason = failed.Reason
	failed.Close = &observed.CloseState{SentClose: true, ReceivedClose: true, ClosedByMe: true, RemoteCode: observed.Code(1000),
		RemoteReason: "bye", Clean: true}
	failed.Error = ""
	failed.Reproduce = "wsconform run ws://127.0.0.1:9001/ --cases 7.3.2"

	unimpl := ok
	unimpl.ID, unimpl.Title, unimpl.Labels = "12.1.1", "permessage-deflate, text, 16 octets", []string{"section:12", "level:MAY"}
	unimpl.Level = cases.May
	unimpl.Behavior, unimpl.Reason = cases.Unimplemented, "the target did not accept permessage-deflate"
	unimpl.WireLog, unimpl.Close = nil, nil
	unimpl.Reproduce = "wsconform run ws://127.0.0.1:9001/ --cases 12.1.1"

	info := ok
	info.ID, info.Title, info.Level = "7.1.6", "Close while a large message is being sent", cases.Info
	info.Behavior, info.BehaviorClose = cases.Informational, cases.CloseInformational
	info.Reason = "behaviour recorded only: received []; close code 1000"
	info.Reproduce = "wsconform run ws://127.0.0.1:9001/ --cases 7.1.6"

	perf := ok
	perf.ID, perf.Title = "9.1.1", "Text message, 64 KiB"
	perf.Perf = &cases.PerfStats{Messages: 1, OctetsSent: 65536, OctetsEchoed: 65536, ThroughputMBps: 131.072}
	perf.Duration = 500 * time.Microsecond
	perf.Reproduce = "wsconform run ws://127.0.0.1:9001/ --cases 9.1.1"

	notRun := cases.Result{
		ID: "10.1.1", Title: "Text message of 65536 octets, 65536-octet fragments", Clauses: []string{"RFC 6455 §5.4"},
		Level: cases.Must, Behavior: cases.NotRun, BehaviorClose: cases.CloseNotRun,
		Reason: "not run: interrupted", CloseReason: "not run: interrupted", Observed: []string{}, FailFastOffset: -1,
	}
	return &cases.Run{
		Schema: cases.SchemaVersion, Tool: "wsconform test",
		Target:    cases.TargetInfo{URL: "ws://127.0.0.1:9001/", Agent: agent},
		Selection: cases.Selection{Parallel: 4, Scale: 1},
		Started:   t0, Duration: 1500 * time.Millisecond, Interrupted: true,
		Results: []cases.Result{ok, nonStrict, info, failed, perf, notRun, unimpl},
	}
}
