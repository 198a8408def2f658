package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewUnguardedClose builds a task whose Reap closes the exit channel outside
// any guard: the exit value is first-wins, but the close is not, so a second
// Reap panics with "close of closed channel". Everything else is correct.
func NewUnguardedClose(env harness.Env) harness.Task {
	return &unguardedClose{env: env, exited: make(chan struct{})}
}

type unguardedClose struct {
	env    harness.Env
	exited chan struct{} // BUG: closed by every Reap; never reassigned

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu; written by the first Reap
	reaped bool         // guarded by mu; protects exit but not the close
}

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

func (t *unguardedClose) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *unguardedClose) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
