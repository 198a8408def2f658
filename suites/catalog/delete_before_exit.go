package catalog

import (
	"context"

	"github.com/reaptest/reaptest/harness"
)

// NewDeleteBeforeExit builds a task whose Delete does not wait for the exit:
// it marks the task deleted and returns whatever exit is recorded, with a nil
// error, so before any Reap it reports success with a zero Exit for a
// process that is still running.
func NewDeleteBeforeExit(env harness.Env) harness.Task {
	return &deleteBeforeExit{core: newCore(env)}
}

// deleteBeforeExit is core (correct Reap and Wait; fields guarded as
// documented there) with a Delete that never waits for the exit.
type deleteBeforeExit struct {
	core
}

// Delete marks the task deleted and returns the recorded exit, reaped or
// not: it is core's Delete without the wait.
func (t *deleteBeforeExit) Delete(context.Context) (harness.Exit, error) {
	t.env.Point("delete:start")
	// BUG: no check of reaped and no wait on exited; before the Reap this
	// "succeeds" with the zero Exit.
	return t.markDeleted(), nil
}
