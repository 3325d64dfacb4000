package pcapgen

import (
	"math/bits"
	"math/rand/v2"
	"time"
)

// Rand is the only source of variation in generated traffic: identifiers
// (Call-IDs, tags, branches, nonces) and timing jitter all come from it. It
// is seeded explicitly, never from the clock, so the same seed always gives
// the same bytes.
//
// Only the PCG generator's raw 64-bit output is used, and every derived
// value (bounded integers, probabilities) is computed here: PCG is a fixed,
// published algorithm, while the helpers of math/rand/v2 carry no promise
// that their output stays the same across Go releases.
type Rand struct {
	pcg *rand.PCG
}

// NewRand returns a Rand seeded with seed.
func NewRand(seed uint64) *Rand {
	// The second PCG word is a fixed constant so that a single seed is enough.
	return &Rand{pcg: rand.NewPCG(seed, 0x5195a7c4d1b2e3f6)}
}

// Uint64 returns a random 64-bit value.
func (r *Rand) Uint64() uint64 { return r.pcg.Uint64() }

// IntN returns a number in [0, n), or 0 when n <= 0. It takes the high word
// of a 64x64-bit product (Lemire's multiply-shift); the bias is below
// n/2^64, invisible at the sizes used here.
func (r *Rand) IntN(n int) int {
	if n <= 0 {
		return 0
	}
	hi, _ := bits.Mul64(r.Uint64(), uint64(n))
	return int(hi)
}

// Uint32 returns a random 32-bit value.
func (r *Rand) Uint32() uint32 { return uint32(r.Uint64() >> 32) }

// Chance reports whether an event with probability p happens.
func (r *Rand) Chance(p float64) bool {
	return float64(r.Uint64()>>11)/(1<<53) < p
}

// Between returns a duration in [lo, hi), with millisecond granularity so
// that timestamps read naturally in packet listings.
func (r *Rand) Between(lo, hi time.Duration) time.Duration {
	span := int64((hi - lo) / time.Millisecond)
	if span <= 0 {
		return lo
	}
	return lo + time.Duration(r.IntN(int(span)))*time.Millisecond
}

const hexDigits = "0123456789abcdef"

// Hex returns n lower-case hex digits.
func (r *Rand) Hex(n int) string {
	return string(r.AppendHex(make([]byte, 0, n), n))
}

// AppendHex appends n lower-case hex digits to b.
func (r *Rand) AppendHex(b []byte, n int) []byte {
	for n > 0 {
		v := r.Uint64()
		for i := 0; i < 16 && n > 0; i++ {
			b = append(b, hexDigits[v&0xf])
			v >>= 4
			n--
		}
	}
	return b
}

// Bytes fills p with random bytes.
func (r *Rand) Bytes(p []byte) {
	for i := 0; i < len(p); i += 8 {
		v := r.Uint64()
		for j := i; j < len(p) && j < i+8; j++ {
			p[j] = byte(v)
			v >>= 8
		}
	}
}

// Branch returns a Via branch parameter with the RFC 3261 §8.1.1.7 magic
// cookie "z9hG4bK".
func (r *Rand) Branch() string { return "z9hG4bK" + r.Hex(20) }

// Tag returns a From or To tag (RFC 3261 §19.3: at least 32 bits of
// randomness).
func (r *Rand) Tag() string { return r.Hex(10) }

// CallID returns a globally unique looking Call-ID, "hex@host".
func (r *Rand) CallID(host string) string { return r.Hex(24) + "@" + host }
