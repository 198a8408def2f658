package harness_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
)

// removable is a task whose Delete removes it with an operation that can
// fail: it asks env.Fail at its fail point "delete:remove". It is correct:
// a failed removal leaves the task as it was, so a later Delete can
// succeed, and waiters never depend on the removal.
type removable struct {
	env    harness.Env
	exited chan struct{} // closed by the first Reap, under mu

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	removed bool         // guarded by mu
}

func (t *removable) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *removable) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *removable) Delete(ctx context.Context) (harness.Exit, error) {
	if _, err := t.Wait(ctx); err != nil {
		return harness.Exit{}, err
	}
	if err := t.env.Fail("delete:remove"); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: remove: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.removed = true
	return t.exit, nil
}

// A scenario fails the first removal: the client's first Delete returns
// the injected error, its retry succeeds, and the task passes.
func ExampleEnv_fail() {
	sc, err := scenarios.Parse(`
schedule procs=1
process exit=1ms
monitor reap
fail delete:remove hit=1     # the first removal fails
client1: wait; delete; delete
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	newTask := func(env harness.Env) harness.Task { return &removable{env: env, exited: make(chan struct{})} }
	testrun.WithBubble(func(bubble harness.Bubble) {
		res := harness.Run(bubble, newTask, sc)
		for _, e := range res.Timeline {
			if e.Who == "client1" {
				fmt.Printf("+%s %s\n", e.At, e.What)
			}
		}
		fmt.Print(res.Report(""))
	})
	// Output:
	// +0s Wait#1(ctx=background) begins
	// +1ms Wait#1 → Exit{Pid: 4242, Status: 0}, nil
	// +1ms Delete#2(ctx=background) begins
	// +1ms fail delete:remove #1: injected failure
	// +1ms Delete#2 → error "delete: remove: fail point delete:remove, pass 1: injected failure"
	// +1ms Delete#3(ctx=background) begins
	// +1ms Delete#3 → Exit{Pid: 4242, Status: 0}, nil
	// reaptest: pass
}
