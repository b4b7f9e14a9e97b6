package cases

// NotOverHTTP2 is why c cannot run on a WebSocket carried by an HTTP/2
// stream (RFC 8441), "" when it can: the frame-level catalogue is the same
// over a stream, the HTTP/1.1 opening handshake is not.
func (c *Case) NotOverHTTP2() string {
	switch {
	case c.API != nil || c.ClientRule != nil:
		return "a case that tests clients"
	case c.Intermediary != nil:
		return "an intermediary case (section 19): it compares HTTP/1.1 handshakes at both ends of a proxy"
	case c.Handshake != nil:
		return "an HTTP/1.1 opening-handshake case: over HTTP/2 the handshake is an extended CONNECT (RFC 8441 §4), which section 20 tests"
	}
	return ""
}

// OverHTTP2 splits cs into the cases that run over HTTP/2 and those that
// do not.
func OverHTTP2(cs []*Case) (run, left []*Case) {
	for _, c := range cs {
		if c.NotOverHTTP2() == "" {
			run = append(run, c)
		} else {
			left = append(left, c)
		}
	}
	return run, left
}
