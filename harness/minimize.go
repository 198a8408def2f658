package harness

import (
	"slices"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// Shrinking after rapid: rapid shrinks the draws behind a scenario, which
// leaves parts that no draw could drop (a second actor that only waits, a
// fault that never fired). minimize then edits the scenario itself.

const (
	// minimizeConfirm is how many runs a smaller scenario must fail, every
	// one, to replace the current: a variant that fails only most of the
	// time (a race the scheduler decides) would make a reproducer that
	// does not reproduce. A rejected variant usually passes at its first
	// run, so the cost is in the accepted ones.
	minimizeConfirm = 20
	minimizeBudget  = 2000 // scenario runs minimize may spend
)

// signature identifies a failure for shrinking: its leading class and
// clause. A smaller scenario that fails another way is a different bug.
func signature(r *Result) string {
	p := r.Primary()
	if p == nil {
		return ""
	}
	return string(p.Class) + "/" + p.Clause
}

// minimize returns the smallest failing variant of res's scenario it finds
// by greedy edits, each kept only if the variant fails with the same
// signature on minimizeConfirm runs in a row.
//
// It runs with detail on, so the result it returns carries the full
// evidence; a scenario found without it is run again with it.
func minimize(cfg *config, bubble Bubble, newTask NewTask, res *Result) *Result {
	if p := res.Primary(); p != nil && p.Class == ClassSetup {
		// A setup diagnosis: nothing to shrink. Run once with detail, for
		// the name of the waiting call.
		if !res.detailed && !startedHelper(res) { // another run would reach the helper and crash
			detailed := *cfg
			detailed.detail = true
			if r := runScenario(&detailed, bubble, newTask, res.Scenario); signature(r) == signature(res) {
				return r
			}
		}
		return res
	}
	if p := res.Primary(); p != nil && (p.Clause == ClauseLimits || p.Clause == ClauseRealTime) {
		// Every run of a bomb adds its goroutines to the process for good,
		// and every run of a busy loop a goroutine that spins for good: on
		// one processor those starve the runs after them, which would then
		// "fail" the same way whatever they do.
		return res
	}
	sig := signature(res)
	detailed := *cfg
	detailed.detail = true
	quick := *cfg
	quick.detail = false
	cfg = &quick
	budget := minimizeBudget
	// A scenario the watchdog had to judge (a frozen or spinning bubble)
	// costs milliseconds of real time a run, and its failure does not
	// depend on luck: fewer confirmations do.
	confirm := minimizeConfirm
	if res.Abandoned != "" {
		confirm = 3
	}
	// A failure that also happens on one processor is minimized and
	// replayed there, where the scheduler switches goroutines only where
	// they block or yield: its reproducer then replays exactly.
	byChance := false
	if res.Scenario.Procs == 0 {
		serial := clone(res.Scenario)
		serial.Procs = 1
		var last *Result
		for range confirm {
			budget--
			if last = runScenario(cfg, bubble, newTask, serial); signature(last) != sig {
				last = nil
				break
			}
		}
		if last != nil {
			res = last
		} else {
			byChance = true
		}
	}
	// try runs cand confirm times and returns its last result if every
	// run failed the same way.
	try := func(cand scenarios.Scenario) (*Result, bool) {
		var last *Result
		for range confirm {
			budget--
			r := runScenario(cfg, bubble, newTask, cand)
			if signature(r) != sig {
				return nil, false
			}
			last = r
		}
		return last, true
	}
	for progress := true; progress && budget > 0; {
		progress = false
		for _, cand := range edits(res.Scenario) {
			if budget <= 0 {
				break
			}
			if last, ok := try(cand); ok {
				res, progress = last, true
				break // edits of the smaller scenario next
			}
		}
	}
	// A yield at every hit of a point says little about where the window
	// is: pin it to the first single hit that still fails, so the report
	// reads "hit=9". One yield at one hit may not hold the window open
	// where one at every hit did (the goroutines take turns): a single
	// hit is also tried with 16.
pin:
	for i, f := range res.Scenario.Points {
		if f.Hit != 0 || budget <= 0 {
			continue
		}
		for hit := 1; hit <= min(hitsOf(res, f.Name), maxPinned) && budget > 0; hit++ {
			for _, yields := range []int{f.Yields, max(f.Yields, 16)} {
				cand := clone(res.Scenario)
				cand.Points[i].Hit, cand.Points[i].Yields = hit, yields
				if last, ok := try(cand); ok {
					res = last
					continue pin
				}
				if yields == f.Yields && f.Yields >= 16 {
					break
				}
			}
		}
	}
	if !res.detailed {
		for range minimizeConfirm {
			if r := runScenario(&detailed, bubble, newTask, res.Scenario); signature(r) == sig {
				res = r
				break
			}
		}
	}
	res.byChance = byChance
	return res
}

// maxPinned is the most hits minimize tries when it pins a yield at every
// hit of a point to one.
const maxPinned = 64

// hitsOf returns how many times the scenario of res passed the point
// name.
func hitsOf(res *Result, name string) int {
	n := 0
	if res.points != nil {
		res.points.Each(func(pn string, hits int) {
			if pn == name {
				n = hits
			}
		})
	}
	return n
}

// edits returns simpler variants of sc, the biggest cuts first.
func edits(sc scenarios.Scenario) []scenarios.Scenario {
	var out []scenarios.Scenario
	edit := func(f func(*scenarios.Scenario)) {
		c := clone(sc)
		f(&c)
		out = append(out, c)
	}
	// The default start order first: a reproducer that needs no order of
	// its own is the plainer one.
	if len(sc.First) > 0 {
		edit(func(c *scenarios.Scenario) { c.First = nil })
	}
	for i := range sc.ChildFirst {
		edit(func(c *scenarios.Scenario) { c.ChildFirst = slices.Delete(c.ChildFirst, i, i+1) })
	}
	for i := range sc.Actors {
		edit(func(c *scenarios.Scenario) {
			c.Actors = slices.Delete(c.Actors, i, i+1)
			c.First = scenarios.WithoutLane(c.First, scenarios.Lane{N: i + 1})
		})
	}
	for i, a := range sc.Actors {
		for j := range a.Calls {
			if len(a.Calls) > 1 {
				edit(func(c *scenarios.Scenario) { c.Actors[i].Calls = slices.Delete(c.Actors[i].Calls, j, j+1) })
			}
		}
	}
	for i := range sc.Points {
		edit(func(c *scenarios.Scenario) { c.Points = slices.Delete(c.Points, i, i+1) })
	}
	for i := range sc.Fails {
		edit(func(c *scenarios.Scenario) { c.Fails = slices.Delete(c.Fails, i, i+1) })
	}
	if len(sc.Deliveries) > 1 {
		for i := range sc.Deliveries {
			edit(func(c *scenarios.Scenario) {
				c.Deliveries = slices.Delete(c.Deliveries, i, i+1)
				c.First = scenarios.WithoutLane(c.First, scenarios.Lane{Reap: true, N: i + 1})
			})
		}
	}
	for i, a := range sc.Actors {
		for j, call := range a.Calls {
			if call.Delay != 0 {
				edit(func(c *scenarios.Scenario) { c.Actors[i].Calls[j].Delay = 0 })
			}
			if call.Ctx.Kind != faults.Background {
				edit(func(c *scenarios.Scenario) { c.Actors[i].Calls[j].Ctx = faults.Ctx{} })
			}
		}
	}
	for i, d := range sc.Deliveries {
		if d.After != 0 {
			edit(func(c *scenarios.Scenario) { c.Deliveries[i].After = 0 })
		}
	}
	// Yields are not simplified: more of them keep a race window open
	// more reliably, which is what a reproducer needs. A sleep is: a yield
	// is the simpler fault, when it still fails.
	for i, f := range sc.Points {
		if f.Sleep > 0 {
			edit(func(c *scenarios.Scenario) { c.Points[i].Sleep, c.Points[i].Yields = 0, max(f.Yields, 16) })
		}
	}
	for i, f := range sc.Fails {
		if f.Hit != 1 {
			edit(func(c *scenarios.Scenario) { c.Fails[i].Hit = 1 })
		}
	}
	if sc.Signal.IgnoreTerm {
		edit(func(c *scenarios.Scenario) { c.Signal.IgnoreTerm = false })
	}
	if sc.Signal.ExitAfter != 0 {
		edit(func(c *scenarios.Scenario) { c.Signal.ExitAfter = 0 })
	}
	if sc.Exit.Status != 0 {
		edit(func(c *scenarios.Scenario) { c.Exit.Status = 0 })
	}
	return out
}

// clone returns a deep copy of sc.
func clone(sc scenarios.Scenario) scenarios.Scenario {
	c := sc
	c.Deliveries = slices.Clone(sc.Deliveries)
	c.Points = slices.Clone(sc.Points)
	c.Fails = slices.Clone(sc.Fails)
	c.First = slices.Clone(sc.First)
	c.ChildFirst = slices.Clone(sc.ChildFirst)
	c.Actors = make([]scenarios.Actor, len(sc.Actors))
	for i, a := range sc.Actors {
		c.Actors[i].Calls = slices.Clone(a.Calls)
	}
	return c
}

// simpler returns the simpler variants of sc that minimization tries, the
// biggest cuts first. A supervisor that runs scenarios in child processes
// uses it to shrink a scenario that kills its child.
func simpler(sc scenarios.Scenario) []scenarios.Scenario { return edits(sc) }
