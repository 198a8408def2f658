package zoo

// Style: a Delete that refuses a running task. Delete before the exit
// fails at once with ErrNotExited instead of waiting, as `ctr task delete`
// of a running task does; its check (harness.DeleteBeforeExitFails)
// holds it to that. The state is a map of phase to the time it began,
// under a mutex, and waiters wait on a channel per phase.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type refusing struct {
	proc    harness.Process
	reached map[phase]chan struct{} // set at construction: closed when the phase begins, under mu

	mu    sync.Mutex
	phase phase        // guarded by mu
	exit  harness.Exit // guarded by mu
}

func newRefusing(env harness.Env) harness.Task {
	return &refusing{proc: env.Process, reached: map[phase]chan struct{}{
		phaseStopped: make(chan struct{}),
		phaseDeleted: make(chan struct{}),
	}}
}

// enterLocked moves to phase p if it is later than the current one. Call
// with mu held.
func (t *refusing) enterLocked(p phase) bool {
	if t.phase >= p {
		return false
	}
	for q := t.phase + 1; q <= p; q++ {
		close(t.reached[q])
	}
	t.phase = p
	return true
}

func (t *refusing) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase == phaseRunning {
		t.exit = e
		t.enterLocked(phaseStopped)
	}
}

func (t *refusing) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.reached[phaseStopped]:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *refusing) Delete(context.Context) (harness.Exit, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase == phaseRunning {
		return harness.Exit{}, fmt.Errorf("delete: pid %d: %w", t.proc.Pid(), ErrNotExited)
	}
	t.enterLocked(phaseDeleted)
	return t.exit, nil
}

func (t *refusing) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.phase != phaseRunning {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
