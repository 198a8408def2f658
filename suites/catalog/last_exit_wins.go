package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewLastExitWins builds a task whose every Reap overwrites the recorded
// exit: the channel close is correctly guarded, but a duplicate Reap with
// another status (say 137 after 0) changes what later Waits and Deletes
// report.
func NewLastExitWins(env harness.Env) harness.Task {
	return &lastExitWins{env: env, exited: make(chan struct{})}
}

type lastExitWins struct {
	env    harness.Env
	exited chan struct{} // closed once, under mu, when reaped first becomes true

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu; BUG: written by every Reap
	reaped bool         // guarded by mu
}

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

func (t *lastExitWins) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *lastExitWins) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
