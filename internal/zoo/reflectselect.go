package zoo

// Style: reflect.Select. Every wait is a select built per call over a list
// of channels: the caller's ctx, the exit, and for Kill a default case.
// Reap's close is guarded by a mutex-held flag.

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

type reflectTask struct {
	proc   harness.Process
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newReflectTask(env harness.Env) harness.Task {
	return &reflectTask{proc: env.Process, exited: make(chan struct{})}
}

// which returns the index of the first of chans ready to receive from,
// or -1 when withDefault and none is.
func which(withDefault bool, chans ...<-chan struct{}) int {
	cases := make([]reflect.SelectCase, 0, len(chans)+1)
	for _, c := range chans {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(c)})
	}
	if withDefault {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectDefault})
	}
	i, _, _ := reflect.Select(cases)
	if i == len(chans) {
		return -1
	}
	return i
}

func (t *reflectTask) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *reflectTask) await(ctx context.Context) (harness.Exit, error) {
	// A nil Done (a context that is never cancelled) is a case that never
	// fires, as in a select statement.
	if which(false, t.exited, ctx.Done()) == 1 {
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *reflectTask) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("wait: %w", err)
	}
	return e, nil
}

func (t *reflectTask) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := t.await(ctx)
	if err != nil {
		return e, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	t.mu.Lock()
	t.deleted = true
	t.mu.Unlock()
	return e, nil
}

// Kill looks at the exit before the ctx: a Kill after the exit reports
// ESRCH whatever its ctx (KillAfterExitFails).
func (t *reflectTask) Kill(ctx context.Context, sig syscall.Signal) error {
	if which(true, t.exited) == 0 {
		return processDone("kill")
	}
	if which(true, ctx.Done()) == 0 {
		return fmt.Errorf("kill: %w", ctx.Err())
	}
	return t.proc.Signal(sig)
}
