package zoo

// Style: the task's code in a second package of the module (zoo/shim),
// with its own Exit type and errors and no dependency on reaptest; this
// file is only the adapter that converts between the shim's types and the
// harness's.

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/zoo/shim"
)

type shimAdapter struct{ t *shim.Task }

func newShimAdapter(env harness.Env) harness.Task {
	return shimAdapter{t: shim.New(env.Process)}
}

func fromShim(e shim.Exit) harness.Exit { return harness.Exit{Pid: int(e.Pid), Status: int(e.Status)} }

func (a shimAdapter) Reap(e harness.Exit) {
	a.t.SetExited(shim.Exit{Pid: uint32(e.Pid), Status: uint32(e.Status), ExitedAt: time.Now()})
}

func (a shimAdapter) Wait(ctx context.Context) (harness.Exit, error) {
	e, err := a.t.Wait(ctx)
	if err != nil {
		return harness.Exit{}, fmt.Errorf("wait: %w", err)
	}
	return fromShim(e), nil
}

func (a shimAdapter) Delete(ctx context.Context) (harness.Exit, error) {
	e, err := a.t.Delete(ctx)
	if err != nil {
		return harness.Exit{}, fmt.Errorf("delete: %w", err)
	}
	return fromShim(e), nil
}

func (a shimAdapter) Kill(_ context.Context, sig syscall.Signal) error { return a.t.Kill(sig) }
