package zoo

// Style: a daemon's Kill with its own bounds, as moby's ContainerKill: it
// takes no deadline from its caller, sends SIGTERM, waits up to 10s for
// the exit, then sends SIGKILL and waits up to 2s more, each wait on a
// fresh timer. Its check relaxes kill-bounded to those 12s
// (harness.KillBoundedBy). Waiters are released by closing a channel
// under a sync.RWMutex.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// The bounds of daemonKill's Kill: stopTimeout for the signal asked for,
// then killTimeout after SIGKILL.
const (
	stopTimeout = 10 * time.Second
	killTimeout = 2 * time.Second
)

type daemonKill struct {
	proc    harness.Process
	stopped chan struct{} // closed by the first Reap, holding mu

	mu      sync.RWMutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	removed bool         // guarded by mu
}

func newDaemonKill(env harness.Env) harness.Task {
	return &daemonKill{proc: env.Process, stopped: make(chan struct{})}
}

func (t *daemonKill) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.stopped)
	}
}

func (t *daemonKill) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.stopped:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.exit, nil
}

func (t *daemonKill) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *daemonKill) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.removed = true
	t.mu.Unlock()
	return e, nil
}

// waitStopped waits up to d for the exit, and reports whether it came.
func (t *daemonKill) waitStopped(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-t.stopped:
		return true
	case <-timer.C:
		return false
	}
}

// Kill ignores its ctx: the daemon's kill has bounds of its own.
func (t *daemonKill) Kill(_ context.Context, sig syscall.Signal) error {
	select {
	case <-t.stopped:
		return processDone("kill")
	default:
	}
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if sig == syscall.SIGKILL || t.waitStopped(stopTimeout) {
		return nil
	}
	if err := t.proc.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill: SIGKILL after %s: %w", stopTimeout, err)
	}
	if !t.waitStopped(killTimeout) {
		return fmt.Errorf("kill: the process did not exit within %s of SIGKILL", killTimeout)
	}
	return nil
}
