package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewCheckThenAct builds a task whose Reap checks the exited flag under the
// lock, releases it, and re-takes it to close the exit channel: two
// concurrent Reaps both pass the check and the second close panics.
// Sequential duplicate Reaps are handled; everything else is correct.
func NewCheckThenAct(env harness.Env) harness.Task {
	return &checkThenAct{env: env, exited: make(chan struct{})}
}

type checkThenAct struct {
	env    harness.Env
	exited chan struct{} // closed under mu by a Reap that saw reaped == false

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu; BUG: checked and set in two critical sections
}

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

func (t *checkThenAct) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *checkThenAct) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
