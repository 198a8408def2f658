package harness_test

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// BenchmarkCheckReference measures the exploration's throughput against
// the reference with every detector on: one op is one Check of 100
// generated scenarios plus the named and warm-up ones, drawn by rapid,
// each run in its own bubble and judged.
func BenchmarkCheckReference(b *testing.B) {
	const checks = 100
	b.ReportAllocs()
	var before, after runtime.MemStats
	ran := 0
	count := harness.OnExplored(func(c harness.Coverage) { ran += c.Scenarios })
	ok := suites.WithBubble(func(bubble harness.Bubble) {
		runtime.ReadMemStats(&before)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(checks), count); f != nil {
				b.Fatal(f)
			}
		}
		b.StopTimer()
		runtime.ReadMemStats(&after)
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	n := float64(ran)
	b.ReportMetric(n/b.Elapsed().Seconds(), "scenarios/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/n, "ns/scenario")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/n, "B/scenario")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/n, "allocs/scenario")
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

// BenchmarkDetectDeadlock measures the real time it takes to report a
// mutex deadlock: lock-while-waiting on the named scenario lost-exit, where
// the teardown's Reap blocks on the sync.Mutex a Delete holds while it
// waits for the exit. synctest's clock cannot see it (a sync.Mutex is not a
// durable block); the watchdog sees the scenario stop making progress and
// reads a goroutine dump. Each run abandons the frozen bubble's goroutines:
// run it a fixed, small number of times (make bench: -benchtime=20x).
//
// The sub-benchmarks park 0, 1,000 and 10,000 unrelated goroutines in the
// process first (parked=N), as a test binary with a server or a pool does:
// a goroutine dump costs time in proportion to all of them.
func BenchmarkDetectDeadlock(b *testing.B) {
	for _, n := range []int{0, 1000, 10000} {
		b.Run(fmt.Sprintf("parked=%d", n), func(b *testing.B) {
			defer park(n)()
			benchDetectOne(b, "lock-while-waiting", "lost-exit", harness.ClassHang)
		})
	}
}

// BenchmarkCrowded measures the exploration's cost with and without
// 10,000 unrelated goroutines parked in the process (parked=N): one op is
// one Check of 3,000 generated scenarios (and the named ones) against the
// reference. The harness's own cost must not grow with goroutines it has
// nothing to do with.
func BenchmarkCrowded(b *testing.B) {
	const checks = 3000
	for _, n := range []int{0, 10000} {
		b.Run(fmt.Sprintf("parked=%d", n), func(b *testing.B) {
			defer park(n)()
			dumps := harness.DumpCount()
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
			b.ReportMetric(float64(harness.DumpCount()-dumps)/float64(b.N), "dumps/op")
		})
	}
}

// park starts n goroutines blocked on a channel, outside any bubble, and
// returns what ends them.
func park(n int) (stop func()) {
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(n)
	for range n {
		go func() {
			defer wg.Done()
			<-release
		}()
	}
	return func() {
		close(release)
		wg.Wait()
	}
}

// BenchmarkDetectVirtualHang measures the real time it takes to report a
// hang on virtual time: no-context-wait on lost-exit, where Wait ignores
// its 10ms deadline and returns only when the teardown delivers the exit,
// a virtual minute later.
func BenchmarkDetectVirtualHang(b *testing.B) {
	benchDetectOne(b, "no-context-wait", "lost-exit", harness.ClassHang)
}

// benchDetectOne runs the named scenario against the catalog entry impl
// b.N times, each in a fresh bubble and with full detail (as a reproducer
// does), requires a failure of class want every time, and reports the
// real time per detection.
func benchDetectOne(b *testing.B, impl, scenario string, want harness.Class) {
	e, ok := catalog.Lookup(impl)
	if !ok {
		b.Fatalf("no catalog entry %q", impl)
	}
	n, ok := scenarios.Lookup(scenario)
	if !ok {
		b.Fatalf("no named scenario %q", scenario)
	}
	var total time.Duration
	dumps := harness.DumpCount()
	ok = suites.WithBubble(func(bubble harness.Bubble) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			res := harness.Run(bubble, e.New, n.Scenario)
			total += time.Since(start)
			if p := res.Primary(); p == nil || p.Class != want {
				b.Fatalf("%s on %s: got %v, want a %s\n%s", impl, scenario, p, want, res.Report(""))
			}
		}
		b.StopTimer()
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	b.ReportMetric(float64(total)/float64(b.N)/float64(time.Millisecond), "ms/detect")
	b.ReportMetric(float64(harness.DumpCount()-dumps)/float64(b.N), "dumps/op")
}

// BenchmarkMemoryFlat runs 10,000 scenarios against the reference per op
// and reports the live heap and goroutines after a GC at the end: run with
// -benchtime=100x for a million scenarios. A flat heap means the harness
// keeps nothing per scenario.
func BenchmarkMemoryFlat(b *testing.B) {
	heap := func() float64 {
		runtime.GC()
		var s [1]metrics.Sample
		s[0].Name = "/memory/classes/heap/objects:bytes"
		metrics.Read(s[:])
		return float64(s[0].Value.Uint64()) / (1 << 20)
	}
	ok := suites.WithBubble(func(bubble harness.Bubble) {
		before := heap()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(10000)); f != nil {
				b.Fatal(f)
			}
		}
		b.StopTimer()
		b.ReportMetric(before, "heap-MiB-before")
		b.ReportMetric(heap(), "heap-MiB-after")
		b.ReportMetric(float64(runtime.NumGoroutine()), "goroutines-after")
		b.ReportMetric(float64(b.N*10000), "scenarios")
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
}

// BenchmarkAutoPointHit measures the hot path of an automatic fault point
// as instrumented code runs it while a check owns the hook: autopoint.P,
// the hook, and faults.Points.Hit, with no fault planned, with one planned
// at another site, and with one planned at this site for a hit not
// reached (issue 11's target: at most 0.2µs with none planned).
func BenchmarkAutoPointHit(b *testing.B) {
	site := autoBase + 0 // autotask_test.go:48 Lock
	for _, bc := range []struct {
		name   string
		faults []faults.PointFault
	}{
		{"none planned", nil},
		{"planned elsewhere", []faults.PointFault{{Name: autopoint.Name(autoBase + 2), Hit: 1, Yields: 16}}},
		{"planned here, other hit", []faults.PointFault{{Name: autopoint.Name(site), Hit: 1 << 30, Yields: 16}}},
		{"planned here, yield 1", []faults.PointFault{{Name: autopoint.Name(site), Yields: 1}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			release := harness.RouteHits(faults.NewPoints(bc.faults, nil))
			defer release()
			for b.Loop() {
				autopoint.P(site)
			}
		})
	}
	b.Run("no hook", func(b *testing.B) {
		for b.Loop() {
			autopoint.P(site)
		}
	})
}
