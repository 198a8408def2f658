package catalog

import (
	"context"
	"fmt"
	"os"
	"syscall"

	"github.com/reaptest/reaptest/harness"
)

// NewReference builds the correct reference task. The first Reap records the
// exit and closes the exit channel exactly once; Wait and Delete wait on that
// channel bounded by their ctx; Kill signals the process until it has exited.
// It spawns no goroutines and implements harness.Killer.
func NewReference(env harness.Env) harness.Task {
	t := &reference{core: newCore(env)}
	t.exitPoints = true
	return t
}

// reference is core's correct Reap, Wait and Delete (see core.go), plus
// Kill. Its fields are core's, guarded as documented there.
type reference struct {
	core
}

// Kill signals the process if it has not exited yet. After the exit it
// returns an error wrapping both os.ErrProcessDone and syscall.ESRCH (and
// ErrDeleted after Delete), so it also meets harness.KillAfterExitFails.
// It does not wait for the signal to take effect.
func (t *reference) Kill(_ context.Context, sig syscall.Signal) error {
	t.env.Point("kill:start")
	switch reaped, deleted := t.state(); {
	case deleted:
		return fmt.Errorf("kill: %w: %w (%w)", ErrDeleted, os.ErrProcessDone, syscall.ESRCH)
	case reaped:
		return fmt.Errorf("kill: %w (%w)", os.ErrProcessDone, syscall.ESRCH)
	}
	return t.signal(sig)
}
