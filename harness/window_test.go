package harness_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
)

// Every site windowtask_test.go registers names the line of its
// operation (the select's, for a wrapped select case on the next line)
// and its op, and the wrapper passing its id is on that line (an
// unlocked point's is the UnlockThen of its unlock).
func TestWindowSitesAtTheirLines(t *testing.T) {
	src, err := os.ReadFile("windowtask_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, s := range windowSites {
		pos, op, _ := strings.Cut(s, " ")
		ls, cs, _ := strings.Cut(pos, ":")
		line, _ := strconv.Atoi(ls)
		col, _ := strconv.Atoi(cs)
		if line < 1 || line >= len(lines) || col < 1 || col > len(lines[line-1]) {
			t.Errorf("site %d %q: no such line and column", i, s)
			continue
		}
		id := fmt.Sprintf("windowBase+%d,", i)
		here := lines[line-1][col-1:]
		if op == "unlocked" {
			op, here = "Then(", lines[line-1]
		}
		if !strings.Contains(here, op) || !strings.Contains(here, id) && !(op == "select" && strings.Contains(lines[line], id)) {
			t.Errorf("site %d %q: line %d from column %d (%q) does not do %s with %s", i, s, line, col, here, op, id)
		}
	}
}

// windowVariants are containerd #10589's shape as BenchmarkWindowFindRate
// measures it: with the rewriter's points before this change (none after
// an unlock, no sleeps drawn), with the point after the unlock, with
// sleeps drawn, and with both (what a check does now).
var windowVariants = []struct {
	name   string
	task   harness.NewTask
	sleeps bool
}{
	{"points-before-ops", newAutoPendingKillNoAfter, false},
	{"unlocked-point", newAutoPendingKill(false), false},
	{"sleeps", newAutoPendingKillNoAfter, true},
	{"unlocked-point+sleeps", newAutoPendingKill(false), true},
}

// BenchmarkWindowFindRate measures, per variant, the share of explored
// scenarios that find containerd #10589's shape as a hang (p/scenario):
// b.N of the generator's fixed examples, drawn with the shape Check
// learns, each run as exploration runs it. Run with -benchtime=20000x.
func BenchmarkWindowFindRate(b *testing.B) {
	for _, v := range windowVariants {
		b.Run(v.name, func(b *testing.B) {
			found := 0
			ok := testrun.WithBubble(func(bubble harness.Bubble) {
				shape, f := harness.LearnShape(bubble, v.task)
				if f != nil {
					b.Errorf("found before exploring:\n%s", f.Error())
					return
				}
				if !v.sleeps {
					shape.SleepAt = nil
				}
				gen := scenarios.Gen(shape)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if p := harness.RunQuick(bubble, v.task, gen.Example(i)).Primary(); p != nil && p.Class == harness.ClassHang {
						found++
					}
				}
			})
			if !ok {
				b.Fatal("the bubble's test failed")
			}
			b.ReportMetric(float64(found)/float64(b.N), "p/scenario")
		})
	}
}

// A saved scenario with a sleep at the point after Kill's unlock
// reproduces the lost exit every time (100 of 100 runs, class and
// clause); with a yield there instead, or no point, it passes every time:
// the Reap due a millisecond later lands only in a window that holds
// virtual time.
func TestWindowSleepReplays(t *testing.T) {
	sc, err := scenarios.ParseFile("testdata/windows/pending-kill-sleep.scenario")
	if err != nil {
		t.Fatal(err)
	}
	yield, none := sc, sc
	yield.Points = []faults.PointFault{{Name: sc.Points[0].Name, Hit: 1, Yields: 64}}
	none.Points = nil
	bubble := suites.Bubble(t)
	var first *harness.Result
	for i := range 100 {
		r := harness.Run(bubble, newAutoPendingKill(false), sc)
		p := r.Primary()
		if p == nil || p.Class != harness.ClassHang || p.Clause != harness.ClauseDeleteBounded {
			t.Fatalf("run %d of the saved scenario: %v, want hang [delete-bounded]\n%s", i, p, r.Report(""))
		}
		if first == nil {
			first = r
		}
		for what, other := range map[string]scenarios.Scenario{"a yield": yield, "no point": none} {
			if r := harness.Run(bubble, newAutoPendingKill(false), other); r.Failed() {
				t.Fatalf("run %d with %s in place of the sleep failed:\n%s", i, what, r.Report(""))
			}
		}
	}
	if report := first.Report(""); !strings.Contains(report, "sleep 2ms") {
		t.Errorf("the timeline does not show the sleep:\n%s", report)
	}
	if f, cov := check(t, newAutoPendingKill(true), harness.Checks(3000)); f != nil {
		t.Fatalf("the fixed twin failed (%s):\n%s", cov, f.Error())
	}
}
