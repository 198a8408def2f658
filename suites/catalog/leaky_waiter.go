package catalog

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// NewLeakyWaiter builds a task whose Wait starts a helper goroutine that
// waits for the exit and sends it on an unbuffered channel; when the caller
// gives up because its ctx ended, nobody receives, and after the exit the
// helper blocks on that send forever: a goroutine leak. Results are correct.
func NewLeakyWaiter(env harness.Env) harness.Task {
	return &leakyWaiter{env: env, exited: make(chan struct{})}
}

type leakyWaiter struct {
	env    harness.Env
	exited chan struct{} // closed once, by the first Reap under mu

	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

func (t *leakyWaiter) Reap(e harness.Exit) {
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

func (t *leakyWaiter) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	results := make(chan harness.Exit) // BUG: unbuffered; should have capacity 1
	go func() {
		<-t.exited
		t.mu.Lock()
		e := t.exit
		t.mu.Unlock()
		t.env.Point("wait:send")
		results <- e // blocks forever once the caller below has returned on ctx
	}()
	select {
	case e := <-results:
		return e, nil
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
}

func (t *leakyWaiter) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	return t.exit, nil
}
