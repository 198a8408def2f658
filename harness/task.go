package harness

import (
	"context"
	"syscall"

	"github.com/reaptest/reaptest/faults"
)

// Exit is what the monitor collected when the process exited.
type Exit struct {
	Pid    int
	Status int
}

// Process is the (simulated) process a task supervises.
type Process interface {
	Pid() int
	// Signal asks the process to handle sig. After the process has exited it
	// returns an error (syscall.ESRCH). Whether and when an exit follows a
	// signal is the harness's choice (a signal may be ignored).
	Signal(sig syscall.Signal) error
}

// Env is what the harness hands an implementation when it builds a task.
type Env struct {
	Process Process
	// Point marks a fault point inside the implementation: a place where a
	// delay could expose a race. The harness may delay or yield there.
	// Never nil.
	Point func(name string)
	// Fail marks a fail point: an operation of the implementation that
	// can fail in the real world (a removal, a checkpoint write, a shim
	// call), in the spirit of gofail's failpoints. It returns an error
	// wrapping ErrInjected when the harness fails this pass through the
	// point, and nil otherwise; the implementation then acts as if the
	// operation had failed with that error. Which passes fail is drawn,
	// shrunk and replayed like the delays at fault points
	// ("fail <name> hit=<n>|*" in a scenario); injected failures stop at
	// teardown. Never nil.
	Fail func(name string) error
}

// ErrInjected is wrapped by every error Env.Fail returns.
var ErrInjected = faults.ErrInjected

// Task is the exit path under test. The harness plays the monitor: it calls
// Reap when the process exits — possibly late, twice, concurrently, after
// Delete, or never.
type Task interface {
	Reap(Exit)
	Wait(ctx context.Context) (Exit, error)
	Delete(ctx context.Context) (Exit, error)
}

// Killer is implemented by tasks that can signal their process; scenarios
// then include Kill calls.
type Killer interface {
	Kill(ctx context.Context, sig syscall.Signal) error
}

// NewTask builds a fresh task for one scenario.
type NewTask func(Env) Task
