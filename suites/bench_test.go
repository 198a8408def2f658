package suites_test

import (
	"flag"
	"math"
	"runtime"
	"sort"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// Time-to-detect benchmarks: for every buggy implementation of the bundled
// catalog, how many scenarios and how much wall time it takes to find the
// first failure and to hand over the minimized report, for reaptest and for
// the stress loop a team writes without it (baseline_test.go), over
// -detect.seeds seeds each. `make bench` runs them with -benchtime=1x (one
// round of seeds per benchmark) and turns the output into BENCHMARKS.md
// (suites/internal/benchmd). They never run under plain `go test`.
//
// Units (per benchmark line, all over the seeds of that line):
//
//	seeds, seeds-found          seeds run, seeds where a failure was found
//	scenarios-detect-p50, -p90  scenarios run until the first failure
//	ms-detect-p50, -p90         wall time until the first failure
//	ms-report-p50, -p90         wall time until the minimized report
//	                            (reaptest: Check returned; the baseline
//	                            reports what it found as is: no minimizing)
//
// Quantiles are nearest-rank over all seeds; a seed that found nothing
// counts as infinitely slow, and a quantile that falls on one is reported
// as -1 (not found within the budget).
var (
	detectSeeds   = flag.Int("detect.seeds", 20, "bench: seeds per implementation in the time-to-detect benchmarks")
	detectVerbose = flag.Bool("detect.v", false, "bench: log every seed")
	detectChecks  = flag.Int("detect.checks", 10000, "bench: reaptest's budget per seed, in explored scenarios (harness.Checks)")
)

// sample is what one seed took.
type sample struct {
	found     bool
	class     string        // class of the failure found
	scenarios int           // scenarios (or stress iterations) until the first failure
	detect    time.Duration // wall time until the first failure
	report    time.Duration // wall time until the report
}

// BenchmarkDetect measures time-to-detect, for reaptest
// (BenchmarkDetect/reaptest/<impl>) and for the baseline stress loop
// (BenchmarkDetect/baseline/<impl>). Run it with -benchtime=1x: each
// iteration of b.N runs every seed again.
func BenchmarkDetect(b *testing.B) {
	b.Run("reaptest", func(b *testing.B) {
		for _, e := range buggy() {
			b.Run(e.Name, func(b *testing.B) {
				var all []sample
				for range b.N {
					all = append(all, detectReaptest(b, e, *detectSeeds)...)
				}
				reportSamples(b, e, all)
			})
		}
	})
	b.Run("baseline", func(b *testing.B) {
		for _, e := range buggy() {
			b.Run(e.Name, func(b *testing.B) {
				var all []sample
				for range b.N {
					for seed := range *detectSeeds {
						all = append(all, stressUntilFailure(e.New, uint64(seed)+1, *baselineBudget, *baselineIterations))
					}
				}
				b.ReportMetric(baselineBudget.Seconds(), "s-budget")
				b.ReportMetric(float64(*baselineIterations), "iterations-budget")
				reportSamples(b, e, all)
			})
		}
	})
}

// buggy returns the catalog's buggy implementations.
func buggy() []catalog.Entry {
	var out []catalog.Entry
	for _, e := range catalog.All() {
		if e.Want != catalog.WantPass {
			out = append(out, e)
		}
	}
	return out
}

// detectReaptest runs harness.Check on e once per seed, as a user's test
// would (rapid picks a fresh seed on every Check), and times the first
// failure (OnFound) and the minimized report (Check's return).
func detectReaptest(b *testing.B, e catalog.Entry, seeds int) []sample {
	b.Helper()
	noFailFiles(b)
	var out []sample
	ok := suites.WithBubble(func(bubble harness.Bubble) {
		for range seeds {
			var s sample
			start := time.Now()
			onFound := func(explored int) {
				if !s.found {
					s.found, s.scenarios, s.detect = true, explored, time.Since(start)
				}
			}
			f := harness.Check("BenchmarkDetect-"+e.Name, bubble, e.New,
				harness.Checks(*detectChecks), harness.OnFound(onFound))
			s.report = time.Since(start)
			if *detectVerbose {
				b.Logf("%s seed: found=%v after %d scenarios, detect %v, report %v", e.Name, s.found, s.scenarios, s.detect, s.report)
			}
			if f == nil {
				s.found = false
			} else if p := f.Primary(); p != nil {
				s.class = string(p.Class)
			}
			out = append(out, s)
		}
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	return out
}

// noFailFiles keeps rapid from writing fail files under testdata/rapid
// while b runs: every seed must explore from scratch (a fail file is
// replayed first by the next Check of the same name), and the benchmark
// must not leave files in the checkout.
func noFailFiles(b *testing.B) {
	f := flag.Lookup("rapid.nofailfile")
	if f == nil {
		return
	}
	old := f.Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = flag.Set("rapid.nofailfile", old) })
}

// reportSamples reports the quantiles of samples as b's metrics, and logs
// any seed that found a failure of another class than e wants.
func reportSamples(b *testing.B, e catalog.Entry, samples []sample) {
	b.Helper()
	found := 0
	var scen, detect, report []float64
	for _, s := range samples {
		if !s.found {
			scen = append(scen, math.Inf(1))
			detect = append(detect, math.Inf(1))
			report = append(report, math.Inf(1))
			continue
		}
		found++
		if s.class != "" && s.class != e.Want {
			b.Logf("%s: found as %s, wants %s", e.Name, s.class, e.Want)
		}
		scen = append(scen, float64(s.scenarios))
		detect = append(detect, ms(s.detect))
		report = append(report, ms(s.report))
	}
	b.ReportMetric(float64(len(samples)), "seeds")
	b.ReportMetric(float64(found), "seeds-found")
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 0.5}, {"p90", 0.9}} {
		b.ReportMetric(quantile(scen, q.q), "scenarios-detect-"+q.name)
		b.ReportMetric(quantile(detect, q.q), "ms-detect-"+q.name)
		b.ReportMetric(quantile(report, q.q), "ms-report-"+q.name)
	}
}

// quantile returns the nearest-rank q-quantile of xs, or -1 if it is
// infinite (a seed that found nothing).
func quantile(xs []float64, q float64) float64 {
	if len(xs) == 0 {
		return -1
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	i := int(math.Ceil(q*float64(len(s)))) - 1
	i = min(max(i, 0), len(s)-1)
	if math.IsInf(s[i], 1) {
		return -1
	}
	return s[i]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// memDelta measures the bytes and allocations f makes.
func memDelta(f func()) (bytes, allocs uint64) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, after.Mallocs - before.Mallocs
}
