package netfuzz

import (
	"context"
	"slices"
	"strings"
	"time"
)

// minimizer shrinks a session by delta debugging while it still shows the
// same symptom, within a budget of sessions.
type minimizer struct {
	f        *fuzzer
	ctx      context.Context
	symptom  string
	budget   int
	deadline time.Duration
	runs     int
	last     *Finding // the finding of the last session that reproduced
}

// reproduces runs s alone and returns its finding if it shows the symptom.
func (m *minimizer) reproduces(s Session) *Finding {
	if m.runs >= m.budget || ended(m.ctx) || !s.withinLimits() {
		return nil
	}
	m.runs++
	got := try(m.ctx, m.f.target, m.deadline, m.f.cfg.RecoverWait, s)
	if got == nil || got.Symptom() != m.symptom {
		return nil
	}
	m.last = got
	return got
}

func (m *minimizer) test(s Session) bool { return m.reproduces(s) != nil }

// minimize returns the smallest session found that still shows the
// symptom, and the finding it gave. first is the finding of s itself.
func (m *minimizer) minimize(s Session, first *Finding) (Session, *Finding) {
	m.last = first
	for round := 0; round < 3; round++ {
		before := s.Size() + len(s.Steps)
		s = m.request(s)
		s = m.steps(s)
		s = m.payloads(s)
		s = m.fields(s)
		if s.Size()+len(s.Steps) == before {
			break
		}
	}
	return s, m.last
}

// request tries the target's plain valid request instead of the session's
// (keeping its permessage-deflate offer, which its frames may need).
func (m *minimizer) request(s Session) Session {
	plain := m.f.target.NewRequest()
	if ext, ok := s.Request.Get("Sec-WebSocket-Extensions"); ok {
		plain.Set("Sec-WebSocket-Extensions", ext)
	}
	if string(plain.Bytes()) == string(s.Request.Bytes()) {
		return s
	}
	c := s.clone()
	c.Request = plain
	if m.test(c) {
		return c
	}
	return s
}

// steps is ddmin over the steps: remove chunks of halving size while the
// symptom stays.
func (m *minimizer) steps(s Session) Session {
	if len(s.Steps) > 0 {
		c := s.clone()
		c.Steps = nil
		if m.test(c) {
			return c
		}
	}
	n := 2
	for len(s.Steps) >= 2 {
		chunk := (len(s.Steps) + n - 1) / n
		reduced := false
		for start := 0; start < len(s.Steps); start += chunk {
			c := s.clone()
			c.Steps = slices.Delete(c.Steps, start, min(start+chunk, len(c.Steps)))
			if m.test(c) {
				s, reduced = c, true
				n = max(n-1, 2)
				break
			}
		}
		if !reduced {
			if n >= len(s.Steps) {
				break
			}
			n = min(2*n, len(s.Steps))
		}
	}
	return s
}

// payloads shortens each step's payload (and its raw octets), and writes
// each step at once rather than chopped.
func (m *minimizer) payloads(s Session) Session {
	for i := range s.Steps {
		if s.Steps[i].Chop != 0 {
			c := s.clone()
			c.Steps[i].Chop = 0
			if m.test(c) {
				s = c
			}
		}
		s = m.shrink(s, func(c *Session) *[]byte {
			if c.Steps[i].Raw != nil {
				return &c.Steps[i].Raw
			}
			return &c.Steps[i].Frame.Payload
		})
	}
	return s
}

// fields removes request fields one at a time and shortens long values.
func (m *minimizer) fields(s Session) Session {
	for i := len(s.Request.Header) - 1; i >= 0; i-- {
		c := s.clone()
		c.Request.Header = slices.Delete(c.Request.Header, i, i+1)
		if m.test(c) {
			s = c
			continue
		}
		if len(s.Request.Header[i].Value) > 32 {
			s = m.shrinkString(s, func(c *Session) *string { return &c.Request.Header[i].Value })
		}
		if len(s.Request.Header[i].Name) > 32 {
			s = m.shrinkString(s, func(c *Session) *string { return &c.Request.Header[i].Name })
		}
	}
	return s
}

// shrink cuts the octets at(s) points to while the symptom stays: empty,
// else the shortest prefix, then the shortest suffix of that, each found by
// bisection (to within a 32nd of the length, so that a finding whose
// symptom needs a length past some limit does not crawl there octet by
// octet, a restart of the target each time).
func (m *minimizer) shrink(s Session, at func(*Session) *[]byte) Session {
	p := *at(&s)
	if len(p) == 0 {
		return s
	}
	with := func(q []byte) Session {
		c := s.clone()
		*at(&c) = slices.Clone(q)
		return c
	}
	if c := with(nil); m.test(c) {
		return c
	}
	n := bisect(len(p), func(k int) bool { return m.test(with(p[:k])) })
	p = p[:n]
	k := bisect(len(p), func(k int) bool { return m.test(with(p[len(p)-k:])) })
	return with(p[len(p)-k:])
}

func (m *minimizer) shrinkString(s Session, at func(*Session) *string) Session {
	v := *at(&s)
	with := func(k int) Session {
		c := s.clone()
		*at(&c) = strings.Clone(v[:k])
		return c
	}
	return with(bisect(len(v), func(k int) bool { return m.test(with(k)) }))
}

// bisect returns the smallest k in (0, n] for which ok(k) holds, to within
// n/32, given that ok(n) holds (and assuming ok is monotone, as a length
// limit is; if it is not, the k returned still satisfies ok).
func bisect(n int, ok func(k int) bool) int {
	lo, hi := 0, n
	for hi-lo > max(1, n/32) {
		mid := (lo + hi) / 2
		if ok(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}
