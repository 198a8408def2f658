package zoo

// Style: polling. The status sits under a sync.RWMutex; Wait and Delete
// read it under the read lock on a time.Ticker (every millisecond) until
// the process has exited or their ctx ends, as older runtimes polled a
// state file. No channel tells anyone about the exit.

import (
	"context"
	"fmt"
	"sync"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// pollEvery is how often a waiter looks at the status.
const pollEvery = time.Millisecond

type poller struct {
	proc harness.Process

	mu      sync.RWMutex
	exit    *harness.Exit // guarded by mu; set by the first Reap
	deleted bool          // guarded by mu
}

func newPoller(env harness.Env) harness.Task { return &poller{proc: env.Process} }

func (t *poller) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.exit == nil {
		t.exit = &e
	}
}

// status returns the exit, if there is one.
func (t *poller) status() (harness.Exit, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if t.exit == nil {
		return harness.Exit{}, false
	}
	return *t.exit, true
}

func (t *poller) await(ctx context.Context) (harness.Exit, error) {
	if e, ok := t.status(); ok {
		return e, nil
	}
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if e, ok := t.status(); ok {
				return e, nil
			}
		case <-ctx.Done():
			return harness.Exit{}, ctx.Err()
		}
	}
}

func (t *poller) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *poller) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}

func (t *poller) Kill(_ context.Context, sig syscall.Signal) error {
	if _, ok := t.status(); ok {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
