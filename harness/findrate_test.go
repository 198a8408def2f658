package harness_test

import (
	"flag"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/plumb"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// findRateTask is a bug BenchmarkFindRate measures: its task, the class
// it must be found with, and the depth of its race in PCT's terms (d: one
// more than the preemptions it needs) over t goroutines, for the bound
// 1/(t·s^(d−1)) with s the steps learned. d is 0 for a bug a named
// scenario finds before exploring.
type findRateTask struct {
	name, points string
	newTask      harness.NewTask
	want         harness.Class
	d, t         int
	// learnFrom, if not nil, is the task the shape is learned from: the
	// same code with no bug (a named scenario finds some synthetic races
	// before exploring, and then no shape is learned).
	learnFrom harness.NewTask
	// learnedOnly measures the learned draw only.
	learnedOnly bool
}

// findRateTasks are the bugs BenchmarkFindRate measures: every buggy
// catalog entry with its hand-placed points (hand) and with them disabled
// (none); the instrumented-style tasks of autotask_test.go, which have
// automatic points only (auto); the shapes of reach_test.go; and the
// synthetic races of depthrace_test.go (synthetic: depth 1, 2 and 3 over
// 6, 50 and 200 steps, in an order the default start order suits and in
// one it does not), with the learned draw only.
func findRateTasks() []findRateTask {
	var out []findRateTask
	for _, e := range catalog.All() {
		if e.Want == catalog.WantPass {
			continue
		}
		d, t := 0, 0
		if e.Name == "check-then-act" {
			d, t = 2, 2 // one yield between two Reaps' check and act
		}
		out = append(out, findRateTask{name: e.Name, points: "hand", newTask: e.New, want: harness.Class(e.Want), d: d, t: t})
		newTask := e.New
		out = append(out, findRateTask{name: e.Name, points: "none", newTask: func(env harness.Env) harness.Task {
			env.Point = func(string) {}
			return newTask(env)
		}, want: harness.Class(e.Want), d: d, t: t})
	}
	out = append(out,
		findRateTask{name: "check-then-act", points: "auto", newTask: newAutoCheckThenAct, want: harness.ClassPanic, d: 2, t: 2},
		findRateTask{name: "loop-hit-9", points: "auto", newTask: newAutoLoop, want: harness.ClassPanic, d: 2, t: 2},
		findRateTask{name: "two-yield-10589", points: "hand", newTask: newPendingKill(false), d: 3, t: 2})
	for _, c := range depthCells() {
		out = append(out, findRateTask{
			name: c.name(), points: "synthetic", newTask: newDepthRace(c.d, c.s, c.suited), want: harness.ClassPanic,
			d: c.d, t: 2, learnFrom: newDepthRace(0, c.s, false), learnedOnly: true,
		})
	}
	return out
}

// BenchmarkFindRate measures, per bug, the probability that one explored
// scenario finds it (p/scenario): b.N scenarios, the generator's fixed
// examples 0..b.N-1 drawn with the shape Check learns (named scenarios
// and warm-up), each run as exploration runs it. "learned" draws faults
// over every hit learned; "1,2,3,*" is the draw before hits were learned
// (the same points, hits 1, 2, 3 and every). It reports the steps learned
// (s, the sum of every point's most hits in one scenario) and, for a race
// of depth d over t goroutines, PCT's bound 1/(t·s^(d−1)) per scenario
// (pct-bound). A bug found before exploring reports where instead
// (found-in-prelude-at). A task with no class wanted counts any failure.
// Run with -benchtime=10000x (make bench); the synthetic races alone, with
// more scenarios, with -bench 'FindRate/depth-' -benchtime=100000x.
func BenchmarkFindRate(b *testing.B) {
	for _, tk := range findRateTasks() {
		for _, strategy := range []string{"learned", "1,2,3,*"} {
			if tk.learnedOnly && strategy != "learned" {
				continue
			}
			b.Run(tk.name+"/"+tk.points+"/"+strategy, func(b *testing.B) {
				found, prelude, steps := 0, 0, 0
				ok := testrun.WithBubble(func(bubble harness.Bubble) {
					learnFrom := tk.newTask
					if tk.learnFrom != nil {
						learnFrom = tk.learnFrom
					}
					shape, f := harness.LearnShape(bubble, learnFrom)
					if f != nil {
						// Found before exploring, by a named scenario or
						// the warm-up, whatever the strategy.
						prelude = f.Explored
						return
					}
					for _, h := range shape.Hits {
						steps += max(h, 1)
					}
					if strategy != "learned" {
						shape.Hits = nil
					}
					gen := scenarios.Gen(shape)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						res := harness.RunQuick(bubble, tk.newTask, gen.Example(i))
						if p := res.Primary(); p != nil && (tk.want == "" || p.Class == tk.want) {
							found++
						}
					}
				})
				if !ok {
					b.Fatal("the bubble's test failed")
				}
				if prelude > 0 {
					b.ReportMetric(float64(prelude), "found-in-prelude-at")
					return
				}
				b.ReportMetric(float64(found)/float64(b.N), "p/scenario")
				b.ReportMetric(float64(steps), "steps")
				if tk.d > 0 && steps > 0 {
					b.ReportMetric(1/(float64(tk.t)*math.Pow(float64(steps), float64(tk.d-1))), "pct-bound")
					b.ReportMetric(float64(tk.d), "d")
					b.ReportMetric(float64(tk.t), "t")
				}
			})
		}
	}
}

// findShapes are the bugs BenchmarkFindShapes checks whole: each is
// found only by what exploration must do beyond drawing well.
func findShapes() []findRateTask {
	return []findRateTask{
		{name: "late-path", points: "point first reached while exploring (crowdTask)", newTask: newCrowdTask(true), want: harness.ClassPanic},
		{name: "two-yield-10589", points: "two yields, no latency (pendingKill)", newTask: newPendingKill(false)},
		{name: "4th-delivery", points: "a log of three exits (exitLog)", newTask: newExitLog(3), want: harness.ClassPanic},
		{name: "5th-delivery", points: "a log of four exits (exitLog)", newTask: newExitLog(4), want: harness.ClassPanic},
	}
}

// BenchmarkFindShapes runs b.N fresh checks of each shape with the
// default budget (rapid writing and reading no fail file, no corpus) and
// reports the share that found it (found/check), the median scenarios
// run until the first failure over the checks that found it
// (scenarios-to-find, named and warm-up ones included) and the median
// real time from the check's start to its first failure, before
// minimizing (ms-to-find). A task with no class
// wanted counts any failure. Run with -benchtime=20x.
func BenchmarkFindShapes(b *testing.B) {
	for _, sh := range findShapes() {
		b.Run(sh.name, func(b *testing.B) {
			noFailFiles(b)
			found := 0
			var at []int
			var took []time.Duration
			hx := plumb.Get[harness.Option, *harness.Result, *harness.Violation]()
			ok := testrun.WithBubble(func(bubble harness.Bubble) {
				for i := 0; i < b.N; i++ {
					start := time.Now()
					var foundAfter time.Duration
					onFound := hx.OnFound(func(int) { foundAfter = time.Since(start) })
					f := harness.Check(fmt.Sprintf("%s#%d", b.Name(), i), bubble, sh.newTask, harness.Corpus(""), onFound)
					if f != nil && (sh.want == "" || f.Primary().Class == sh.want) {
						found++
						at = append(at, f.Explored)
						took = append(took, foundAfter)
					}
				}
			})
			if !ok {
				b.Fatal("the bubble's test failed")
			}
			b.ReportMetric(float64(found)/float64(b.N), "found/check")
			if len(at) > 0 {
				sort.Ints(at)
				b.ReportMetric(float64(at[len(at)/2]), "scenarios-to-find")
				slices.Sort(took)
				b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "ms-to-find")
			}
		})
	}
}

// noFailFiles keeps rapid from writing fail files while tb runs.
func noFailFiles(tb testing.TB) {
	f := flag.Lookup("rapid.nofailfile")
	if f == nil {
		tb.Fatal("rapid's -rapid.nofailfile flag is not registered")
	}
	old := f.Value.String()
	if err := flag.Set("rapid.nofailfile", "true"); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = flag.Set("rapid.nofailfile", old) })
}
