package zoo

// Style: a Delete that wakes every waiter. Waiters select on the exit, the
// removal and their ctx; Delete, once the exit is known, closes the
// removal channel, so a Wait still waiting then, or arriving after, gets
// ErrDeleted (as a client of a runtime whose task object is gone would).
// A Wait that sees both the exit and the removal may report either: the
// Delete it overlaps may have taken effect first.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type wakeWaiters struct {
	proc    harness.Process
	exited  chan struct{} // closed by the first Reap, under mu
	removed chan struct{} // closed by the first successful Delete, under mu

	mu        sync.Mutex
	exit      harness.Exit // guarded by mu
	reaped    bool         // guarded by mu
	isRemoved bool         // guarded by mu
}

func newWakeWaiters(env harness.Env) harness.Task {
	return &wakeWaiters{proc: env.Process, exited: make(chan struct{}), removed: make(chan struct{})}
}

func (t *wakeWaiters) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *wakeWaiters) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-t.removed:
		return harness.Exit{}, fmt.Errorf("wait: %w", ErrDeleted)
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *wakeWaiters) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.isRemoved {
		t.isRemoved = true
		close(t.removed)
	}
	return t.exit, nil
}

func (t *wakeWaiters) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.isRemoved:
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	case t.reaped:
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
