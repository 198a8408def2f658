package harness_test

import (
	"testing"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// The watchdog reads no goroutine dump while scenarios make progress: a
// dump stops the world for every goroutine of the process, and a test
// binary may hold thousands that have nothing to do with the check. A
// healthy exploration with 2,000 unrelated goroutines parked takes none;
// the bound of 2 leaves room for a scenario the machine stalled long
// enough to look stuck (the old watchdog dumped whenever a scenario took
// longer than 0.5 ms).
func TestWatchdogDoesNotDumpWhileScenariosProgress(t *testing.T) {
	defer park(2000)()
	before := harness.DumpCount()
	if f := harness.Check(t.Name(), bubble(t), catalog.NewReference, harness.Checks(300)); f != nil {
		t.Fatal(f)
	}
	if n := harness.DumpCount() - before; n > 2 {
		t.Errorf("%d goroutine dumps during a passing check of 300 scenarios, want at most 2", n)
	}
}

// A mutex deadlock stops the scenario's progress; the watchdog judges it
// on one dump (taken with the world stopped, it is consistent), not on a
// dump per poll as it did (two looks at least, each a dump). A scenario
// the machine stalled before it deadlocked may cost one dump more, so of
// three deadlocks at least two must take exactly one dump, and none more
// than two.
func TestWatchdogDumpsOncePerStall(t *testing.T) {
	defer park(2000)()
	e, ok := catalog.Lookup("lock-while-waiting")
	if !ok {
		t.Fatal("no catalog entry lock-while-waiting")
	}
	var counts []int64
	once := 0
	for range 3 {
		before := harness.DumpCount()
		res := harness.Run(bubble(t), e.New, lostExit(t))
		if p := res.Primary(); p == nil || p.Class != harness.ClassHang {
			t.Fatalf("primary violation = %v, want a hang\n%s", p, res.Report(""))
		}
		n := harness.DumpCount() - before
		counts = append(counts, n)
		if n == 1 {
			once++
		}
		if n > 2 {
			once = -10
		}
	}
	if once < 2 {
		t.Errorf("goroutine dumps to judge a mutex deadlock, three times: %v; want 1 at least twice and never more than 2", counts)
	}
}

func lostExit(t *testing.T) scenarios.Scenario {
	t.Helper()
	n, ok := scenarios.Lookup("lost-exit")
	if !ok {
		t.Fatal("no named scenario lost-exit")
	}
	return n.Scenario
}

// A scenario run without detail (as exploration runs them) records its
// calls but not their timeline events; when it fails, its timeline is
// made from the calls: every start and every end, in order.
func TestQuickRunTimelineFromCalls(t *testing.T) {
	sc := scenarios.Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 0},
		Deliveries: []faults.Delivery{{Status: faults.StatusReal}, {Status: 137}}}}
	res := harness.RunQuick(bubble(t), catalog.NewUnguardedClose, sc)
	if !res.Failed() {
		t.Fatal("unguarded-close survived two deliveries")
	}
	var begins, ends []string
	for _, e := range res.Timeline {
		switch e.Mark {
		case harness.MarkBegins:
			begins = append(begins, e.Call)
		case harness.MarkReturns:
			ends = append(ends, e.Call)
		}
	}
	if len(begins) < 2 || len(ends) < 2 {
		t.Fatalf("timeline has starts %q and ends %q, want both deliveries' (and the teardown's)\n%s", begins, ends, res.Report(""))
	}
	for i := 1; i < len(res.Timeline); i++ {
		if res.Timeline[i].At < res.Timeline[i-1].At {
			t.Fatalf("timeline out of order at %d:\n%s", i, res.Report(""))
		}
	}
}
