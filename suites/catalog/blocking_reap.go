package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewBlockingReap builds a task whose Reap records the exit and then hands it
// to a waiter over an unbuffered channel that only Wait receives from; with
// no Wait in flight, the monitor blocks inside Reap (until some Wait comes,
// forever if none does). Waits work whenever Reap can deliver.
func NewBlockingReap(env harness.Env) harness.Task {
	return &blockingReap{env: env, exits: make(chan harness.Exit), exited: make(chan struct{})}
}

type blockingReap struct {
	env harness.Env
	// exits carries the exit from the first Reap to one Wait. BUG: unbuffered,
	// and nothing but Wait receives from it.
	exits chan harness.Exit
	// exited is closed by the first Reap once the hand-off is done, releasing
	// every other Wait and Delete.
	exited chan struct{}

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu; written by the first Reap
	reaped bool         // guarded by mu
}

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
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *blockingReap) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
