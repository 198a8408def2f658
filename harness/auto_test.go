package harness_test

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// Every site autotask_test.go registers names the line and column of its
// operation, as the rewriter's would.
// siteName is the name of the automatic point id, as reports write it.
// (startorder_test.go uses it: its sites are registered at its own lines,
// and an import there would move them.)
func siteName(id uint32) string { return hook.Name(id) }

func TestAutoSitesAtTheirLines(t *testing.T) {
	src, err := os.ReadFile("autotask_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, s := range autoSites {
		pos, op, _ := strings.Cut(s, " ")
		ls, cs, _ := strings.Cut(pos, ":")
		line, _ := strconv.Atoi(ls)
		col, _ := strconv.Atoi(cs)
		if line < 1 || line > len(lines) || col < 1 || !strings.HasPrefix(lines[line-1][col-1:], op) {
			t.Errorf("site %d %q: line %d column %d does not start with %s", i, s, line, col, op)
		}
	}
}

// check runs harness.Check in a bubble of t, without a corpus.
func check(t *testing.T, newTask harness.NewTask, opts ...harness.Option) (*harness.Failure, harness.Coverage) {
	t.Helper()
	var cov harness.Coverage
	opts = append([]harness.Option{harness.Corpus(""), harness.OnExplored(func(c harness.Coverage) { cov = c })}, opts...)
	return harness.Check(t.Name(), suites.Bubble(t), newTask, opts...), cov
}

// The catalog's check-then-act, written as instrumented code (autopoint
// calls, no Env.Point), is caught as a panic, and the report's scenario
// and timeline name the yield that opened the window by file:line.
func TestAutoCheckThenAct(t *testing.T) {
	f, cov := check(t, newAutoCheckThenAct, harness.Checks(3000))
	if f == nil {
		t.Fatalf("check-then-act (automatic points only) passed %s", cov)
	}
	report := f.Error()
	p := f.Primary()
	if p.Class != harness.ClassPanic || p.Clause != harness.ClauseNoPanic || !strings.Contains(p.Got, "close of closed channel") {
		t.Fatalf("got %s [%s] %s, want panic [no-panic] close of closed channel\n%s", p.Class, p.Clause, p.Got, report)
	}
	// The window is opened by a yield at an automatic point: usually the
	// re-lock after the check (autotask_test.go:121 Lock), or a yield
	// while another call holds the lock the second Reap's check needs.
	if len(f.Scenario.Points) == 0 {
		t.Errorf("the minimized scenario keeps no yield:\n%s", report)
	}
	for _, pf := range f.Scenario.Points {
		if !strings.HasPrefix(pf.Name, "autotask_test.go:") {
			t.Errorf("yield at %q, not an automatic point of autotask_test.go:\n%s", pf.Name, report)
		}
		if !strings.Contains(report, "point "+strconv.Quote(pf.Name)+" hit=") || !strings.Contains(report, "point "+pf.Name+" #") {
			t.Errorf("the scenario or the timeline does not name the yield at %s:\n%s", pf.Name, report)
		}
	}
	// The scenario file parses back and replays the failure.
	sc, err := scenarios.Parse(f.Scenario.String())
	if err != nil {
		t.Fatalf("the minimized scenario does not parse back: %v\n%s", err, f.Scenario)
	}
	if r := harness.Replay(suites.Bubble(t), newAutoCheckThenAct, sc, 20); r == nil || r.Primary().Class != harness.ClassPanic {
		t.Errorf("the parsed scenario does not replay the panic: %v\n%s", r, sc)
	}
	if f.Coverage.Sites != hook.Count() || f.Coverage.SitesReached == 0 {
		t.Errorf("coverage %+v: want %d sites, some reached", f.Coverage, hook.Count())
	}
	t.Logf("found after %d scenarios:\n%s", f.Explored, report)
}

// The loop task fails with a yield at the ninth hit of its loop's Lock,
// and not at the eighth or tenth; exploration finds it.
func TestAutoLoopHitNine(t *testing.T) {
	const loop = "autotask_test.go:142 Lock"
	bubble := suites.Bubble(t)
	for hit, fails := range map[int]bool{8: false, 9: true, 10: false} {
		sc := scenarios.Scenario{Procs: 1, Plan: faults.Plan{
			Deliveries: []faults.Delivery{{Status: faults.StatusReal}, {Status: 137}},
			Points:     []faults.PointFault{{Name: loop, Hit: hit, Yields: 16}},
		}}
		res := harness.Run(bubble, newAutoLoop, sc)
		if res.Failed() != fails {
			t.Errorf("yield at hit %d: failed %v, want %v\n%s", hit, res.Failed(), fails, res.Report(""))
		}
	}
	// Exploration draws the window itself, not only yields at every hit:
	// some explored scenario fails with a single-hit yield at hit 9.
	shape, f := harness.LearnShape(bubble, newAutoLoop)
	if f != nil {
		t.Fatalf("found before exploring:\n%s", f.Error())
	}
	gen := scenarios.Gen(shape)
	found := -1
	for i := 0; i < 20000 && found < 0; i++ {
		sc := gen.Example(i)
		at := func(hit int) func(faults.PointFault) bool {
			return func(f faults.PointFault) bool { return f.Name == loop && f.Hit == hit }
		}
		if !slices.ContainsFunc(sc.Points, at(9)) || slices.ContainsFunc(sc.Points, at(0)) {
			continue
		}
		if harness.RunQuick(bubble, newAutoLoop, sc).Failed() {
			found = i
		}
	}
	if found < 0 {
		t.Errorf("no explored scenario with a yield at hit 9 of %s failed", loop)
	} else {
		t.Logf("example %d fails with a yield at hit 9:\n%s", found, gen.Example(found))
	}
	f, cov := check(t, newAutoLoop, harness.Checks(3000))
	if f == nil {
		t.Fatalf("the loop's bug was not found: %s", cov)
	}
	if p := f.Primary(); p.Class != harness.ClassPanic {
		t.Fatalf("found as %s, want a panic\n%s", p.Class, f.Error())
	}
	// Minimization pins a yield at every hit to the one that matters:
	// none is left at every hit.
	for _, pf := range f.Scenario.Points {
		if pf.Hit == 0 {
			t.Errorf("the minimized scenario keeps a yield at every hit:\n%s", f.Error())
		}
	}
	t.Logf("found after %d scenarios (%s):\n%s", f.Explored, cov, f.Scenario)
}

// Correct tasks stay quiet with automatic points: the instrumented core
// and the catalog's reference (uninstrumented, so it reaches only its
// hand-placed points while sites are registered) pass 10,000 scenarios
// each (2,000 under -race or -short), and the coverage line says what was
// reached.
func TestAutoCorrectPasses(t *testing.T) {
	n := 10000
	if testing.Short() || raceOn {
		n = 2000
	}
	var lines []string
	logf := harness.Logf(func(format string, args ...any) { lines = append(lines, strings.TrimSpace(sprintf(format, args...))) })
	f, cov := check(t, newAutoReference, harness.Checks(n), logf)
	if f != nil {
		t.Fatalf("the instrumented reference failed:\n%s", f.Error())
	}
	if cov.Scenarios < n || cov.SitesReached < 9 || cov.HandPoints != 0 {
		t.Errorf("coverage %+v: want ≥ %d scenarios, the core's 9 sites reached, no hand points", cov, n)
	}
	want := "reaptest: " + strconv.Itoa(cov.Scenarios) + " scenarios, " + strconv.Itoa(hook.Count()) + " sync points in github.com/reaptest/reaptest/harness_test (" + strconv.Itoa(cov.SitesReached) + " of "
	if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, want) }) {
		t.Errorf("logged %q, want a line starting %q", lines, want)
	}
	f, cov = check(t, catalog.NewReference, harness.Checks(n))
	if f != nil {
		t.Fatalf("the reference failed:\n%s", f.Error())
	}
	if cov.HandPoints == 0 || cov.SitesReached != 0 {
		t.Errorf("coverage %+v: want hand points only", cov)
	}
}

// A check that reaches no fault point at all says so.
func TestNoPointWarning(t *testing.T) {
	var lines []string
	logf := harness.Logf(func(format string, args ...any) { lines = append(lines, sprintf(format, args...)) })
	silent := func(env harness.Env) harness.Task {
		env.Point = func(string) {}
		return catalog.NewReference(env)
	}
	if f, _ := check(t, silent, harness.Checks(100), logf); f != nil {
		t.Fatal(f)
	}
	if !strings.Contains(strings.Join(lines, "\n"), "reaptest: warning: no fault point was reached") {
		t.Errorf("logged %q, want a warning that no point was reached", lines)
	}
}

// A check that starts while another holds the autopoint hook does not
// crash; it runs without automatic points and says so.
func TestHookBusy(t *testing.T) {
	var inner *harness.Failure
	var innerCov harness.Coverage
	started := false
	progress := harness.Progress(func(scenarios.Scenario) {
		if started {
			return
		}
		started = true
		inner, innerCov = check(t, newAutoReference, harness.Checks(50))
	})
	f, outer := check(t, newAutoReference, harness.Checks(50), progress)
	if f != nil || inner != nil {
		t.Fatalf("failures: %v, %v", f, inner)
	}
	if !harness.HookBusy(innerCov) || innerCov.SitesReached != 0 || !strings.Contains(innerCov.Warning(), "another check") {
		t.Errorf("inner check's coverage %+v (warning %q): want the hook busy, no site reached", innerCov, innerCov.Warning())
	}
	if harness.HookBusy(outer) || outer.SitesReached == 0 {
		t.Errorf("outer check's coverage %+v: want sites reached", outer)
	}
	// Once both returned the hook is free again.
	if _, cov := check(t, newAutoReference, harness.Checks(10)); harness.HookBusy(cov) || cov.SitesReached == 0 {
		t.Errorf("a later check's coverage %+v: want sites reached", cov)
	}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Hits from goroutines outside the scenario's bubble (one a check of
// another bubble left behind, or code that runs outside any bubble) reach
// the scenario's points through the one process-wide hook. With detail
// they must not write the scenario's timeline: their clock is not the
// scenario's (real time outside a bubble is decades past a bubble's), and
// the verdict and the timeline are read against the scenario's clock.
func TestAutoHitsFromOutsideTheBubble(t *testing.T) {
	site := hook.Name(autoBase + 0) // autoCore.Reap's Lock
	sc := scenarios.Named()[0].Scenario
	sc.Points = []faults.PointFault{{Name: site, Hit: 0, Yields: 1}}
	stop := make(chan struct{})
	outside := make(chan struct{})
	go func() { // outside every bubble, passing the site until Run returns
		defer close(outside)
		for {
			select {
			case <-stop:
				return
			default:
				autopoint.P(autoBase + 0)
			}
		}
	}()
	res := harness.Run(suites.Bubble(t), newAutoReference, sc)
	close(stop)
	<-outside
	if res.Failed() {
		t.Errorf("the reference failed with hits from outside its bubble: %v", res.Err())
	}
	for _, e := range res.Timeline {
		if e.At > time.Hour {
			t.Errorf("timeline event at %s (%s %s): want every event on the scenario's clock", e.At, e.Who, e.What)
			break
		}
	}
}
