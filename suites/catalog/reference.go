package catalog

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// NewReference builds the correct reference task. The first Reap records the
// exit and closes the exit channel exactly once; Wait and Delete wait on that
// channel bounded by their ctx; Kill signals the process until it has exited.
// It spawns no goroutines and implements harness.Killer.
func NewReference(env harness.Env) harness.Task {
	return &reference{env: env, exited: make(chan struct{})}
}

type reference struct {
	env harness.Env
	// exited is closed by the first Reap, under mu and only when reaped was
	// false, so it is closed exactly once. It is never reassigned.
	exited chan struct{}

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu; written once, by the first Reap
	reaped  bool         // guarded by mu; set by the first Reap
	deleted bool         // guarded by mu; set by the first successful Delete
}

// Reap records the exit; the first Reap wins and later ones are ignored.
// It never blocks on clients: it only takes mu, which nobody holds while
// waiting.
func (t *reference) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	if t.reaped {
		return // first Reap wins: a duplicate must not change the exit
	}
	t.reaped = true
	t.exit = e
	t.env.Point("reap:close")
	close(t.exited)
}

// Wait returns the exit once it is reaped, or ctx.Err() if ctx ends first.
func (t *reference) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.env.Point("wait:exited")
	return t.result(), nil
}

// Delete waits for the exit (bounded by ctx), marks the task deleted and
// returns the exit. Repeated Deletes return the same exit.
func (t *reference) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.env.Point("delete:exited")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	t.deleted = true
	return t.exit, nil
}

// Kill signals the process if it has not exited yet. After the exit it
// returns an error wrapping both os.ErrProcessDone and syscall.ESRCH (and
// ErrDeleted after Delete), so it also meets harness.KillAfterExitFails.
// It does not wait for the signal to take effect.
func (t *reference) Kill(_ context.Context, sig syscall.Signal) error {
	t.env.Point("kill:start")
	t.mu.Lock()
	reaped, deleted := t.reaped, t.deleted
	t.mu.Unlock()
	switch {
	case deleted:
		return fmt.Errorf("kill: %w: %w (%w)", ErrDeleted, os.ErrProcessDone, syscall.ESRCH)
	case reaped:
		return fmt.Errorf("kill: %w (%w)", os.ErrProcessDone, syscall.ESRCH)
	}
	t.env.Point("kill:checked")
	// The process may exit between the check and the signal; Signal then
	// returns ESRCH, which is passed on wrapped.
	if err := t.env.Process.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}

// result returns the recorded exit.
func (t *reference) result() harness.Exit {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit
}
