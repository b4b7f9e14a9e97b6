package serverfuzz

import "math/rand/v2"

// Generate returns the seeds followed by n inputs derived from them the way
// a fuzzing engine's mutator does (a few random octet changes, insertions
// and deletions), always the same ones: a deterministic stand-in for a
// short fuzzing run, for tests that must not depend on time or load.
func Generate(n int) [][]byte {
	rng := rand.New(rand.NewPCG(12, 0))
	seeds := Seeds()
	out := append([][]byte(nil), seeds...)
	for range n {
		out = append(out, mutate(rng, seeds[rng.IntN(len(seeds))]))
	}
	return out
}

func mutate(rng *rand.Rand, seed []byte) []byte {
	b := append([]byte(nil), seed...)
	for range 1 + rng.IntN(4) {
		switch op := rng.IntN(4); {
		case len(b) == 0 || op == 0:
			i := rng.IntN(len(b) + 1)
			b = append(b[:i], append([]byte{byte(rng.Uint32())}, b[i:]...)...)
		case op == 1:
			b[rng.IntN(len(b))] = byte(rng.Uint32())
		case op == 2:
			b[rng.IntN(len(b))] ^= 1 << rng.IntN(8)
		default:
			i := rng.IntN(len(b))
			b = append(b[:i], b[i+1:]...)
		}
	}
	return b
}
