package catalog

import (
	"context"
	"fmt"

	"github.com/reaptest/reaptest/harness"
)

// NewDeleteStrandsWaiters builds a task whose successful Delete "releases
// resources" by replacing the exit channel with a fresh one that is never
// closed; Wait reads the channel field when it starts, so every Wait after
// Delete blocks until its ctx ends, forever with a background ctx.
func NewDeleteStrandsWaiters(env harness.Env) harness.Task {
	return &deleteStrandsWaiters{core: newCore(env)}
}

// deleteStrandsWaiters is core (correct Reap; fields guarded as documented
// there) with a Delete that reassigns core's exited channel. Since the
// field changes, it is guarded by mu here: Delete writes it and Wait reads
// it under mu (core's Reap already closes it under mu), which is why Wait
// and Delete are overridden. The Reap after a Delete finds reaped set and
// leaves the replacement open: nothing ever closes it.
type deleteStrandsWaiters struct {
	core
}

// exitCh returns the current exit channel.
func (t *deleteStrandsWaiters) exitCh() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exited
}

// Wait returns the exit once the current exit channel is closed, or an
// error wrapping ctx.Err() if ctx ends first.
func (t *deleteStrandsWaiters) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	ch := t.exitCh() // after Delete this is the never-closed replacement
	t.env.Point("wait:loaded")
	if err := awaitExit(ctx, ch); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	return t.result(), nil
}

// Delete waits for the exit (bounded by ctx), marks the task deleted,
// swaps in a fresh exit channel and returns the exit; repeated Deletes
// return the same exit.
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
