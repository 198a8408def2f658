package zoo

// Style: an atomic fast path. An atomic.Bool says whether the exit is
// known; callers that see it set read the exit without waiting, the
// others take the slow path: a channel closed under a mutex, where Reap
// double-checks the flag before it writes.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type fastPath struct {
	proc   harness.Process
	known  atomic.Bool   // set after exit is written, under mu
	exited chan struct{} // closed with known set, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu for writes; read freely once known is set
	deleted atomic.Bool
}

func newFastPath(env harness.Env) harness.Task {
	return &fastPath{proc: env.Process, exited: make(chan struct{})}
}

func (t *fastPath) Reap(e harness.Exit) {
	if t.known.Load() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.known.Load() {
		return
	}
	t.exit = e
	t.known.Store(true)
	close(t.exited)
}

func (t *fastPath) await(ctx context.Context) (harness.Exit, error) {
	if t.known.Load() {
		return t.exit, nil
	}
	select {
	case <-t.exited:
		return t.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *fastPath) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *fastPath) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.deleted.Store(true)
	return e, nil
}

func (t *fastPath) Kill(_ context.Context, sig syscall.Signal) error {
	if t.known.Load() {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
