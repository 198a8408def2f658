package harness

import (
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/scenarios"
)

// sleepGrace is the share of grace one drawn sleep may take: a scenario
// draws at most three, so a call is slowed by at most 3/4 of the grace
// its bounds allow (the default grace, 100ms, allows sleeps up to 20ms).
const sleepGrace = 4

// sleepOps are the operations before (or, unlocked, after) which a
// drawn fault may sleep: where the goroutine is about to take a lock or
// has just let one go, and so usually holds none.
var sleepOps = map[string]bool{"unlocked": true, "Lock": true, "RLock": true}

// allowSleeps lets faults at some automatic points of s sleep virtual
// time (scenarios.Shape.SleepAt), each up to grace/sleepGrace: at a Lock
// or RLock, or right after an unlock (sleepOps), where the goroutine
// usually holds no lock, so that no waiter of a lock it holds is left
// waiting while it sleeps. Instrumented code's lock waits are durable
// (autopoint.Lock) and would let the clock move on even then, but a point
// may sit in code whose locks are not instrumented (a lock the rewrite
// leaves to the generic wrapper, a hand-instrumented fixture): a waiter
// of such a lock would freeze the clock with the sleeper asleep, and the
// stall would be judged lock-across-time. Hand-placed points get no
// sleeps for the same reason. A check that does not route automatic
// points (another holds the hook) draws none.
func (c *config) allowSleeps(s *scenarios.Shape) {
	if !c.ownsHook {
		return
	}
	sites := hook.Sites()
	s.SleepAt = func(name string) bool {
		id, ok := hook.Lookup(name)
		return ok && int(id) < len(sites) && sleepOps[sites[id].Op]
	}
	s.MaxSleep = c.grace / sleepGrace
}
