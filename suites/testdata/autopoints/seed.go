// Package rt is a user's exit-path code with no reaptest fault points in
// it: reaptest finds its races by instrumenting it.
package rt

import (
	"context"
	"sync"

	"github.com/reaptest/reaptest/harness"
)

// Seed is the first version from the bug report, with the check-then-act
// mistake: Reap checks the flag under the lock, lets go of it, and takes it
// again to close the channel, so two overlapping exits both close it.
type Seed struct {
	mu     sync.Mutex
	exitCh chan struct{}
	exit   harness.Exit // guarded by mu
	exited bool         // guarded by mu
	fixed  bool         // read-only: check and act in one critical section
}

// NewSeed builds the buggy task.
func NewSeed(harness.Env) harness.Task { return &Seed{exitCh: make(chan struct{})} }

// NewSeedFixed builds the same task with the check and the close under one
// lock.
func NewSeedFixed(harness.Env) harness.Task { return &Seed{exitCh: make(chan struct{}), fixed: true} }

func (t *Seed) Reap(e harness.Exit) {
	if t.fixed {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.exited {
			return
		}
		t.exited, t.exit = true, e
		close(t.exitCh)
		return
	}
	t.mu.Lock()
	done := t.exited
	t.mu.Unlock()
	if done {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	close(t.exitCh)
	t.exited, t.exit = true, e
}

func (t *Seed) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exitCh:
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.exit, nil
	case <-ctx.Done():
		select {
		case <-t.exitCh:
			t.mu.Lock()
			defer t.mu.Unlock()
			return t.exit, nil
		default:
			return harness.Exit{}, ctx.Err()
		}
	}
}

func (t *Seed) Delete(ctx context.Context) (harness.Exit, error) { return t.Wait(ctx) }
