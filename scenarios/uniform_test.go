package scenarios

import (
	"flag"
	"fmt"
	"math"
	"math/bits"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"
)

// uniform(n) draws every value of 0..n-1 about n-th of the time, small
// and large alike (rapid.IntRange gives 0 several times its share).
func TestUniform(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 8, 100} {
		gen := uniform(n)
		const per = 400
		counts := make([]int, n)
		for i := range n * per {
			v := gen.Example(i)
			if v < 0 || v >= n {
				t.Fatalf("uniform(%d) drew %d", n, v)
			}
			counts[v]++
		}
		// A chi-square test at about 1 in 10^4: each value is expected
		// per times.
		chi := 0.0
		for _, c := range counts {
			chi += float64((c-per)*(c-per)) / per
		}
		if limit := chiLimit(n - 1); n > 1 && chi > limit {
			t.Errorf("uniform(%d): chi-square %.1f over %d degrees of freedom, above %.1f: counts %v", n, chi, n-1, limit, counts)
		}
	}
}

// chiLimit is a chi-square value that k degrees of freedom exceed about
// once in 10^4 (Wilson–Hilferty, z = 3.72).
func chiLimit(k int) float64 {
	f := float64(k)
	x := 1 - 2/(9*f) + 3.72*math.Sqrt(2/(9*f))
	return f * x * x * x
}

// Shrinking a uniform draw still moves it toward 0, and a pick toward the
// first value: a property that fails from index 37 up shrinks to an index
// from which no set bit can be cleared without passing (rapid shrinks the
// bits one by one, so 4 = 0b100 stays when 3 = 0b011 is the least that
// fails), at most the next power of two.
func TestUniformShrinks(t *testing.T) {
	noFailFiles(t)
	for _, tc := range []struct {
		gen  *rapid.Generator[int]
		want int // the least failing value; values are index+base
		base int
	}{
		{uniform(100), 37, 0},
		{uniform(1000), 300, 0},
		{pick([]int{5, 6, 7, 8, 9, 10}), 8, 5},
	} {
		var mu sync.Mutex
		last := -1
		tb := &quietTB{}
		rapid.Check(tb, func(rt *rapid.T) {
			v := tc.gen.Draw(rt, "v")
			if v >= tc.want {
				mu.Lock()
				last = v
				mu.Unlock()
				rt.Fatalf("%d", v)
			}
		})
		if !tb.failed {
			t.Fatalf("no draw reached %d in rapid's checks", tc.want)
		}
		idx, least := last-tc.base, tc.want-tc.base
		if idx < least || idx > 1<<bits.Len(uint(least)) {
			t.Errorf("shrank to %d, want %d..%d", last, tc.want, tc.base+1<<bits.Len(uint(least)))
		}
		for b := 1; b <= idx; b <<= 1 {
			if idx&b != 0 && idx&^b >= least {
				t.Errorf("shrank to %d: index %d fails with bit %d cleared too", last, idx, b)
			}
		}
	}
}

// Gen's point draws are what the README says: with m points hit h_p
// times each (k = Σ h_p steps), a fault lands on point p with probability
// 1/4 · 1/m + 3/4 · h_p/k, at hit h of p uniformly, one in sixteen at every
// hit; a scenario has 0..4 faults as pointCounts says; the exit
// is lost one time in eight and delivered four or five times one in
// eight. Before the draws were made uniform the first of ten points got
// 12.8% of the faults for the 5.5% stated, and hit 1 of the 100-hit loop
// 2.6% of its faults for 0.75% (16 standard deviations off).
func TestGenDrawsUniform(t *testing.T) {
	names := []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "loop"}
	hits := []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 100}
	gen := Gen(Shape{Points: names, Hits: hits})
	const n = 20000
	perPoint := map[string]int{}
	loopHits := map[int]int{}
	counts := make([]int, 5)
	deliveries := map[int]int{}
	total := 0
	for i := range n {
		sc := gen.Example(i)
		counts[len(sc.Points)]++
		deliveries[len(sc.Deliveries)]++
		for _, f := range sc.Points {
			total++
			perPoint[f.Name]++
			if f.Name == "loop" {
				loopHits[f.Hit]++
			}
		}
	}
	// near checks a count of got in trials against probability p, within
	// five standard deviations (the draws are rapid's fixed examples, so
	// the counts are the same on every run).
	near := func(what string, got, trials int, p float64) {
		t.Helper()
		sd := math.Sqrt(float64(trials) * p * (1 - p))
		if math.Abs(float64(got)-float64(trials)*p) > 5*sd {
			t.Errorf("%s = %.2f%% (%d of %d), want %.2f%% ± %.2f%%", what, 100*float64(got)/float64(trials), got, trials, 100*p, 500*sd/float64(trials))
		}
	}
	k := 109.0
	for i, name := range names {
		want := 0.25/10 + 0.75*float64(hits[i])/k
		near(fmt.Sprintf("share of faults at %s", name), perPoint[name], total, want)
	}
	loop := perPoint["loop"]
	near("share of the loop's faults at hit 1", loopHits[1], loop, 15.0/16*0.01)
	near("share of the loop's faults at hit 50", loopHits[50], loop, 15.0/16*0.01)
	near("share of the loop's faults at hit 100", loopHits[100], loop, 15.0/16*0.01)
	near("share of the loop's faults at every hit", loopHits[0], loop, 1.0/16)
	for c, got := range counts {
		want := 0
		for _, v := range pointCounts {
			if v == c {
				want++
			}
		}
		near(fmt.Sprintf("scenarios with %d faults", c), got, n, float64(want)/float64(len(pointCounts)))
	}
	near("scenarios that lose the exit", deliveries[0], n, 1.0/8)
	near("scenarios with 4 or 5 deliveries", deliveries[4]+deliveries[5], n, 1.0/8)
}

// noFailFiles keeps rapid from writing fail files for a test's own
// deliberately failing properties.
func noFailFiles(t *testing.T) {
	f := flag.Lookup("rapid.nofailfile")
	if f == nil {
		t.Fatal("rapid's -rapid.nofailfile flag is not registered")
	}
	old := f.Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = flag.Set("rapid.nofailfile", old) })
}

// quietTB is a rapid.TB that records a failure instead of failing a test.
type quietTB struct {
	mu     sync.Mutex
	failed bool
	msgs   []string
}

func (q *quietTB) Helper()      {}
func (q *quietTB) Name() string { return "quiet" }
func (q *quietTB) Logf(format string, args ...any) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, fmt.Sprintf(format, args...))
}
func (q *quietTB) Log(args ...any)                   { q.Logf("%s", strings.TrimSpace(fmt.Sprintln(args...))) }
func (q *quietTB) Skipf(format string, args ...any)  { q.Logf(format, args...) }
func (q *quietTB) Skip(args ...any)                  { q.Log(args...) }
func (q *quietTB) SkipNow()                          {}
func (q *quietTB) Errorf(format string, args ...any) { q.Logf(format, args...); q.Fail() }
func (q *quietTB) Error(args ...any)                 { q.Log(args...); q.Fail() }
func (q *quietTB) Fatalf(format string, args ...any) { q.Errorf(format, args...) }
func (q *quietTB) Fatal(args ...any)                 { q.Error(args...) }
func (q *quietTB) FailNow()                          { q.Fail() }
func (q *quietTB) Fail() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.failed = true
}
func (q *quietTB) Failed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.failed
}
