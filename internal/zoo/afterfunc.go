package zoo

// Style: subscribers released by context.AfterFunc. A waiter subscribes a
// reply channel (room for one) and blocks on it alone: the first Reap
// answers every subscriber under the mutex, and context.AfterFunc
// unsubscribes a waiter whose ctx ends and answers it with the ctx's
// error. Exactly one of the two answers each subscriber.

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

type answer struct {
	exit harness.Exit
	err  error
}

type subscribers struct {
	proc harness.Process

	mu      sync.Mutex
	exit    *harness.Exit            // guarded by mu; set by the first Reap
	subs    map[chan answer]struct{} // guarded by mu; waiters before the exit
	deleted bool                     // guarded by mu
}

func newSubscribers(env harness.Env) harness.Task {
	return &subscribers{proc: env.Process, subs: map[chan answer]struct{}{}}
}

func (t *subscribers) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit != nil {
		return
	}
	t.exit = &e
	for c := range t.subs {
		c <- answer{exit: e}
	}
	clear(t.subs)
}

func (t *subscribers) await(ctx context.Context) (harness.Exit, error) {
	t.mu.Lock()
	if t.exit != nil {
		e := *t.exit
		t.mu.Unlock()
		return e, nil
	}
	c := make(chan answer, 1)
	t.subs[c] = struct{}{}
	t.mu.Unlock()
	stop := context.AfterFunc(ctx, func() {
		t.mu.Lock()
		_, still := t.subs[c]
		delete(t.subs, c)
		t.mu.Unlock()
		if still {
			c <- answer{err: ctx.Err()}
		}
	})
	a := <-c
	stop()
	return a.exit, a.err
}

func (t *subscribers) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *subscribers) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}
