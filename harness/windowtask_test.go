package harness_test

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
)

// Tasks whose race window holds no synchronization operation, written as
// reaptest's rewriter leaves instrumented code (autopoint's wrappers in
// place of the operations, an unlock that is a statement of its own with
// a point after it, no Env.Point): the lines of windowSites. A site is
// registered at its operation's column in the original code (an
// "unlocked" point where the unlock ends), as the rewriter's are.

// windowSites are the sites of this file, in id order: "line:col op".
var windowSites = []string{
	"56:2 Lock", "57:8 Unlock", // autoPendingKill.Reap
	"71:2 close",                                                             // autoPendingKill.record
	"75:2 Lock", "77:2 Unlock", "77:15 unlocked", "79:2 Lock", "80:8 Unlock", // autoPendingKill.Kill
	"94:2 select", "97:3 select", "103:2 Lock", "104:8 Unlock", // autoPendingKill.await
}

var windowBase = autopoint.Register("github.com/reaptest/reaptest/harness_test", "windowtask_test.go", windowSites...)

// autoPendingKill is containerd #10589's shape: Kill marks itself pending
// under mu while it signals; a Reap that comes meanwhile queues its exit
// for Kill to apply; Kill's error path (the signal failed: the process had
// exited) drops the queue, so the exit is lost and every later Wait and
// Delete hangs. Nothing between pending++ and pending-- blocks: the
// window holds no synchronization operation but the Unlock that opens it
// and the Lock that closes it. With fixed set the error path applies the
// queue too.
type autoPendingKill struct {
	env     harness.Env
	fixed   bool
	exited  chan struct{} // closed by the first exit recorded, under mu
	mu      sync.Mutex
	exit    harness.Exit   // guarded by mu
	reaped  bool           // guarded by mu
	pending int            // guarded by mu; Kills signalling
	queued  []harness.Exit // guarded by mu; exits that came while a Kill signalled
}

func newAutoPendingKill(fixed bool) harness.NewTask {
	return func(env harness.Env) harness.Task {
		return &autoPendingKill{env: env, fixed: fixed, exited: make(chan struct{})}
	}
}

func (t *autoPendingKill) Reap(e harness.Exit) {
	autopoint.Lock(windowBase+0, &t.mu)
	defer autopoint.Unlock(windowBase+1, &t.mu)
	if t.pending > 0 {
		t.queued = append(t.queued, e)
		return
	}
	t.record(e)
}

// record records e if no exit was; call with mu held.
func (t *autoPendingKill) record(e harness.Exit) {
	if t.reaped {
		return
	}
	t.reaped, t.exit = true, e
	close(autopoint.V(windowBase+2, t.exited))
}

func (t *autoPendingKill) Kill(ctx context.Context, sig syscall.Signal) error {
	autopoint.Lock(windowBase+3, &t.mu)
	t.pending++
	autopoint.UnlockThen(windowBase+4, windowBase+5, &t.mu)
	err := t.env.Process.Signal(sig)
	autopoint.Lock(windowBase+6, &t.mu)
	defer autopoint.Unlock(windowBase+7, &t.mu)
	t.pending--
	if err != nil && !t.fixed {
		t.queued = nil // BUG: the exits queued while signalling are dropped
		return fmt.Errorf("kill: %w", err)
	}
	for _, e := range t.queued {
		t.record(e)
	}
	t.queued = nil
	return err
}

func (t *autoPendingKill) await(ctx context.Context, op string) (harness.Exit, error) {
	select {
	case <-autopoint.V(windowBase+8, t.exited):
	case <-ctx.Done():
		select {
		case <-autopoint.V(windowBase+9, t.exited):
		default:
			return harness.Exit{}, fmt.Errorf("%s: %w", op, ctx.Err())
		}
	}
	autopoint.Lock(windowBase+10, &t.mu)
	defer autopoint.Unlock(windowBase+11, &t.mu)
	return t.exit, nil
}

func (t *autoPendingKill) Wait(ctx context.Context) (harness.Exit, error) {
	return t.await(ctx, "wait")
}

func (t *autoPendingKill) Delete(ctx context.Context) (harness.Exit, error) {
	return t.await(ctx, "delete")
}

// autoPendingKillNoAfter is autoPendingKill as the rewriter left it
// before unlocks had a point after them (Kill's first Unlock passes no
// "unlocked" point), for BenchmarkWindowFindRate.
type autoPendingKillNoAfter struct{ *autoPendingKill }

func newAutoPendingKillNoAfter(env harness.Env) harness.Task {
	return autoPendingKillNoAfter{newAutoPendingKill(false)(env).(*autoPendingKill)}
}

func (t autoPendingKillNoAfter) Kill(ctx context.Context, sig syscall.Signal) error {
	autopoint.Lock(windowBase+3, &t.mu)
	t.pending++
	autopoint.Unlock(windowBase+4, &t.mu)
	err := t.env.Process.Signal(sig)
	autopoint.Lock(windowBase+6, &t.mu)
	defer autopoint.Unlock(windowBase+7, &t.mu)
	t.pending--
	if err != nil {
		t.queued = nil // BUG: the exits queued while signalling are dropped
		return fmt.Errorf("kill: %w", err)
	}
	for _, e := range t.queued {
		t.record(e)
	}
	t.queued = nil
	return err
}
