package zoo

// Style: an immutable state snapshot swapped by atomic.Pointer
// compare-and-swap. Every transition (running -> exited -> deleted) builds
// a new snapshot and swaps it in with CompareAndSwap, retrying on a lost
// race; the Reap that wins the swap to exited closes the exit channel.

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type snapshot struct {
	phase phase
	exit  harness.Exit // valid from phaseStopped on
}

type casTask struct {
	proc   harness.Process
	state  atomic.Pointer[snapshot]
	exited chan struct{} // closed by the Reap whose swap to phaseStopped won
}

func newCASTask(env harness.Env) harness.Task {
	t := &casTask{proc: env.Process, exited: make(chan struct{})}
	t.state.Store(&snapshot{phase: phaseRunning})
	return t
}

func (t *casTask) Reap(e harness.Exit) {
	for {
		cur := t.state.Load()
		if cur.phase != phaseRunning {
			return
		}
		if t.state.CompareAndSwap(cur, &snapshot{phase: phaseStopped, exit: e}) {
			close(t.exited)
			return
		}
	}
}

func (t *casTask) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
		return t.state.Load().exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *casTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *casTask) Delete(ctx context.Context) (harness.Exit, error) {
	if _, err := t.await(ctx); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	for {
		cur := t.state.Load()
		if cur.phase == phaseDeleted || t.state.CompareAndSwap(cur, &snapshot{phase: phaseDeleted, exit: cur.exit}) {
			return cur.exit, nil
		}
	}
}

func (t *casTask) Kill(_ context.Context, sig syscall.Signal) error {
	switch t.state.Load().phase {
	case phaseDeleted:
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	case phaseStopped:
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
