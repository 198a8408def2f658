package zoo

// Style: sync.Cond. The exit lives under a mutex and waiters sleep on a
// condition variable that the first Reap broadcasts; a waiter's ctx wakes
// it through context.AfterFunc, which broadcasts under the same mutex.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type condTask struct {
	proc harness.Process

	mu      sync.Mutex
	changed *sync.Cond    // on mu: broadcast when exit is set, or a waiter's ctx ends
	exit    *harness.Exit // guarded by mu; set once, by the first Reap
	deleted bool          // guarded by mu
}

func newCondTask(env harness.Env) harness.Task {
	t := &condTask{proc: env.Process}
	t.changed = sync.NewCond(&t.mu)
	return t
}

func (t *condTask) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit == nil {
		t.exit = &e
		t.changed.Broadcast()
	}
}

// awaitLocked waits, with mu held, until the exit is known or ctx ends.
func (t *condTask) awaitLocked(ctx context.Context) (harness.Exit, error) {
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.changed.Broadcast()
	})
	defer stop()
	for t.exit == nil {
		if err := ctx.Err(); err != nil {
			return harness.Exit{}, err
		}
		t.changed.Wait()
	}
	return *t.exit, nil
}

func (t *condTask) Wait(ctx context.Context) (harness.Exit, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.awaitLocked(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *condTask) Delete(ctx context.Context) (harness.Exit, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, err := t.awaitLocked(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.deleted = true
	return e, nil
}

func (t *condTask) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit != nil {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
