package zoo

// Style: iter.Pull. The task's lifecycle is a push-style event sequence
// (iter.Seq) that blocks until the next event or the caller's ctx ends;
// Wait and Delete turn it into a pull with iter.Pull, take events until
// the one they need, and stop the iterator. No Kill.

import (
	"context"
	"fmt"
	"iter"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

type eventKind int

const (
	eventExited eventKind = iota
	eventDeleted
)

type event struct {
	kind eventKind
	exit harness.Exit
}

type pullTask struct {
	exited  chan struct{} // closed by the first Reap, under mu
	deleted chan struct{} // closed by the first successful Delete, under mu

	mu       sync.Mutex
	exit     harness.Exit // guarded by mu
	reaped   bool         // guarded by mu
	isDelete bool         // guarded by mu
}

func newPullTask(harness.Env) harness.Task {
	return &pullTask{exited: make(chan struct{}), deleted: make(chan struct{})}
}

// events yields the task's lifecycle in order, exited then deleted, each
// once it has happened; it ends early when ctx ends.
func (t *pullTask) events(ctx context.Context) iter.Seq[event] {
	return func(yield func(event) bool) {
		for _, step := range []struct {
			kind eventKind
			ch   <-chan struct{}
		}{{eventExited, t.exited}, {eventDeleted, t.deleted}} {
			select {
			case <-step.ch:
			case <-ctx.Done():
				return
			}
			t.mu.Lock()
			e := t.exit
			t.mu.Unlock()
			if !yield(event{kind: step.kind, exit: e}) {
				return
			}
		}
	}
}

// await pulls events until the exit.
func (t *pullTask) await(ctx context.Context) (harness.Exit, error) {
	next, stop := iter.Pull(t.events(ctx))
	defer stop()
	for {
		ev, ok := next()
		if !ok {
			return harness.Exit{}, ctx.Err()
		}
		if ev.kind == eventExited {
			return ev.exit, nil
		}
	}
}

func (t *pullTask) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *pullTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *pullTask) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.isDelete {
		t.isDelete = true
		close(t.deleted)
	}
	return e, nil
}
