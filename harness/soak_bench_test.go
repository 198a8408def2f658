package harness_test

import (
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/suites/catalog"
)

// BenchmarkSoakMemory explores the reference's indexed scenario space as a
// soak does (its counts of points faulted and distinct orders kept), 10,000
// scenarios an op, one seed an op, and reports the live heap after a GC
// after the first op, after 10^5 and 10^6 scenarios (when the run gets
// there) and at the end, and the goroutines left: run with
// -benchtime=1000x for ten million scenarios. A flat heap means neither
// the check nor a soak's counts keep anything per scenario.
func BenchmarkSoakMemory(b *testing.B) {
	const per = 10000
	heap := func() float64 {
		runtime.GC()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		metrics.Read(s)
		return float64(s[0].Value.Uint64()) / (1 << 20)
	}
	b.ReportAllocs()
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		before, first := heap(), 0.0
		at := map[int]float64{} // live heap after 10^5 and 10^6 scenarios
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Seed(uint64(i)), harness.Checks(per), harness.CountSoak()); f != nil {
				b.Fatal(f)
			}
			if n := (i + 1) * per; i == 0 || n == 100000 || n == 1000000 {
				b.StopTimer()
				if i == 0 {
					first = heap()
				} else {
					at[n] = heap()
				}
				b.StartTimer()
			}
		}
		b.StopTimer()
		b.ReportMetric(before, "heap-MiB-before")
		b.ReportMetric(first, "heap-MiB-first-op")
		if h, ok := at[100000]; ok {
			b.ReportMetric(h, "heap-MiB-1e5")
		}
		if h, ok := at[1000000]; ok {
			b.ReportMetric(h, "heap-MiB-1e6")
		}
		b.ReportMetric(heap(), "heap-MiB-end")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines-end")
		b.ReportMetric(float64(b.N*per), "scenarios")
		b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "scenarios/s")
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
}
