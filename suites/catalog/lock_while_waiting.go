package catalog

import (
	"context"

	"github.com/reaptest/reaptest/harness"
)

// NewLockWhileWaiting builds a task whose Delete takes the task mutex and,
// while holding it, blocks on the exit channel; Reap needs the same mutex to
// close that channel, so a Delete that starts before the Reap deadlocks with
// it (both stuck, Reap on sync.Mutex). Delete after the Reap works.
func NewLockWhileWaiting(env harness.Env) harness.Task {
	return &lockWhileWaiting{core: newCore(env)}
}

// lockWhileWaiting is core (correct Reap and Wait; fields guarded as
// documented there) with a Delete that waits for the exit while holding mu.
// core's Reap must take mu before it can close the exit channel, so while
// such a Delete waits, the Reap it waits for blocks forever on mu.
type lockWhileWaiting struct {
	core
}

// Delete waits for the exit and returns it.
func (t *lockWhileWaiting) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	<-t.exited // BUG: waits for Reap while holding the mutex Reap needs (and ignores ctx)
	return t.exit, nil
}
