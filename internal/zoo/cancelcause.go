package zoo

// Style: context.WithCancelCause. The task's life is a context: the first
// Reap cancels it with the exit as its cause (a CancelCauseFunc keeps the
// first cause, so a duplicate exit cannot replace it), and waiters select
// on its Done and read the exit back with context.Cause.

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// exitCause carries an exit as a context's cancellation cause.
type exitCause struct{ exit harness.Exit }

func (c *exitCause) Error() string {
	return fmt.Sprintf("process %d exited with status %d", c.exit.Pid, c.exit.Status)
}

type causeTask struct {
	proc    harness.Process
	life    context.Context // cancelled by the first Reap, with an *exitCause
	exited  context.CancelCauseFunc
	removed context.Context // cancelled by the first successful Delete
	remove  context.CancelCauseFunc
}

func newCauseTask(env harness.Env) harness.Task {
	t := &causeTask{proc: env.Process}
	t.life, t.exited = context.WithCancelCause(context.Background())
	t.removed, t.remove = context.WithCancelCause(context.Background())
	return t
}

func (t *causeTask) Reap(e harness.Exit) { t.exited(&exitCause{exit: e}) }

func (t *causeTask) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.life.Done():
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	var c *exitCause
	if !errors.As(context.Cause(t.life), &c) {
		return harness.Exit{}, fmt.Errorf("task ended without an exit: %w", context.Cause(t.life))
	}
	return c.exit, nil
}

func (t *causeTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *causeTask) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.remove(ErrDeleted)
	return e, nil
}

func (t *causeTask) Kill(_ context.Context, sig syscall.Signal) error {
	if t.removed.Err() != nil {
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	}
	if t.life.Err() != nil {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
