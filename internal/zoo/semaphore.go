package zoo

// Style: a buffered channel of one as the lock. Acquiring it is a send
// that can give up on the caller's ctx; Kill holds it across its 1ms round
// trip to the shim, and Reap waits for it there.

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

type semTask struct {
	proc   harness.Process
	sem    chan struct{} // capacity 1: holding a token is holding the lock
	exited chan struct{} // closed by the first Reap, holding sem

	exit    harness.Exit // guarded by sem
	reaped  bool         // guarded by sem
	deleted bool         // guarded by sem
}

func newSemTask(env harness.Env) harness.Task {
	return &semTask{proc: env.Process, sem: make(chan struct{}, 1), exited: make(chan struct{})}
}

func (t *semTask) acquire(ctx context.Context) error {
	select {
	case t.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (t *semTask) release() { <-t.sem }

func (t *semTask) Reap(e harness.Exit) {
	t.sem <- struct{}{}
	defer t.release()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *semTask) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	// The exit is written: a holder of sem may be in Kill's round trip, so
	// wait for it without ctx only once the exit is known (it is short).
	t.sem <- struct{}{}
	defer t.release()
	return t.exit, nil
}

func (t *semTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *semTask) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.sem <- struct{}{}
	t.deleted = true
	t.release()
	return e, nil
}

// Kill reports ESRCH once the exit is known, whatever its ctx
// (KillAfterExitFails), so it looks at exited before it takes the lock.
func (t *semTask) Kill(ctx context.Context, sig syscall.Signal) error {
	select {
	case <-t.exited:
		return processDone("kill")
	default:
	}
	if err := t.acquire(ctx); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	defer t.release()
	if t.reaped {
		return processDone("kill")
	}
	time.Sleep(time.Millisecond) // the RPC to the shim
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}
