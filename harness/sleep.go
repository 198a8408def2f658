package harness

import (
	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/scenarios"
)

// sleepGrace is the share of grace one drawn sleep may take: a scenario
// draws at most three, so a call is slowed by at most 3/8 of the grace
// its bounds allow.
const sleepGrace = 8

// allowSleeps lets faults at the automatic points of s sleep virtual time
// (scenarios.Shape.SleepAt), each up to grace/sleepGrace. Only automatic
// points: instrumented code's lock waits are durable (autopoint.Lock), so
// a goroutine sleeping there, even while holding a lock, lets the clock
// move on; a hand-placed point may sit inside a plain sync.Mutex, whose
// waiters would freeze the clock with the sleeper asleep. A check that
// does not route automatic points (another holds the hook) draws none.
func (c *config) allowSleeps(s *scenarios.Shape) {
	if !c.ownsHook {
		return
	}
	s.SleepAt = func(name string) bool {
		_, ok := autopoint.Lookup(name)
		return ok
	}
	s.MaxSleep = c.grace / sleepGrace
}
