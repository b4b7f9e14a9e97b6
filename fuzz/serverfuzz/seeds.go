package serverfuzz

// Seeds are starting inputs in the decoder's format, one per protocol area:
// echo, fragmentation with control frames between fragments, each length
// encoding, lying lengths, close codes, permessage-deflate (plain, with
// parameters, corrupt, a bomb), pipelining, and a few handshake changes.
// None of them is a bug trigger; the fuzzer is to find those.
func Seeds() [][]byte {
	valid := handshakeOctet(0, false)
	deflated := handshakeOctet(1, false)
	return [][]byte{
		{},
		cat(valid, textMsg(1, 0, "Hello"), closeCode(0)),
		cat(valid, binMsg(3, 0x04|0x08, "fragmented binary message"), pingStep("p"), closeCode(0)),
		cat(valid, textMsg(2, 0, "κόσμε split"), pongStep(""), closeEmpty()),
		cat(valid, textMsg(1, 0x02, "raw\xce\xba\xe1"), closeCode(0)),
		cat(valid, longMsg(false, 1, 0xc0+1), longMsg(true, 2, 0xc0+5), closeCode(0)),
		cat(valid, rawFrame(0x81, 0x02, "7-bit"), rawFrame(0x82, 0x04, "16-bit"), rawFrame(0x82, 0x06, "64-bit"), closeCode(0)),
		cat(valid, rawFrame(0x82, 0x30, "lie"), 0),
		cat(valid, rawFrame(0x81, 0x20, "one more")),
		cat(valid, rawFrame(0x92, 0x00, "rsv"), rawFrame(0x83, 0x00, "reserved opcode")),
		cat(valid, openFragment(true, "open"), pingStep("in"), continuation(false, "more"), continuation(true, "end"), closeCode(8)),
		cat(valid, continuation(true, "stray")),
		cat(valid, closeReason("bye")),
		cat(valid, closeInvalid(3)),
		cat(valid, []byte{kindSpecial | 3<<3, 10}, closeCode(0)),
		cat(deflated, textMsg(1, 0x01, "compressed hello hello hello"), binMsg(3, 0x01|0x04, "compressed and fragmented"), closeCode(0)),
		cat(handshakeOctet(2, false), 0x03, textMsg(1, 0x01, "no context takeover"), textMsg(1, 0x01, "no context takeover"), closeCode(0)),
		cat(handshakeOctet(2, false), 0x1f, textMsg(1, 0x01, "window bits")),
		cat(deflated, []byte{kindSpecial | 1<<3, 4, 'x', 'y', 'z', 'w'}, closeCode(0)),
		cat(deflated, []byte{kindSpecial | 2<<3}, closeCode(0)),
		cat(handshakeOctet(0, true), textMsg(1, 0, "pipelined"), pingStep("p"), closeCode(0)),
		cat(handshakeOctet(0, false)|0x20, textMsg(1, 0, "subprotocol offered")),
		cat(handshakeOctet(0, false)|5, 6, textMsg(1, 0, "no key")),
		cat(handshakeOctet(0, false)|6, 2|4<<3, textMsg(1, 0, "long header line")),
		cat(handshakeOctet(0, false)|6, 4, textMsg(1, 0, "with a body")),
	}
}

// handshakeOctet is the session's first octet: a valid request with the
// extension offer ext (0 none, 1 permessage-deflate, 2 with parameters).
func handshakeOctet(ext byte, pipeline bool) byte {
	b := ext << 3
	if pipeline {
		b |= 0x40
	}
	return b
}

func cat(parts ...any) []byte {
	var out []byte
	for _, p := range parts {
		switch p := p.(type) {
		case byte:
			out = append(out, p)
		case int:
			out = append(out, byte(p))
		case []byte:
			out = append(out, p...)
		}
	}
	return out
}

func withPayload(head []byte, p string) []byte {
	return append(append(head, byte(len(p))), p...)
}

func textMsg(fragments int, flags byte, p string) []byte {
	return withPayload([]byte{kindMessage | 8 | byte(fragments-1)<<4, flags}, p)
}

func binMsg(fragments int, flags byte, p string) []byte {
	return withPayload([]byte{kindMessage | byte(fragments-1)<<4, flags}, p)
}

// longMsg is a message of a long length: l is 192 + an index in longLengths.
func longMsg(text bool, fragments int, l byte) []byte {
	k := kindMessage | byte(fragments-1)<<4
	if text {
		k |= 8
	}
	return []byte{k, 0, l, 'q'}
}

func pingStep(p string) []byte { return withPayload([]byte{kindPing}, p) }
func pongStep(p string) []byte { return withPayload([]byte{kindPong}, p) }

func closeEmpty() []byte                    { return []byte{kindClose, 0} }
func closeCode(i byte) []byte               { return []byte{kindClose, 2 | i<<3} }
func closeInvalid(i byte) []byte            { return []byte{kindClose, 4 | i<<3} }
func closeReason(r string) []byte           { return append([]byte{kindClose, 5 | byte(len(r))<<3}, r...) }
func rawFrame(b0, b1 byte, p string) []byte { return withPayload([]byte{kindRaw, b0, b1}, p) }

func openFragment(text bool, p string) []byte {
	k := byte(kindOpenFragment)
	if text {
		k |= 8
	}
	return withPayload([]byte{k}, p)
}

func continuation(fin bool, p string) []byte {
	k := byte(kindContinuation)
	if fin {
		k |= 8
	}
	return withPayload([]byte{k}, p)
}
