package zoo

// Style: sync.OnceValue and sync.OnceFunc. The task's zero value is ready
// to use: its exit channel is made on first use by a sync.OnceValue, and
// closed once by a sync.OnceFunc after the first Reap has published the
// exit with a compare-and-swap.

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type lazyTask struct {
	Process harness.Process

	initOnce sync.Once
	done     func() chan struct{} // sync.OnceValue: the exit channel, made on first use
	finish   func()               // sync.OnceFunc: closes done()
	first    atomic.Pointer[harness.Exit]
	deleted  atomic.Bool
}

func newLazyTask(env harness.Env) harness.Task { return &lazyTask{Process: env.Process} }

// init sets up the once-functions; every method calls it first.
func (t *lazyTask) init() {
	t.initOnce.Do(func() {
		t.done = sync.OnceValue(func() chan struct{} { return make(chan struct{}) })
		t.finish = sync.OnceFunc(func() { close(t.done()) })
	})
}

func (t *lazyTask) Reap(e harness.Exit) {
	t.init()
	t.first.CompareAndSwap(nil, &e)
	t.finish() // a loser's call finds the winner's exit already published
}

func (t *lazyTask) await(ctx context.Context) (harness.Exit, error) {
	t.init()
	select {
	case <-t.done():
		return *t.first.Load(), nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *lazyTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *lazyTask) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.deleted.Store(true)
	return e, nil
}

func (t *lazyTask) Kill(_ context.Context, sig syscall.Signal) error {
	if t.first.Load() != nil {
		return processDone("kill")
	}
	return t.Process.Signal(sig)
}
