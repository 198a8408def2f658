package zoo

// Style: an idempotent Delete. Deleting is one removal whose result
// sync.OnceValues caches: every Delete, the first or the tenth, concurrent
// or not, waits for the exit and then returns that one result, the exit
// and nil; a Wait after Delete still returns the exit.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type idempotent struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, under mu
	remove func() (harness.Exit, error)

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	removed bool         // guarded by mu
}

func newIdempotent(env harness.Env) harness.Task {
	t := &idempotent{proc: env.Process, exited: make(chan struct{})}
	t.remove = sync.OnceValues(func() (harness.Exit, error) {
		t.mu.Lock()
		defer t.mu.Unlock()
		t.removed = true
		return t.exit, nil
	})
	return t
}

func (t *idempotent) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *idempotent) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

// Delete is called only once the exit is known, so the cached result is
// always the exit.
func (t *idempotent) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	return t.remove()
}

func (t *idempotent) Kill(_ context.Context, sig syscall.Signal) error {
	select {
	case <-t.exited:
		return processDone("kill")
	default:
		return t.proc.Signal(sig)
	}
}
