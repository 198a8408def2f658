package harness

import (
	"time"

	"github.com/reaptest/reaptest/internal/sim"
	"github.com/reaptest/reaptest/scenarios"
)

// DumpCount returns how many whole-process goroutine dumps the watchdog
// and the judges have taken so far, for benchmarks and tests.
func DumpCount() int64 { return dumpCount.Load() }

// HookBusy reports whether another check held autopoint's hook when the
// check c sums up started.
func HookBusy(c Coverage) bool { return c.hookBusy }

// RouteHits claims autopoint's hook as a check does and routes its hits to
// p, as while a scenario runs; release gives the hook back. For
// benchmarks of the point-hit path.
func RouteHits(p *sim.Points) (release func()) {
	cfg := defaults()
	giveBack := cfg.claimHook()
	stop := cfg.aim(p)
	return func() { stop(); giveBack() }
}

// LearnShape runs what Check runs before exploring and returns the shape
// Check would explore with, or the failure found on the way.
func LearnShape(bubble Bubble, newTask NewTask, opts ...Option) (scenarios.Shape, *Failure) {
	cfg := newConfig(opts)
	defer cfg.setProcs()()
	defer cfg.claimHook()()
	p := &prelude{cfg: cfg, bubble: bubble, newTask: newTask}
	return p.learn()
}

// RunQuick runs one scenario as exploration does: without detail, on
// one processor, owning autopoint's hook.
func RunQuick(bubble Bubble, newTask NewTask, sc scenarios.Scenario) *Result {
	cfg := defaults()
	defer cfg.setProcs()()
	defer cfg.claimHook()()
	return runScenario(cfg, bubble, newTask, sc)
}

// LastDumpCost returns what the last goroutine dump cost, in real time.
func LastDumpCost() time.Duration { return time.Duration(lastDumpCost.Load()) }

// The plumbing internal/plumb hands to suites, under the names the tests
// use.
var (
	Relaxations = relaxations
	Progress    = progress
	Heartbeat   = heartbeat
	DumpNote    = dumpNote
	Diagnose    = diagnose
)

// ReleaseAbandoned lets the mains of abandoned scenarios return, from now
// on in this test binary, so that a test that abandoned a bubble on
// purpose can end it before it returns.
func ReleaseAbandoned() { releaseAbandoned() }
