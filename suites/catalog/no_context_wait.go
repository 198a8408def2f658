package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewNoContextWait builds a task whose Wait ignores its ctx: it blocks on the
// exit channel alone, so it hangs when the exit is lost or comes after the
// ctx deadline. Everything else is correct.
func NewNoContextWait(env harness.Env) harness.Task {
	return &noContextWait{env: env, exited: make(chan struct{})}
}

type noContextWait struct {
	env    harness.Env
	exited chan struct{} // closed once, by the first Reap under mu; never reassigned

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu; written by the first Reap
	reaped bool         // guarded by mu
}

func (t *noContextWait) Reap(e harness.Exit) {
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

func (t *noContextWait) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	<-t.exited // BUG: ctx is ignored; no exit means no return, whatever the deadline
	t.env.Point("wait:exited")
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *noContextWait) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
