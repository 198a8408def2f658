package catalog

import (
	"github.com/reaptest/reaptest/harness"
)

// NewUnguardedClose builds a task whose Reap closes the exit channel outside
// any guard: the exit value is first-wins, but the close is not, so a second
// Reap panics with "close of closed channel". Everything else is correct.
func NewUnguardedClose(env harness.Env) harness.Task {
	return &unguardedClose{core: newCore(env)}
}

// unguardedClose is core (correct Wait and Delete; fields guarded as
// documented there) with a Reap that closes core's exited channel every
// time: reaped, under mu, protects the exit but not the close.
type unguardedClose struct {
	core
}

// Reap records the first exit, then closes the exit channel, on every call.
func (t *unguardedClose) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	if !t.reaped {
		t.reaped = true
		t.exit = e
	}
	t.mu.Unlock()
	t.env.Point("reap:close")
	close(t.exited) // BUG: no guard; the duplicate Reap panics here
}
