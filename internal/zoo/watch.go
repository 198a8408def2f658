package zoo

// Style: a generation channel (a watch). The state has a change channel
// that every state change closes and replaces with a fresh one; a waiter
// reads the state and the current change channel together under the
// mutex, and if the state is not what it waits for, waits for that
// channel (or its ctx) and looks again.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type watched struct {
	proc harness.Process

	mu      sync.Mutex
	changed chan struct{} // guarded by mu; closed and replaced on every change
	exit    *harness.Exit // guarded by mu; set by the first Reap
	deleted bool          // guarded by mu
}

func newWatched(env harness.Env) harness.Task {
	return &watched{proc: env.Process, changed: make(chan struct{})}
}

// changeLocked publishes a state change. Call with mu held.
func (t *watched) changeLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *watched) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit == nil {
		t.exit = &e
		t.changeLocked()
	}
}

func (t *watched) await(ctx context.Context) (harness.Exit, error) {
	for {
		t.mu.Lock()
		exit, next := t.exit, t.changed
		t.mu.Unlock()
		if exit != nil {
			return *exit, nil
		}
		select {
		case <-next:
		case <-ctx.Done():
			return harness.Exit{}, ctx.Err()
		}
	}
}

func (t *watched) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *watched) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.deleted {
		t.deleted = true
		t.changeLocked()
	}
	return e, nil
}

func (t *watched) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	exited := t.exit != nil
	t.mu.Unlock()
	if exited {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
