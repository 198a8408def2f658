package zoo

// Style: a shim client whose one sync.Mutex guards the task's state and is
// held across Kill's round trip to the shim (1ms, simulated with
// time.Sleep), as moby's killWithSignal holds the container lock across
// the task.Kill RPC while the exit handler waits for that lock.

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

type rpcKill struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newRPCKill(env harness.Env) harness.Task {
	return &rpcKill{proc: env.Process, exited: make(chan struct{})}
}

func (t *rpcKill) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reaped {
		return
	}
	t.reaped, t.exit = true, e
	close(t.exited)
}

func (t *rpcKill) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *rpcKill) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deleted = true
	return t.exit, nil
}

// Kill holds mu for the whole call, the shim round trip included, so that
// no exit is recorded between the check and the signal.
func (t *rpcKill) Kill(ctx context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.reaped {
		return processDone("kill")
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	time.Sleep(time.Millisecond) // the RPC to the shim
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: shim: %w", err)
	}
	return nil
}
