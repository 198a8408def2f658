package zoo

// Style: a state enum (running, stopped, deleted) under one sync.Mutex,
// held across Delete's round trip to remove the task (1ms, simulated with
// time.Sleep), so that Kill and Reap see either the task or its removal,
// never half of it.

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"sync"

	"github.com/reaptest/reaptest/harness"
)

type phase int

const (
	phaseRunning phase = iota
	phaseStopped
	phaseDeleted
)

type rpcDelete struct {
	proc    harness.Process
	stopped chan struct{} // closed when state leaves phaseRunning, under mu

	mu    sync.Mutex
	state phase        // guarded by mu
	exit  harness.Exit // guarded by mu; set when state leaves phaseRunning
}

func newRPCDelete(env harness.Env) harness.Task {
	return &rpcDelete{proc: env.Process, stopped: make(chan struct{})}
}

func (t *rpcDelete) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state != phaseRunning {
		return
	}
	t.state, t.exit = phaseStopped, e
	close(t.stopped)
}

func (t *rpcDelete) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.stopped:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *rpcDelete) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.stopped:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.state == phaseStopped {
		time.Sleep(time.Millisecond) // the RPC that removes the task's resources
		t.state = phaseDeleted
	}
	return t.exit, nil
}

func (t *rpcDelete) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch t.state {
	case phaseDeleted:
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	case phaseStopped:
		return processDone("kill")
	}
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}
