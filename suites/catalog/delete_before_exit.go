package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewDeleteBeforeExit builds a task whose Delete does not wait for the exit:
// it marks the task deleted and returns whatever exit is recorded, with a nil
// error, so before any Reap it reports success with a zero Exit for a
// process that is still running.
func NewDeleteBeforeExit(env harness.Env) harness.Task {
	return &deleteBeforeExit{env: env, exited: make(chan struct{})}
}

type deleteBeforeExit struct {
	env    harness.Env
	exited chan struct{} // closed once, by the first Reap under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func (t *deleteBeforeExit) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
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

func (t *deleteBeforeExit) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *deleteBeforeExit) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	// BUG: no check of reaped and no wait on exited; before the Reap this
	// "succeeds" with the zero Exit.
	t.deleted = true
	return t.exit, nil
}
