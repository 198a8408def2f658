package zoo

// Style: a process-wide reaper. Every task of the process hands the exits
// it is told about to one reaper goroutine, started lazily by sync.Once
// when the first task is built (as containerd's reaper.Default and moby's
// daemon-wide event loop are started once), which journals them for the
// whole process. The reaper is shared by every task and never stops; each
// task's own state is its own, and its calls never wait for the reaper.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// journal is the process-wide reaper's state. It uses only a mutex and a
// condition variable, no channel: the reaper outlives the task that
// started it, and every task of the process talks to it.
var journal struct {
	start sync.Once
	mu    sync.Mutex
	cond  *sync.Cond     // signalled when queue grows; set by start
	queue []harness.Exit // exits not yet journaled; guarded by mu
	last  []harness.Exit // the most recent exits journaled; guarded by mu
}

// journalLen is how many exits the journal keeps.
const journalLen = 64

// startReaper starts the process-wide reaper, once.
func startReaper() {
	journal.start.Do(func() {
		journal.cond = sync.NewCond(&journal.mu)
		go reapForever()
	})
}

// reapForever journals queued exits, forever.
func reapForever() {
	journal.mu.Lock()
	defer journal.mu.Unlock()
	for {
		for len(journal.queue) == 0 {
			journal.cond.Wait()
		}
		journal.last = append(journal.last, journal.queue...)
		if n := len(journal.last); n > journalLen {
			journal.last = append(journal.last[:0], journal.last[n-journalLen:]...)
		}
		journal.queue = journal.queue[:0]
	}
}

// post queues an exit for the reaper; it never waits for the reaper.
func post(e harness.Exit) {
	journal.mu.Lock()
	journal.queue = append(journal.queue, e)
	journal.mu.Unlock()
	journal.cond.Signal()
}

type journaled struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newJournaled(env harness.Env) harness.Task {
	startReaper()
	return &journaled{proc: env.Process, exited: make(chan struct{})}
}

func (t *journaled) Reap(e harness.Exit) {
	t.mu.Lock()
	first := !t.reaped
	if first {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
	t.mu.Unlock()
	if first {
		post(e)
	}
}

func (t *journaled) await(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
		t.mu.Lock()
		defer t.mu.Unlock()
		return t.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *journaled) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *journaled) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}

func (t *journaled) Kill(_ context.Context, sig syscall.Signal) error {
	t.mu.Lock()
	reaped := t.reaped
	t.mu.Unlock()
	if reaped {
		return processDone("kill")
	}
	return t.proc.Signal(sig)
}
