package harness_test

import (
	"context"
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/sim"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
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
	var cpu time.Duration
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		runtime.ReadMemStats(&before)
		b.ResetTimer()
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(checks), count); f != nil {
				b.Fatal(f)
			}
		}
		cpu = cpuTime() - cpu0
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
	b.ReportMetric(float64(cpu.Nanoseconds())/n, "cpu-ns/scenario")
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
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
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
// 10,000 unrelated goroutines parked in the process: each op runs one
// Check of 3,000 generated scenarios (and the named and warm-up ones)
// against the reference alone, then parks the goroutines and runs another,
// so that the two halves of a pair see the same machine. It reports both
// halves' ns/scenario, their ratio (crowded/alone), and the goroutine
// dumps the crowded half took. The harness's own cost must not grow with
// goroutines it has nothing to do with.
func BenchmarkCrowded(b *testing.B) {
	const checks = 3000
	var alone, crowded time.Duration
	var ranAlone, ranCrowded int
	var dumps int64
	var gcAlone, gcCrowded uint32
	var cpuAlone, cpuCrowded time.Duration
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		check := func(ran *int, gcs *uint32, cpu *time.Duration) time.Duration {
			count := harness.OnExplored(func(c harness.Coverage) { *ran += c.Scenarios })
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			gc0 := ms.NumGC
			start, cpu0 := time.Now(), cpuTime()
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(checks), count); f != nil {
				b.Fatal(f)
			}
			d := time.Since(start)
			*cpu += cpuTime() - cpu0
			runtime.ReadMemStats(&ms)
			*gcs += ms.NumGC - gc0
			return d
		}
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			alone += check(&ranAlone, &gcAlone, &cpuAlone)
			b.StopTimer()
			unpark := park(10000)
			b.StartTimer()
			d := harness.DumpCount()
			crowded += check(&ranCrowded, &gcCrowded, &cpuCrowded)
			dumps += harness.DumpCount() - d
			b.StopTimer()
			unpark()
			b.StartTimer()
		}
		b.StopTimer()
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	a := float64(alone.Nanoseconds()) / float64(ranAlone)
	c := float64(crowded.Nanoseconds()) / float64(ranCrowded)
	b.ReportMetric(a, "alone-ns/scenario")
	b.ReportMetric(c, "crowded-ns/scenario")
	b.ReportMetric(c/a, "crowded/alone")
	b.ReportMetric((float64(cpuCrowded)/float64(ranCrowded))/(float64(cpuAlone)/float64(ranAlone)), "crowded/alone-cpu")
	b.ReportMetric(float64(dumps)/float64(b.N), "crowded-dumps/op")
	b.ReportMetric(float64(gcAlone)/float64(b.N), "alone-gcs/op")
	b.ReportMetric(float64(gcCrowded)/float64(b.N), "crowded-gcs/op")
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
	var total, dumpCost time.Duration
	dumps := harness.DumpCount()
	ok = testrun.WithBubble(func(bubble harness.Bubble) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			d := harness.DumpCount()
			res := harness.Run(bubble, e.New, n.Scenario)
			total += time.Since(start)
			if harness.DumpCount() > d {
				dumpCost += harness.LastDumpCost()
			}
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
	b.ReportMetric(float64(dumpCost)/float64(b.N)/float64(time.Millisecond), "ms-dump/op")
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
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
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
// the hook, and sim.Points.Hit, with no fault planned, with one planned
// at another site, and with one planned at this site for a hit not
// reached (issue 11's target: at most 0.2µs with none planned).
func BenchmarkAutoPointHit(b *testing.B) {
	site := autoBase + 0 // autotask_test.go:48 Lock
	for _, bc := range []struct {
		name   string
		faults []faults.PointFault
	}{
		{"none planned", nil},
		{"planned elsewhere", []faults.PointFault{{Name: hook.Name(autoBase + 2), Hit: 1, Yields: 16}}},
		{"planned here, other hit", []faults.PointFault{{Name: hook.Name(site), Hit: 1 << 30, Yields: 16}}},
		{"planned here, yield 1", []faults.PointFault{{Name: hook.Name(site), Yields: 1}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			release := harness.RouteHits(sim.NewPoints(bc.faults, nil))
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

// BenchmarkFloorReference is the floor under BenchmarkCheckReference: the
// same scenarios (drawn beforehand from the generator Check explores
// with, for the reference's fault points) and the same reference task,
// simulated process, contexts, deliveries, teardown and point yields, each
// in a bare synctest bubble on one processor as Check runs them, with no
// harness bookkeeping: no rapid, no watchdog, no call records, no
// contract.
//
// Each op runs one Check of 1,000 explored scenarios (the default, plus
// the named and warm-up ones) and then the floor over as many scenarios, so that both
// halves of a pair see the same machine; it reports each half's
// ns/scenario and their ratio (harness/floor, BENCHMARKS.md).
func BenchmarkFloorReference(b *testing.B) {
	const checks = 1000
	pool := floorPool(b, 4096)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	var harnessTime, floorTime time.Duration
	var harnessCPU, floorCPU time.Duration
	ran, next := 0, 0
	count := harness.OnExplored(func(c harness.Coverage) { ran += c.Scenarios })
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			before := ran
			start, cpu0 := time.Now(), cpuTime()
			if f := harness.Check(b.Name(), bubble, catalog.NewReference, harness.Checks(checks), count); f != nil {
				b.Fatal(f)
			}
			harnessTime += time.Since(start)
			harnessCPU += cpuTime() - cpu0
			start, cpu0 = time.Now(), cpuTime()
			for range ran - before {
				sc := pool[next%len(pool)]
				next++
				bubble(func() { floorScenario(catalog.NewReference, sc) })
			}
			floorTime += time.Since(start)
			floorCPU += cpuTime() - cpu0
		}
		b.StopTimer()
	})
	if !ok {
		b.Fatal("the bubble's test failed")
	}
	n := float64(ran)
	h, f := float64(harnessTime.Nanoseconds())/n, float64(floorTime.Nanoseconds())/n
	b.ReportMetric(h, "harness-ns/scenario")
	b.ReportMetric(f, "floor-ns/scenario")
	b.ReportMetric(h/f, "harness/floor")
	b.ReportMetric(float64(harnessCPU)/float64(floorCPU), "harness/floor-cpu")
	b.ReportMetric(1e9/f, "floor-scenarios/s")
}

// floorPool draws n scenarios from the generator Check would explore the
// reference with (harness.LearnShape: the shape the named scenarios and
// the warm-up teach it).
func floorPool(b *testing.B, n int) []scenarios.Scenario {
	b.Helper()
	var shape scenarios.Shape
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		var f *harness.Failure
		if shape, f = harness.LearnShape(bubble, catalog.NewReference); f != nil {
			b.Fatal(f)
		}
	})
	if !ok || len(shape.Points) == 0 {
		b.Fatalf("no shape with fault points learned from the reference: %+v", shape)
	}
	gen := scenarios.Gen(shape)
	pool := make([]scenarios.Scenario, n)
	for i := range pool {
		pool[i] = gen.Example(i)
	}
	return pool
}

// floorScenario plays sc against a task from newTask as the harness does
// (clients, deliveries, teardown, wind-down), inside the calling bubble,
// recording nothing.
func floorScenario(newTask harness.NewTask, sc scenarios.Scenario) {
	const (
		grace       = 100 * time.Millisecond
		horizon     = time.Minute
		teardownCtx = 10 * time.Second
		windDown    = time.Second
	)
	proc := sim.NewProcess(harness.Pid, sc.Exit, sc.Signal, nil)
	defer proc.Exit(sc.Exit.Status, "exits (cleanup)")
	points := sim.NewPoints(sc.Points, nil)
	task := newTask(harness.Env{Process: proc, Point: points.Point, Fail: func(string) error { return nil }})
	killer, _ := task.(harness.Killer)
	reaped := make(chan struct{})
	var reapOnce sync.Once
	reap := func(e harness.Exit) {
		task.Reap(e)
		reapOnce.Do(func() { close(reaped) })
	}
	var calls sync.WaitGroup
	go func() {
		<-proc.Done()
		status, _ := proc.Status()
		for _, d := range sc.Deliveries {
			st := status
			if d.Status != faults.StatusReal {
				st = d.Status
			}
			calls.Add(1)
			go func() {
				defer calls.Done()
				time.Sleep(d.After)
				reap(harness.Exit{Pid: harness.Pid, Status: st})
			}()
		}
	}()
	var actors sync.WaitGroup
	for _, a := range sc.Actors {
		actors.Add(1)
		go func() {
			defer actors.Done()
			for _, c := range a.Calls {
				if c.Delay > 0 {
					time.Sleep(c.Delay)
				}
				ctx, cancel := c.Ctx.Context() // as the harness does
				switch c.Op {
				case scenarios.Wait:
					_, _ = task.Wait(ctx)
				case scenarios.Delete:
					_, _ = task.Delete(ctx)
				case scenarios.Kill:
					if killer != nil {
						_ = killer.Kill(ctx, c.Signal)
					}
				}
				cancel()
			}
		}()
	}
	// Teardown starts when the clients are done, or at the horizon (a
	// Wait with no deadline returns only once the teardown reaps).
	clientsDone := make(chan struct{})
	go func() { actors.Wait(); close(clientsDone) }()
	timer := time.NewTimer(horizon)
	select {
	case <-clientsDone:
	case <-timer.C:
	}
	proc.Exit(sc.Exit.Status, "exits at teardown")
	if sc.Lost() {
		status, _ := proc.Status()
		calls.Add(1)
		go func() {
			defer calls.Done()
			reap(harness.Exit{Pid: harness.Pid, Status: status})
		}()
	}
	var last time.Duration
	for _, d := range sc.Deliveries {
		last = max(last, d.After)
	}
	timer.Reset(last + grace)
	select {
	case <-reaped:
	case <-timer.C:
	}
	timer.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), teardownCtx)
	_, _ = task.Delete(ctx)
	cancel()
	calls.Wait()
	time.Sleep(windDown)
	synctest.Wait()
}

// cpuTime returns the CPU time the process has used (user and system): on
// a machine shared with other work it is a steadier measure of what a
// benchmark costs than wall time, which includes waiting for a processor.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
