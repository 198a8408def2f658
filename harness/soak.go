package harness

import (
	"fmt"
	"math"
	"math/bits"
	"runtime/metrics"
	"slices"
	"time"
)

// Soak mode's bookkeeping: what a long check tells every few seconds, in
// memory that does not grow with the number of scenarios: the fault points
// at which a planned fault fired (a set bounded by the task's points), and
// the number of distinct orders in which the calls began and returned
// (interleavings, see orderDigest),
// estimated by a HyperLogLog sketch of 4 KiB (about 1.6% standard error).

// soakStats counts what a soak's scenarios did. runScenario feeds it
// (observe) with the run's lock held; the check's goroutine reads it
// between scenarios. Scenarios run one at a time, so no lock of its own.
type soakStats struct {
	faulted map[string]bool // points where a planned fault fired
	orders  hll
}

func newSoakStats() *soakStats { return &soakStats{faulted: map[string]bool{}} }

// observe folds one finished run into s. Call with r.mu held.
func (s *soakStats) observe(r *run) {
	r.points.Fired(func(name string) {
		if !s.faulted[name] {
			s.faulted[name] = true
		}
	})
	s.orders.add(r.orderDigest())
}

// line sums s up after ran scenarios: "1200 scenarios, 9 points faulted,
// ~310 distinct orders, live heap 3.1 MiB".
func (s *soakStats) line(ran int) string {
	return fmt.Sprintf("%d scenarios, %d points faulted, ~%d distinct orders of calls, live heap %.1f MiB",
		ran, len(s.faulted), s.orders.estimate(), float64(liveHeap())/(1<<20))
}

// liveHeap returns the bytes of heap live after the last GC.
func liveHeap() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}

// orderDigest hashes the order in which the scenario's calls began and
// returned: the interleaving, each call named by its operation and its
// lane, lanes numbered as they first appear (so that two scenarios whose
// calls interleave alike, whatever their delays and lane names, count
// once). Call with r.mu held.
func (r *run) orderDigest() uint64 {
	type mark struct {
		seq  int64
		call int
		end  bool
	}
	var buf [64]mark
	marks := buf[:0]
	for i, c := range r.calls {
		marks = append(marks, mark{c.startSeq, i, false})
		if c.returned {
			marks = append(marks, mark{c.endSeq, i, true})
		}
	}
	slices.SortFunc(marks, func(a, b mark) int { return int(a.seq - b.seq) })
	var lanes [16]string
	seen := 0
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	for _, m := range marks {
		c := r.calls[m.call]
		lane := 0
		for lane < seen && lanes[lane] != c.who {
			lane++
		}
		if lane == seen && seen < len(lanes) {
			lanes[seen] = c.who
			seen++
		}
		end := uint64(0)
		if m.end {
			end = 1
		}
		h = (h ^ uint64(lane)<<8 ^ uint64(c.op)<<2 ^ end) * prime
	}
	return h
}

// hll is a HyperLogLog sketch of 2^hllBits one-byte registers.
type hll struct {
	reg [1 << hllBits]uint8
}

const hllBits = 12

// add counts the item whose hash is h.
func (s *hll) add(h uint64) {
	h = scenarioSeed(h, 0) // mix: FNV's low bits are not uniform enough
	i := h >> (64 - hllBits)
	rank := uint8(bits.LeadingZeros64(h<<hllBits|1<<(hllBits-1)) + 1)
	if rank > s.reg[i] {
		s.reg[i] = rank
	}
}

// estimate returns the estimated number of distinct items added.
func (s *hll) estimate() int {
	const m = float64(len(s.reg))
	sum, zeros := 0.0, 0
	for _, r := range s.reg {
		sum += math.Ldexp(1, -int(r))
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / sum
	if e <= 2.5*m && zeros > 0 {
		e = m * math.Log(m/float64(zeros)) // linear counting for small sets
	}
	return int(e + 0.5)
}

// scaleTicker says every progressEvery how far an indexed check got: on
// a soak, with what soakStats counts and the time left.
type scaleTicker struct {
	cfg        *config
	start, end time.Time
	next       time.Time
}

// scaleEvery is how often an indexed check says how far it got (a
// variable for tests).
var scaleEvery = progressEvery

func newScaleTicker(cfg *config, start, end time.Time) *scaleTicker {
	return &scaleTicker{cfg: cfg, start: start, end: end, next: start.Add(scaleEvery)}
}

// tick logs when it is time to; it looks at the clock once every 64
// scenarios.
func (t *scaleTicker) tick(ran int) {
	if ran%64 != 0 || t.cfg.logf == nil && t.cfg.scale.ticker == nil {
		return
	}
	now := time.Now()
	if now.Before(t.next) {
		return
	}
	t.next = now.Add(scaleEvery)
	elapsed := now.Sub(t.start).Round(time.Second)
	line := fmt.Sprintf("reaptest: %d scenarios so far, no failure (%s)", ran, elapsed)
	if s := t.cfg.scale.stats; s != nil {
		line = fmt.Sprintf("reaptest: soak: %s, no failure (%s of %s)", s.line(ran), elapsed, t.end.Sub(t.start))
	}
	if t.cfg.scale.ticker != nil {
		t.cfg.scale.ticker(line)
		return
	}
	t.cfg.logf("%s", line)
}
