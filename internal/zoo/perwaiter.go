package zoo

// Style: a goroutine per waiter. Each Wait or Delete starts a goroutine
// that blocks on the exit and hands it over a channel with room for one
// (so it never blocks once its caller has given up, moby 6a72e73c1d); the
// caller selects on that channel and its ctx.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type perWaiter struct {
	proc    harness.Process
	once    sync.Once
	done    chan struct{} // closed by the first Reap, after exit is written
	exit    harness.Exit  // written once, before done is closed
	deleted atomic.Bool
}

func newPerWaiter(env harness.Env) harness.Task {
	return &perWaiter{proc: env.Process, done: make(chan struct{})}
}

func (t *perWaiter) Reap(e harness.Exit) {
	t.once.Do(func() {
		t.exit = e
		close(t.done)
	})
}

func (t *perWaiter) await(ctx context.Context) (harness.Exit, error) {
	got := make(chan harness.Exit, 1)
	go func() {
		<-t.done
		got <- t.exit
	}()
	select {
	case e := <-got:
		return e, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *perWaiter) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *perWaiter) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.deleted.Store(true)
	return e, nil
}

func (t *perWaiter) Kill(_ context.Context, sig syscall.Signal) error {
	select {
	case <-t.done:
		return processDone("kill")
	default:
		return t.proc.Signal(sig)
	}
}
