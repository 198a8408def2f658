package zoo

// Style: generic types. A promise[T] is a value settled once, awaited with
// a ctx; the task is two of them, the exit (promise[harness.Exit]) and the
// removal (promise[struct{}]), and a generic helper that wraps the error
// of any await.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// promise is a value of type T settled at most once.
type promise[T any] struct {
	once sync.Once
	done chan struct{} // closed when val is settled
	val  T             // written once, before done is closed
}

func newPromise[T any]() *promise[T] { return &promise[T]{done: make(chan struct{})} }

// settle sets the value if it is not set yet, and reports whether it did.
func (p *promise[T]) settle(v T) (won bool) {
	p.once.Do(func() {
		p.val, won = v, true
		close(p.done)
	})
	return won
}

// await returns the value once it is settled, or ctx's error.
func (p *promise[T]) await(ctx context.Context) (T, error) {
	select {
	case <-p.done:
		return p.val, nil
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// settled reports whether the value is set, without waiting.
func (p *promise[T]) settled() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wrap prefixes the error of a generic result with op, keeping the value.
func wrap[T any](op string, v T, err error) (T, error) {
	if err != nil {
		return v, fmt.Errorf("%s: %w", op, err)
	}
	return v, nil
}

type promised struct {
	proc    harness.Process
	exit    *promise[harness.Exit]
	removal *promise[struct{}]
}

func newPromised(env harness.Env) harness.Task {
	return &promised{proc: env.Process, exit: newPromise[harness.Exit](), removal: newPromise[struct{}]()}
}

func (t *promised) Reap(e harness.Exit) { t.exit.settle(e) }

func (t *promised) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.exit.await(ctx)
	return wrap("wait", e, err)
}

func (t *promised) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.exit.await(ctx)
	if err != nil {
		return wrap("delete", e, fmt.Errorf("%w: %w", ErrNotExited, err))
	}
	t.removal.settle(struct{}{})
	return e, nil
}

func (t *promised) Kill(_ context.Context, sig syscall.Signal) error {
	if t.removal.settled() {
		return fmt.Errorf("kill: %w: %w", ErrDeleted, processDone("kill"))
	}
	if t.exit.settled() {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
