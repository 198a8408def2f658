package zoo

// Style: TryLock with exponential backoff. Delete holds the lock across
// its 1ms removal; every other caller tries the lock and, when it is
// held, sleeps and tries again (10µs, doubling up to 1ms), giving up on
// its ctx, instead of queueing behind the removal.

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

type backoff struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, holding mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	removed bool         // guarded by mu
}

func newBackoff(env harness.Env) harness.Task {
	return &backoff{proc: env.Process, exited: make(chan struct{})}
}

// lock takes mu, backing off while it is held; it gives up when ctx ends.
func (t *backoff) lock(ctx context.Context) error {
	wait := 10 * time.Microsecond
	for !t.mu.TryLock() {
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return ctx.Err()
		}
		wait = min(2*wait, time.Millisecond)
	}
	return nil
}

func (t *backoff) Reap(e harness.Exit) {
	_ = t.lock(context.Background())
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

// await returns the exit once known; it stops heeding ctx once the exit
// is known, as the lock's holder may be in the 1ms removal.
func (t *backoff) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	_ = t.lock(context.Background())
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *backoff) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *backoff) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	_ = t.lock(context.Background())
	defer t.mu.Unlock()
	if !t.removed {
		time.Sleep(time.Millisecond) // the removal, under the lock
		t.removed = true
	}
	return t.exit, nil
}

func (t *backoff) Kill(ctx context.Context, sig syscall.Signal) error {
	if err := t.lock(ctx); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	defer t.mu.Unlock()
	if t.reaped {
		return processDone("kill")
	}
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}
