package zoo

// Style: timers with Stop and Reset. Delete's removal can fail (a busy
// mount, an unreachable shim: the fail point "delete:remove"); Delete
// retries it on one timer it Resets with a doubling backoff (1ms, 2ms,
// 4ms) and Stops when it is done, then gives up with the last error. A
// failed Delete leaves the task as it was, so a later one can succeed.

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// removeAttempts is how many times Delete tries the removal.
const removeAttempts = 4

type retrying struct {
	env    harness.Env
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	removed bool         // guarded by mu
}

func newRetrying(env harness.Env) harness.Task {
	return &retrying{env: env, exited: make(chan struct{})}
}

func (t *retrying) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *retrying) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

// remove removes the task's resources once; it can fail.
func (t *retrying) remove() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.removed {
		return nil
	}
	if err := t.env.Fail("delete:remove"); err != nil {
		return err
	}
	t.removed = true
	return nil
}

func (t *retrying) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	backoff := time.Millisecond
	for attempt := 1; ; attempt++ {
		err := t.remove()
		if err == nil {
			break
		}
		if attempt == removeAttempts {
			return harness.Exit{}, fmt.Errorf("delete: removal failed %d times: %w", attempt, err)
		}
		timer.Reset(backoff)
		select {
		case <-timer.C:
		case <-ctx.Done():
			return harness.Exit{}, fmt.Errorf("delete: removal failed, retry cancelled: %w (%w)", err, ctx.Err())
		}
		backoff *= 2
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *retrying) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	reaped := t.reaped
	t.mu.Unlock()
	if reaped {
		return processDone("kill")
	}
	return t.env.Process.Signal(sig)
}
