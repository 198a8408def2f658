package zoo

// Style: a Kill that escalates. Kill sends its signal and, unless it was
// SIGKILL, arms a timer of its own (killGrace); if the exit has not been
// reaped when it fires, Kill sends SIGKILL, as `docker stop` does after
// its timeout. Kill returns when the exit is reaped, after the SIGKILL, or
// when its ctx ends, and stops its timer on the way out.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// killGrace is how long Kill gives the process to heed its signal before
// it sends SIGKILL.
const killGrace = 20 * time.Millisecond

type escalating struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newEscalating(env harness.Env) harness.Task {
	return &escalating{proc: env.Process, exited: make(chan struct{})}
}

func (t *escalating) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *escalating) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *escalating) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *escalating) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}

func (t *escalating) Kill(ctx context.Context, sig syscall.Signal) error {
	select {
	case <-t.exited:
		return processDone("kill")
	default:
	}
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if sig == syscall.SIGKILL {
		return nil
	}
	escalate := time.NewTimer(killGrace)
	defer escalate.Stop()
	select {
	case <-t.exited:
		return nil
	case <-ctx.Done():
		return nil // the signal was sent; the caller stopped waiting for it to work
	case <-escalate.C:
	}
	if err := t.proc.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill: escalating to SIGKILL: %w", err)
	}
	return nil
}
