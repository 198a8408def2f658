package harness

import "github.com/reaptest/reaptest/faults"

// DumpCount returns how many whole-process goroutine dumps the watchdog
// and the judges have taken so far, for benchmarks and tests.
func DumpCount() int64 { return dumpCount.Load() }

// RouteHits claims autopoint's hook as a check does and routes its hits to
// p, as while a scenario runs; release gives the hook back. For
// benchmarks of the point-hit path.
func RouteHits(p *faults.Points) (release func()) {
	cfg := defaults()
	giveBack := cfg.claimHook()
	stop := cfg.aim(p)
	return func() { stop(); giveBack() }
}
