package harness

import "time"

// OnIndex is onIndex, for the tests of the indexed scenario space.
var OnIndex = onIndex

// SetScaleEvery sets how often an indexed check logs its progress, and
// returns what restores it.
func SetScaleEvery(d time.Duration) (restore func()) {
	prev := scaleEvery
	scaleEvery = d
	return func() { scaleEvery = prev }
}

// DistinctEstimate adds hashes to a fresh HyperLogLog sketch and returns
// its estimate.
func DistinctEstimate(hashes []uint64) int {
	var s hll
	for _, h := range hashes {
		s.add(h)
	}
	return s.estimate()
}

// CountSoak makes a check keep a soak's counts (points faulted, distinct
// orders) whatever it explores, for benchmarks that soak by count.
func CountSoak() Option {
	return optionFunc(func(c *config) { c.scale.stats = newSoakStats() })
}

// Part is part, for the tests of a check's children.
var Part = part
