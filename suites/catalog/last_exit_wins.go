package catalog

import (
	"github.com/reaptest/reaptest/harness"
)

// NewLastExitWins builds a task whose every Reap overwrites the recorded
// exit: the channel close is correctly guarded, but a duplicate Reap with
// another status (say 137 after 0) changes what later Waits and Deletes
// report.
func NewLastExitWins(env harness.Env) harness.Task {
	return &lastExitWins{core: newCore(env)}
}

// lastExitWins is core (correct Wait and Delete; fields guarded as
// documented there) with a Reap that writes core's exit, under mu, on every
// call instead of only on the first.
type lastExitWins struct {
	core
}

// Reap records the exit and, on the first call, closes the exit channel.
func (t *lastExitWins) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	t.exit = e // BUG: should only be written by the first Reap
	if t.reaped {
		return
	}
	t.reaped = true
	t.env.Point("reap:close")
	close(t.exited)
}
