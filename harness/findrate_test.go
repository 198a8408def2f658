package harness_test

import (
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// findRateTasks are the bugs BenchmarkFindRate measures: every buggy
// catalog entry with its hand-placed points (hand) and with them disabled
// (none), and the instrumented-style tasks of autotask_test.go, which have
// automatic points only (auto).
func findRateTasks() []struct {
	name, points string
	newTask      harness.NewTask
	want         harness.Class
} {
	type task = struct {
		name, points string
		newTask      harness.NewTask
		want         harness.Class
	}
	var out []task
	for _, e := range catalog.All() {
		if e.Want == catalog.WantPass {
			continue
		}
		out = append(out, task{e.Name, "hand", e.New, harness.Class(e.Want)})
		newTask := e.New
		out = append(out, task{e.Name, "none", func(env harness.Env) harness.Task {
			env.Point = func(string) {}
			return newTask(env)
		}, harness.Class(e.Want)})
	}
	return append(out,
		task{"check-then-act", "auto", newAutoCheckThenAct, harness.ClassPanic},
		task{"loop-hit-9", "auto", newAutoLoop, harness.ClassPanic})
}

// BenchmarkFindRate measures, per bug, the probability that one explored
// scenario finds it (p/scenario): b.N scenarios, the generator's fixed
// examples 0..b.N-1 drawn with the shape Check learns (named scenarios
// and warm-up), each run as exploration runs it. "learned" draws faults
// over every hit learned; "1,2,3,*" is the draw before hits were learned
// (the same points, hits 1, 2, 3 and every). Run with -benchtime=2000x.
func BenchmarkFindRate(b *testing.B) {
	for _, tk := range findRateTasks() {
		for _, strategy := range []string{"learned", "1,2,3,*"} {
			b.Run(tk.name+"/"+tk.points+"/"+strategy, func(b *testing.B) {
				found, prelude := 0, 0
				ok := testrun.WithBubble(func(bubble harness.Bubble) {
					shape, f := harness.LearnShape(bubble, tk.newTask)
					if f != nil {
						// Found before exploring, by a named scenario or
						// the warm-up, whatever the strategy.
						prelude = f.Explored
						return
					}
					if strategy != "learned" {
						shape.Hits = nil
					}
					gen := scenarios.Gen(shape)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						res := harness.RunQuick(bubble, tk.newTask, gen.Example(i))
						if p := res.Primary(); p != nil && p.Class == tk.want {
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
			})
		}
	}
}
