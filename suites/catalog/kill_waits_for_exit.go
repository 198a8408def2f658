package catalog

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// NewKillWaitsForExit builds a task whose Kill signals the process and then
// waits for the exit ignoring its ctx, so Kill hangs when the signal is
// ignored or the exit is never reaped. Everything else is correct; it
// implements harness.Killer.
func NewKillWaitsForExit(env harness.Env) harness.Task {
	return &killWaitsForExit{core: newCore(env)}
}

// killWaitsForExit is core (correct Reap, Wait and Delete; fields guarded
// as documented there) plus a Kill that, after signalling, waits for the
// exit.
type killWaitsForExit struct {
	core
}

// Kill signals the process if its exit has not been reaped yet, and then
// waits for that exit. Once reaped it returns an error wrapping
// os.ErrProcessDone and syscall.ESRCH; unlike the reference it does not
// single out a deleted task (no ErrDeleted).
func (t *killWaitsForExit) Kill(_ context.Context, sig syscall.Signal) error {
	t.env.Point("kill:start")
	if reaped, _ := t.state(); reaped {
		return fmt.Errorf("kill: %w (%w)", os.ErrProcessDone, syscall.ESRCH)
	}
	if err := t.signal(sig); err != nil {
		return err
	}
	t.env.Point("kill:signalled")
	<-t.exited // BUG: waits for the exit, ignoring ctx; an ignored signal means forever
	return nil
}
