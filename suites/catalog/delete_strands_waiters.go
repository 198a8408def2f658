package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewDeleteStrandsWaiters builds a task whose successful Delete "releases
// resources" by replacing the exit channel with a fresh one that is never
// closed; Wait reads the channel field when it starts, so every Wait after
// Delete blocks until its ctx ends, forever with a background ctx.
func NewDeleteStrandsWaiters(env harness.Env) harness.Task {
	return &deleteStrandsWaiters{env: env, exited: make(chan struct{})}
}

type deleteStrandsWaiters struct {
	env harness.Env

	mu      sync.Mutex
	exited  chan struct{} // guarded by mu; closed by the first Reap, BUG: replaced by Delete
	exit    harness.Exit  // guarded by mu
	reaped  bool          // guarded by mu
	deleted bool          // guarded by mu
}

func (t *deleteStrandsWaiters) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	if t.reaped {
		return // also after Delete: the replacement channel is never closed
	}
	t.reaped = true
	t.exit = e
	t.env.Point("reap:close")
	close(t.exited)
}

// exitCh returns the current exit channel.
func (t *deleteStrandsWaiters) exitCh() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exited
}

func (t *deleteStrandsWaiters) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	ch := t.exitCh() // after Delete this is the never-closed replacement
	t.env.Point("wait:loaded")
	if err := awaitExit(ctx, ch); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *deleteStrandsWaiters) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	t.mu.Lock()
	if t.deleted {
		defer t.mu.Unlock()
		return t.exit, nil // repeated Delete: same exit
	}
	ch := t.exited
	t.mu.Unlock()
	if err := awaitExit(ctx, ch); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	t.deleted = true
	t.exited = make(chan struct{}) // BUG: "release" the closed channel; later Waits block on this one
	return t.exit, nil
}
