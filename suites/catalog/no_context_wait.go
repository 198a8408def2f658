package catalog

import (
	"context"

	"github.com/reaptest/reaptest/harness"
)

// NewNoContextWait builds a task whose Wait ignores its ctx: it blocks on the
// exit channel alone, so it hangs when the exit is lost or comes after the
// ctx deadline. Everything else is correct.
func NewNoContextWait(env harness.Env) harness.Task {
	return &noContextWait{core: newCore(env)}
}

// noContextWait is core (correct Reap and Delete; fields guarded as
// documented there) with a Wait that ignores its ctx.
type noContextWait struct {
	core
}

// Wait returns the exit once it is reaped, and until then blocks, whatever
// its ctx says.
func (t *noContextWait) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	<-t.exited // BUG: ctx is ignored; no exit means no return, whatever the deadline
	t.env.Point("wait:exited")
	return t.result(), nil
}
