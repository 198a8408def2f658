// Package moby plugs moby's real container state — container.State from
// github.com/docker/docker v28.5.2+incompatible, imported, not copied —
// into reaptest, through an adapter that drives it the way the daemon
// does:
//
//   - Reap is the daemon's handling of a containerd exit event
//     (daemon/monitor.go ProcessEvent → handleContainerExit): find the
//     container, take its lock, SetStopped with the event's exit code. The
//     restart policy is "no" and the container has no containerd task to
//     delete, so nothing else in that function touches the state.
//   - Wait is `docker wait` (daemon/wait.go ContainerWait): State.Wait with
//     WaitConditionNotRunning; the status code the CLI prints, or the
//     error when the caller gave up.
//   - Delete is `docker rm` without --force (daemon/delete.go containerRm
//     and cleanupContainer): SetRemovalInProgress, refuse a running
//     container, mark it Dead, remove its files (the fail point rm:remove;
//     a failure is SetRemovalError), drop it from the daemon's store,
//     SetRemoved. It reports no exit code.
//   - Kill is `docker kill` (daemon/kill.go ContainerKill): a signal other
//     than SIGKILL is sent and Kill returns; SIGKILL is sent and Kill waits
//     up to 10s for the container to stop, signals once more and waits 2s.
//
// NewTask is v28.5.2 as shipped. Fixes.NewTask applies fixes in the
// adapter, around moby's unchanged code: the guard moby PR #51925 (commit
// d5e23b680c) added to handleContainerExit — an exit event for a container
// that is already exited, being removed or dead is ignored — and a lock
// that keeps SetRemoved from racing with the state's readers (see
// Fixes.SerializeRemoval).
package moby

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"

	containertypes "github.com/docker/docker/api/types/container"
	"github.com/docker/docker/container"
	libcontainerdtypes "github.com/docker/docker/libcontainerd/types"

	"github.com/reaptest/reaptest/harness"
)

// The daemon's bounds on `docker kill` with SIGKILL (daemon/kill.go Kill):
// how long it waits for the container to stop after the signal, and after
// signalling the process directly once more.
const (
	KillWait       = 10 * time.Second
	KillDirectWait = 2 * time.Second
)

// ErrNoSuchContainer is what the daemon answers for a container it no
// longer holds (it was removed).
var ErrNoSuchContainer = errors.New("no such container")

// NewTask returns a running container whose state is moby v28.5.2's
// container.State, driven as the daemon drives it.
func NewTask(env harness.Env) harness.Task { return Fixes{}.NewTask(env) }

// Fixes are fixes the adapter applies around v28.5.2's unchanged code.
type Fixes struct {
	// ExitGuard is the guard of moby PR #51925: an exit event for a
	// container that is already exited, being removed or dead is ignored
	// instead of overwriting its exit code (moby#46212).
	ExitGuard bool
	// SerializeRemoval runs SetRemoved under a lock that the daemon's
	// other calls into the state take too. v28.5.2's SetRemovalError
	// writes ErrorMsg (SetError) before it takes the state's lock, while
	// State.Wait and SetStopped read it under that lock: a data race
	// between `docker rm` and a concurrent `docker wait` or exit event.
	SerializeRemoval bool
}

// NewTask returns a running container as NewTask does, with the fixes f
// applied in the adapter.
func (f Fixes) NewTask(env harness.Env) harness.Task {
	c := &Container{state: container.NewState(), proc: env.Process, point: env.Point, fail: env.Fail, fixes: f}
	// The daemon's start: the state is running with the containerd task
	// that signals the process (daemon/start.go containerStart).
	c.state.Lock()
	c.state.SetRunning(nil, &task{proc: env.Process}, time.Now())
	c.state.Unlock()
	return c
}

// Container is one container in the adapter's daemon: moby's state plus
// the daemon's store entry for it.
type Container struct {
	state *container.State // moby's; its exported mutex guards its fields
	proc  harness.Process
	point func(string)
	fail  func(string) error
	fixes Fixes

	// removal is Fixes.SerializeRemoval's lock: held to write around
	// SetRemoved, to read around the other calls that read ErrorMsg.
	removal sync.RWMutex

	mu      sync.Mutex // the daemon's container store
	removed bool       // guarded by mu; rm removed the container from the store
}

// reading and writing take Fixes.SerializeRemoval's lock when the fix is
// on; each returns what releases it.
func (c *Container) reading() func() {
	if !c.fixes.SerializeRemoval {
		return func() {}
	}
	c.removal.RLock()
	return c.removal.RUnlock
}

func (c *Container) writing() func() {
	if !c.fixes.SerializeRemoval {
		return func() {}
	}
	c.removal.Lock()
	return c.removal.Unlock
}

// task is the containerd task the state holds: the calls the daemon makes
// on it reach the simulated process. The daemon's paths driven here call
// only Pid and Kill; the embedded interface is nil, so any other call
// panics, and reaptest would report it.
type task struct {
	libcontainerdtypes.Task
	proc harness.Process
}

func (t *task) Pid() uint32 { return uint32(t.proc.Pid()) }

func (t *task) Kill(_ context.Context, sig syscall.Signal) error { return t.proc.Signal(sig) }

// lookup is the daemon's GetContainer: false once rm removed the container.
func (c *Container) lookup() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.removed
}

// Reap handles a containerd exit event for the container's init process
// (daemon/monitor.go ProcessEvent, EventExit → handleContainerExit).
func (c *Container) Reap(e harness.Exit) {
	if !c.lookup() {
		return // ProcessEvent: "could not find container"
	}
	c.point("exit:found")
	defer c.reading()()
	s := c.state
	s.Lock()
	defer s.Unlock()
	if c.fixes.ExitGuard && exitIsDuplicate(s) {
		return
	}
	c.point("exit:locked")
	s.SetStopped(&container.ExitStatus{ExitCode: e.Status, ExitedAt: time.Now()})
}

// exitIsDuplicate is the guard of moby PR #51925, for a container that is
// not restarted: once the container is exited, being removed or dead, a
// further exit event is a duplicate. Call it with the state's lock held.
func exitIsDuplicate(s *container.State) bool {
	switch s.StateString() {
	case containertypes.StateExited, containertypes.StateRemoving, containertypes.StateDead:
		return true
	}
	return false
}

// Wait is `docker wait` (daemon/wait.go ContainerWait, condition
// not-running, and the CLI, which prints the response's status code).
func (c *Container) Wait(ctx context.Context) (harness.Exit, error) {
	if !c.lookup() {
		return harness.Exit{}, fmt.Errorf("wait: %w", ErrNoSuchContainer)
	}
	c.point("wait:found")
	status := <-c.stateWait(ctx)
	if err := status.Err(); err != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return harness.Exit{}, fmt.Errorf("wait: %w", err) // the client gave up
	}
	// The API's wait response carries the exit code, no pid, and an error
	// the state may still hold (a failed removal's); `docker wait` prints
	// the exit code.
	return harness.Exit{Status: status.ExitCode()}, nil
}

// Delete is `docker rm` without --force (daemon/delete.go containerRm and
// cleanupContainer). rm reports no exit code: Delete returns the zero Exit.
// The removal of the container's files can fail (fail point rm:remove):
// cleanupContainer then calls SetRemovalError, which releases the waiters
// with the error, and returns it.
func (c *Container) Delete(context.Context) (harness.Exit, error) {
	s := c.state
	if s.SetRemovalInProgress() {
		return harness.Exit{}, errors.New("rm: removal of container is already in progress")
	}
	defer s.ResetRemovalInProgress()
	if !c.lookup() {
		// containerRm: "check if container wasn't deregistered by
		// previous rm since Get" — that rm succeeded.
		return harness.Exit{}, nil
	}
	c.point("rm:checked")
	if s.IsRunning() {
		return harness.Exit{}, errors.New("rm: container is running: stop the container before removing or force remove")
	}
	// containerStop returns at once for a container that is not running.
	// Mark it dead: nobody restarts it.
	s.Lock()
	s.Dead = true
	s.Unlock()
	c.point("rm:dead")
	if err := c.fail("rm:remove"); err != nil {
		err = fmt.Errorf("rm: unable to remove filesystem: %w", err)
		release := c.writing()
		s.SetRemovalError(err)
		release()
		return harness.Exit{}, err
	}
	c.mu.Lock()
	c.removed = true // daemon.containers.Delete
	c.mu.Unlock()
	release := c.writing()
	s.SetRemoved()
	release()
	return harness.Exit{}, nil
}

// Kill is `docker kill` (daemon/kill.go ContainerKill). Like the daemon's,
// it takes no deadline from its caller: with SIGKILL it waits up to
// KillWait for the container to stop, signals the process directly, and
// waits up to KillDirectWait more. When containerd finds no process, the
// daemon starts a goroutine that, StopTimeout later, handles an exit the
// event stream may have lost; the adapter leaves that out (the harness
// delivers lost exits itself at teardown).
func (c *Container) Kill(_ context.Context, sig syscall.Signal) error {
	if sig != syscall.SIGKILL {
		return c.killWithSignal(sig)
	}
	// daemon.Kill
	if !c.state.IsRunning() {
		return errors.New("kill: container is not running")
	}
	c.point("kill:running")
	// killPossiblyDeadProcess: the daemon goes on to wait whatever the
	// signal's error.
	_ = c.killWithSignal(syscall.SIGKILL)
	if c.waitStopped(KillWait) == nil {
		return nil
	}
	// killProcessDirectly: the state's pid, signalled without containerd.
	if c.state.GetPID() != 0 {
		if err := c.proc.Signal(syscall.SIGKILL); errors.Is(err, syscall.ESRCH) {
			return nil
		} else if err != nil {
			return fmt.Errorf("kill: %w", err)
		}
	}
	if c.waitStopped(KillDirectWait) != nil {
		return errors.New("kill: tried to kill container, but did not receive an exit event")
	}
	return nil
}

// killWithSignal is the daemon's killWithSignal: under the container's
// lock, the running task is signalled. containerd's "not found" for a
// process that is gone is not an error to the daemon: it waits for the
// exit event instead.
func (c *Container) killWithSignal(sig syscall.Signal) error {
	s := c.state
	s.Lock()
	defer s.Unlock()
	tsk, ok := s.Task()
	if !s.Running || !ok {
		return errors.New("kill: container is not running")
	}
	if err := tsk.Kill(context.Background(), sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("kill: %w", err)
	}
	return nil
}

// waitStopped waits up to d for the state to be not running, as the
// daemon's Kill does.
func (c *Container) waitStopped(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return (<-c.stateWait(ctx)).Err()
}

// stateWait is State.Wait for the container to be not running.
func (c *Container) stateWait(ctx context.Context) <-chan containertypes.StateStatus {
	defer c.reading()()
	return c.state.Wait(ctx, containertypes.WaitConditionNotRunning)
}
