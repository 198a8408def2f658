package catalog

import (
	"context"
	"fmt"
	"os"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// NewKillWaitsForExit builds a task whose Kill signals the process and then
// waits for the exit ignoring its ctx, so Kill hangs when the signal is
// ignored or the exit is never reaped. Everything else is correct; it
// implements harness.Killer.
func NewKillWaitsForExit(env harness.Env) harness.Task {
	return &killWaitsForExit{env: env, exited: make(chan struct{})}
}

type killWaitsForExit struct {
	env    harness.Env
	exited chan struct{} // closed once, by the first Reap under mu

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

func (t *killWaitsForExit) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	if t.reaped {
		return
	}
	t.reaped = true
	t.exit = e
	t.env.Point("reap:close")
	close(t.exited)
}

func (t *killWaitsForExit) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *killWaitsForExit) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}

func (t *killWaitsForExit) Kill(_ context.Context, sig syscall.Signal) error {
	t.env.Point("kill:start")
	t.mu.Lock()
	reaped := t.reaped
	t.mu.Unlock()
	if reaped {
		return fmt.Errorf("kill: %w (%w)", os.ErrProcessDone, syscall.ESRCH)
	}
	t.env.Point("kill:checked")
	if err := t.env.Process.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	t.env.Point("kill:signalled")
	<-t.exited // BUG: waits for the exit, ignoring ctx; an ignored signal means forever
	return nil
}
