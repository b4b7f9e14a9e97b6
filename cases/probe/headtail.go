package probe

// headTail keeps the first items of a stream and a ring of the latest ones;
// what is pushed out of the ring is returned so the owner can count it.
// The event list and the wire log both stay within a fixed budget this way.
type headTail[T any] struct {
	head []T
	tail []T // ring of the latest items once head is full
	next int // where the next tail item goes (the oldest tail item)
}

// push adds v, keeping at most headCap first and tailCap last items; it
// returns the item that fell out of the ring, if one did.
func (h *headTail[T]) push(v T, headCap, tailCap int) (dropped T, ok bool) {
	if len(h.head) < headCap {
		h.head = append(h.head, v)
		return dropped, false
	}
	if len(h.tail) < tailCap {
		h.tail = append(h.tail, v)
		return dropped, false
	}
	dropped = h.tail[h.next]
	h.tail[h.next] = v
	h.next = (h.next + 1) % tailCap
	return dropped, true
}

// kept is how many items are held.
func (h *headTail[T]) kept() int { return len(h.head) + len(h.tail) }

// oldestTail is the earliest item of the ring (it follows whatever was dropped).
func (h *headTail[T]) oldestTail() T { return h.tail[h.next] }

// appendTail appends the ring's items in order to out.
func (h *headTail[T]) appendTail(out []T) []T {
	out = append(out, h.tail[h.next:]...)
	return append(out, h.tail[:h.next]...)
}
