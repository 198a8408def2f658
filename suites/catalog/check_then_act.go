package catalog

import (
	"github.com/reaptest/reaptest/harness"
)

// NewCheckThenAct builds a task whose Reap checks the exited flag under the
// lock, releases it, and re-takes it to close the exit channel: two
// concurrent Reaps both pass the check and the second close panics.
// Sequential duplicate Reaps are handled; everything else is correct.
func NewCheckThenAct(env harness.Env) harness.Task {
	return &checkThenAct{core: newCore(env)}
}

// checkThenAct is core (correct Wait and Delete; fields guarded as
// documented there) with a Reap that checks reaped in one critical section
// of mu and, in another, closes core's exited channel and sets reaped.
// Between the two sits the fault point "reap:checked", where the harness
// can hold one Reap while another passes the same check.
type checkThenAct struct {
	core
}

// Reap records the exit and closes the exit channel, unless a Reap that
// came before has already done so. Sequential duplicates are ignored, but
// two Reaps that overlap can both get past the check, and then both close
// the channel.
func (t *checkThenAct) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	done := t.reaped
	t.mu.Unlock()
	if done {
		return
	}
	// BUG: the lock was dropped after the check; another Reap can pass the
	// same check right here.
	t.env.Point("reap:checked")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	close(t.exited) // the second racing Reap panics here
	t.reaped = true
	t.exit = e
}
