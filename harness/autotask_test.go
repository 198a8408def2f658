package harness_test

import (
	"context"
	"fmt"
	"sync"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
)

// Tasks written as reaptest's rewriter leaves instrumented code: a call
// autopoint.P(autoBase+N) just before every synchronization operation (on
// the line before it here, to stay gofmt-clean; the site is registered at
// the operation's own line), and no Env.Point calls. TestAutoSitesAtTheirLines
// checks that every registered site names the line of its operation.

// autoSites are the sites of this file, in id order: "line:col op".
var autoSites = []string{
	"48:7 Lock", "49:44 Unlock", "55:2 close", // autoCore.Reap
	"69:2 select", "75:2 select", // awaitAuto
	"88:7 Lock", "89:44 Unlock", // autoCore.Delete
	"96:7 Lock", "97:44 Unlock", // autoCore.result
	"112:7 Lock", "115:7 Unlock", "121:7 Lock", "122:45 Unlock", "124:2 close", // autoCheckThenAct.Reap
	"142:8 Lock", "152:8 Unlock", "148:4 close", // autoLoop.Reap
}

var autoBase = autopoint.Register("github.com/reaptest/reaptest/harness_test", "autotask_test.go", autoSites...)

// autoCore is the catalog's correct core, instrumented: the first Reap
// records the exit and closes exited under mu; Wait and Delete select on
// exited and their ctx.
type autoCore struct {
	exited  chan struct{} // closed once, by the first Reap, under mu
	mu      sync.Mutex
	exit    harness.Exit // guarded by mu
	reaped  bool         // guarded by mu
	deleted bool         // guarded by mu
}

func newAutoCore() autoCore { return autoCore{exited: make(chan struct{})} }

// newAutoReference builds the instrumented correct task.
func newAutoReference(harness.Env) harness.Task { c := newAutoCore(); return &c }

func (t *autoCore) Reap(e harness.Exit) {
	autopoint.P(autoBase + 0)
	t.mu.Lock()
	defer autopoint.Deferred(autoBase+1, t.mu.Unlock)
	if t.reaped {
		return
	}
	t.reaped, t.exit = true, e
	autopoint.P(autoBase + 2)
	close(t.exited)
}

func (t *autoCore) Wait(ctx context.Context) (harness.Exit, error) {
	if err := awaitAuto(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	return t.result(), nil
}

// awaitAuto blocks until exited is closed or ctx is done, preferring the
// exit when both are.
func awaitAuto(ctx context.Context, exited <-chan struct{}) error {
	autopoint.P(autoBase + 3)
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
	}
	autopoint.P(autoBase + 4)
	select {
	case <-exited:
		return nil
	default:
		return ctx.Err()
	}
}

func (t *autoCore) Delete(ctx context.Context) (harness.Exit, error) {
	if err := awaitAuto(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w", err)
	}
	autopoint.P(autoBase + 5)
	t.mu.Lock()
	defer autopoint.Deferred(autoBase+6, t.mu.Unlock)
	t.deleted = true
	return t.exit, nil
}

func (t *autoCore) result() harness.Exit {
	autopoint.P(autoBase + 7)
	t.mu.Lock()
	defer autopoint.Deferred(autoBase+8, t.mu.Unlock)
	return t.exit
}

// autoCheckThenAct is the catalog's check-then-act, instrumented: Reap
// checks reaped under mu, lets go, and re-locks to close exited, so two
// concurrent Reaps can both pass the check.
type autoCheckThenAct struct{ autoCore }

func newAutoCheckThenAct(harness.Env) harness.Task {
	return &autoCheckThenAct{newAutoCore()}
}

func (t *autoCheckThenAct) Reap(e harness.Exit) {
	autopoint.P(autoBase + 9)
	t.mu.Lock()
	done := t.reaped
	autopoint.P(autoBase + 10)
	t.mu.Unlock()
	if done {
		return
	}
	// BUG: another Reap can pass the same check right here.
	autopoint.P(autoBase + 11)
	t.mu.Lock()
	defer autopoint.Deferred(autoBase+12, t.mu.Unlock)
	autopoint.P(autoBase + 13)
	close(t.exited)
	t.reaped, t.exit = true, e
}

// autoLoop drains twelve buffered events in Reap, one lock each; on the
// eighth pass it checks whether the exit was reaped and on the ninth it
// closes exited. Between the two passes the lock is free: a second Reap
// that runs entirely there (a yield at the ninth hit of the loop's Lock)
// passes the same check, and both close. A yield at any other single hit
// of the loop misses the window.
type autoLoop struct{ autoCore }

func newAutoLoop(harness.Env) harness.Task { return &autoLoop{newAutoCore()} }

func (t *autoLoop) Reap(e harness.Exit) {
	done := false
	for i := range 12 {
		autopoint.P(autoBase + 14)
		t.mu.Lock()
		switch i {
		case 7:
			done = t.reaped
		case 8:
			autopoint.P(autoBase + 16)
			close(t.exited)
			t.reaped, t.exit = true, e
		}
		autopoint.P(autoBase + 15)
		t.mu.Unlock()
		if done {
			return
		}
	}
}
