package catalog

import (
	"context"
	"fmt"
	"sync"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// core is the correct exit path every implementation in the catalog is
// built on. The reference is core plus a Kill; each buggy variant embeds
// core and writes only the method(s) that carry its bug (overriding Reap,
// Wait or Delete, or adding Kill), so its file shows just where it departs
// from correct code. core has no Kill: only the types that define one
// implement harness.Killer.
//
// core spawns no goroutines, and its methods never block while holding mu,
// so Reap, which only takes mu, never waits on a client.
type core struct {
	env harness.Env // set at construction; read-only after

	// exitPoints makes Wait and Delete also pass the fault points
	// "wait:exited" and "delete:exited" once they have seen the exit. Only
	// the reference sets it (at construction; read-only after): the buggy
	// variants were written without those two points and keep their exact
	// set, so the harness explores them, and replays their saved
	// counterexamples, as before.
	exitPoints bool

	// exited is closed by the first Reap, under mu and only while reaped
	// is false, so exactly once. core never reassigns it, which is why Wait
	// and Delete read it without mu; a variant that reassigns it
	// (delete-strands-waiters) does so under mu and overrides every method
	// that reads it without mu.
	exited chan struct{}

	mu      sync.Mutex
	exit    harness.Exit // guarded by mu; written once, by the first Reap
	reaped  bool         // guarded by mu; set by the first Reap
	deleted bool         // guarded by mu; set by the first successful Delete
}

// newCore returns a core for env, waiting for its first Reap.
func newCore(env harness.Env) core {
	return core{env: env, exited: make(chan struct{})}
}

// Reap records the exit; the first Reap wins and later ones are ignored.
// It never blocks on clients: it only takes mu, which core's methods never
// hold while waiting.
func (t *core) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("reap:locked")
	if t.reaped {
		return // first Reap wins: a duplicate must not change the exit
	}
	t.reaped = true
	t.exit = e
	t.env.Point("reap:close")
	close(t.exited)
}

// Wait returns the exit once it is reaped, or an error wrapping ctx.Err()
// if ctx ends first.
func (t *core) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	if t.exitPoints {
		t.env.Point("wait:exited")
	}
	return t.result(), nil
}

// Delete waits for the exit (bounded by ctx), marks the task deleted and
// returns the exit; repeated Deletes return the same exit. If ctx ends
// first it returns an error wrapping ErrNotExited and ctx.Err().
func (t *core) Delete(ctx context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	if err := awaitExit(ctx, t.exited); err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w: %w", ErrNotExited, err)
	}
	if t.exitPoints {
		t.env.Point("delete:exited")
	}
	return t.markDeleted(), nil
}

// markDeleted is the second half of a Delete, once it has waited for the
// exit: under mu it passes the fault point "delete:locked", marks the task
// deleted and returns the exit.
func (t *core) markDeleted() harness.Exit {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.env.Point("delete:locked")
	t.deleted = true
	return t.exit
}

// result returns the recorded exit.
func (t *core) result() harness.Exit {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit
}

// state returns whether the exit has been reaped and whether the task has
// been deleted.
func (t *core) state() (reaped, deleted bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.reaped, t.deleted
}

// signal is the second half of a Kill, once it has checked that the exit
// has not been reaped: it passes the fault point "kill:checked" and sends
// sig to the process. The process may exit between the check and the
// signal; Signal then returns ESRCH, which is passed on wrapped.
func (t *core) signal(sig syscall.Signal) error {
	t.env.Point("kill:checked")
	if err := t.env.Process.Signal(sig); err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}

// awaitExit blocks until exited is closed or ctx is done. It returns nil if
// the exit happened, preferring the exit when both are ready, and ctx.Err()
// otherwise.
func awaitExit(ctx context.Context, exited <-chan struct{}) error {
	select {
	case <-exited:
		return nil
	case <-ctx.Done():
	}
	select {
	case <-exited:
		return nil
	default:
		return ctx.Err()
	}
}
