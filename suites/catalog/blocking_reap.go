package catalog

import (
	"context"
	"fmt"

	"github.com/reaptest/reaptest/harness"
)

// NewBlockingReap builds a task whose Reap records the exit and then hands it
// to a waiter over an unbuffered channel that only Wait receives from; with
// no Wait in flight, the monitor blocks inside Reap (until some Wait comes,
// forever if none does). Waits work whenever Reap can deliver.
func NewBlockingReap(env harness.Env) harness.Task {
	return &blockingReap{core: newCore(env), exits: make(chan harness.Exit)}
}

// blockingReap is core (correct Delete; fields guarded as documented there)
// with a Reap that hands the exit to one Wait before it closes core's
// exited channel, and a Wait that can take that hand-off. The close happens
// outside mu, but still exactly once: only the Reap that set reaped gets
// there.
type blockingReap struct {
	core
	// exits carries the exit from the first Reap to one Wait. BUG: unbuffered,
	// and nothing but Wait receives from it. Never reassigned.
	exits chan harness.Exit
}

// Reap records the exit, hands it to a Wait, then closes the exit channel,
// releasing every other Wait and Delete. Duplicates are ignored.
func (t *blockingReap) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	if t.reaped {
		t.mu.Unlock()
		return
	}
	t.reaped = true
	t.exit = e
	t.mu.Unlock()
	t.env.Point("reap:send")
	t.exits <- e // BUG: the monitor blocks here until some Wait receives
	close(t.exited)
}

// Wait returns the exit once a Reap hands it over or the exit channel is
// closed, or an error wrapping ctx.Err() if ctx ends first.
func (t *blockingReap) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	select {
	case e := <-t.exits: // the one Wait that takes the hand-off
		return e, nil
	case <-t.exited:
	case <-ctx.Done():
		select {
		case <-t.exited:
		default:
			return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
		}
	}
	return t.result(), nil
}
