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
// after the first op and at the end, and the goroutines left: run with
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
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Seed(uint64(i)), harness.Checks(per), harness.CountSoak()); f != nil {
				b.Fatal(f)
			}
			if i == 0 {
				b.StopTimer()
				first = heap()
				b.StartTimer()
			}
		}
		b.StopTimer()
		b.ReportMetric(before, "heap-MiB-before")
		b.ReportMetric(first, "heap-MiB-first-op")
		b.ReportMetric(heap(), "heap-MiB-end")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines-end")
		b.ReportMetric(float64(b.N*per), "scenarios")
		b.ReportMetric(float64(b.N*per)/b.Elapsed().Seconds(), "scenarios/s")
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
}
