package scenarios

import (
	"math/bits"

	"pgregory.net/rapid"
)

// uniform returns a generator of ints uniform over 0..n-1 (n >= 1).
//
// rapid's integer draws (IntRange, SampledFrom) favour small values on
// purpose: they pick a bit length first, short ones most often. For a
// choice that must be fair — which point a fault goes to, which hit —
// that gave the first of ten points 2.3 times its share and hit 1 of a
// 100-hit loop 3.4 times its share. uniform draws the value's bits one by
// one with rapid.Bool, one unbiased bit each, most significant first, and
// draws again when the value is n or more (less than one time in two), so
// every value is equally likely. Shrinking still moves toward 0: rapid
// shrinks each bit toward false, and a high bit cleared lowers the value
// more than any low bit set.
func uniform(n int) *rapid.Generator[int] {
	if n <= 1 {
		return rapid.Just(0)
	}
	width := bits.Len(uint(n - 1))
	bit := rapid.Bool()
	return rapid.Custom(func(t *rapid.T) int {
		for {
			v := 0
			for range width {
				v <<= 1
				if bit.Draw(t, "bit") {
					v |= 1
				}
			}
			if v < n {
				return v
			}
		}
	})
}

// pick returns a generator of the elements of values, each equally
// likely, shrinking toward the first.
func pick[E any](values []E) *rapid.Generator[E] {
	idx := uniform(len(values))
	return rapid.Custom(func(t *rapid.T) E { return values[idx.Draw(t, "index")] })
}
