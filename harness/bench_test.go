package harness_test

import (
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// BenchmarkCheckReference measures the exploration's throughput against
// the reference with every detector on: one op is one Check of 100
// generated scenarios plus the named ones, drawn by rapid, each run in its
// own bubble and judged.
func BenchmarkCheckReference(b *testing.B) {
	const checks = 100
	b.ReportAllocs()
	ok := suites.WithBubble(func(bubble harness.Bubble) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(checks)); f != nil {
				b.Fatal(f)
			}
		}
		b.StopTimer()
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	n := float64(b.N * (checks + len(scenarios.Named())))
	b.ReportMetric(n/b.Elapsed().Seconds(), "scenarios/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/scenario")
}

// BenchmarkRunReference measures one scenario run with full detail (the
// goroutine of every call, the timeline), as Run and reports do.
func BenchmarkRunReference(b *testing.B) {
	gen := scenarios.Gen(scenarios.Shape{Kill: true, Points: []string{"delete:locked", "reap:locked", "wait:start"}})
	pool := make([]scenarios.Scenario, 256)
	for i := range pool {
		pool[i] = gen.Example(i)
	}
	b.ReportAllocs()
	ok := suites.WithBubble(func(bubble harness.Bubble) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if res := harness.Run(bubble, catalog.NewReference, pool[i%len(pool)]); res.Failed() {
				b.Fatal(res.Report(""))
			}
		}
		b.StopTimer()
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
}
