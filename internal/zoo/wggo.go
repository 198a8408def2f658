package zoo

// Style: sync.WaitGroup.Go. The task starts, with WaitGroup.Go, the
// goroutine that drains the process's I/O until the exit; Delete, once
// the exit is known, waits for the drain to finish before it reports the
// task deleted, so no output is lost and no goroutine outlives it.

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type drained struct {
	proc   harness.Process
	io     sync.WaitGroup
	exited chan struct{} // closed by the first Reap, under mu

	mu       sync.Mutex
	exit     harness.Exit // guarded by mu
	reaped   bool         // guarded by mu
	ioClosed bool         // guarded by mu
	deleted  bool         // guarded by mu
}

func newDrained(env harness.Env) harness.Task {
	t := &drained{proc: env.Process, exited: make(chan struct{})}
	t.io.Go(t.drain)
	return t
}

// drain stands for the I/O copy: it runs until the process has exited.
func (t *drained) drain() {
	<-t.exited
	t.mu.Lock()
	t.ioClosed = true
	t.mu.Unlock()
}

func (t *drained) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *drained) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *drained) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, ctx.Err())
	}
	t.io.Wait() // the drain ends right after the exit
	t.mu.Lock()
	defer t.mu.Unlock()
	t.deleted = true
	return t.exit, nil
}

func (t *drained) Kill(_ context.Context, sig syscall.Signal) error {
	select {
	case <-t.exited:
		return processDone("kill")
	default:
	}
	if err := t.proc.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}
