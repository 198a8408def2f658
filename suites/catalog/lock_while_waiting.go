package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewLockWhileWaiting builds a task whose Delete takes the task mutex and,
// while holding it, blocks on the exit channel; Reap needs the same mutex to
// close that channel, so a Delete that starts before the Reap deadlocks with
// it (both stuck, Reap on sync.Mutex). Delete after the Reap works.
func NewLockWhileWaiting(env harness.Env) harness.Task {
	return &lockWhileWaiting{env: env, exited: make(chan struct{})}
}

type lockWhileWaiting struct {
	env    harness.Env
	exited chan struct{} // closed once, by the first Reap under mu

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

func (t *lockWhileWaiting) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock() // blocks forever while a Delete holds mu waiting for this very Reap
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	if t.reaped {
		return
	}
	t.reaped = true
	t.exit = e
	t.env.Point("reap:close")
	close(t.exited)
}

func (t *lockWhileWaiting) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *lockWhileWaiting) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	<-t.exited // BUG: waits for Reap while holding the mutex Reap needs (and ignores ctx)
	return t.exit, nil
}
