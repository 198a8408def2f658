package zoo

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/harness"
)

// Entry is one task of the zoo.
type Entry struct {
	Name    string           // short stable id, kebab-case
	Style   string           // one sentence: how it is written
	New     harness.NewTask  // builds a fresh task
	Options []harness.Option // what its check needs: a tightening it meets, a package to instrument
}

// ShimPackage is the import path of the package the shim task's code
// lives in. The automatic fault points instrument reaptest's own packages
// only when named, so its Entry names it with harness.Instrument.
const ShimPackage = "github.com/reaptest/reaptest/internal/zoo/shim"

// ProcessWide is the zoo's process-wide reaper: its package starts one
// reaper goroutine for the whole process, lazily by sync.Once, when the
// first task is built. It passes isolated (the child builds a task
// outside every scenario first, so the reaper starts there); in process
// the reaper starts in the first scenario's bubble and outlives it, which
// the harness diagnoses as setup [outside-bubble], never a leak.
var ProcessWide = Entry{"process-reaper", "a process-wide reaper goroutine, started once by sync.Once, journals every task's exits", newJournaled, nil}

// All returns the zoo, in a fixed order.
func All() []Entry {
	return []Entry{
		{"actor-forgets", "an owner goroutine serves every call from channels and forgets the task before Delete returns", newActor, nil},
		{"mutex-rpc-kill", "one sync.Mutex held across Kill's 1ms shim round trip", newRPCKill, []harness.Option{harness.KillAfterExitFails()}},
		ProcessWide,
		{"mutex-rpc-delete", "a state enum under one sync.Mutex, held across Delete's 1ms removal round trip", newRPCDelete, []harness.Option{harness.KillAfterExitFails()}},
		{"cond", "sync.Cond broadcast on the exit, woken on ctx by context.AfterFunc", newCondTask, []harness.Option{harness.KillAfterExitFails()}},
		{"chan-of-chans", "a broker goroutine answers waiters on the reply channels they send it; Delete stops it", newBroker, nil},
		{"goroutine-per-waiter", "each Wait starts a goroutine that blocks on the exit and hands it over a buffered channel", newPerWaiter, nil},
		{"reflect-select", "every wait is a reflect.Select over a list of channels built per call", newReflectTask, []harness.Option{harness.KillAfterExitFails()}},
		{"iter-pull", "Wait and Delete pull lifecycle events from an iter.Seq through iter.Pull", newPullTask, nil},
		{"waitgroup-go", "an I/O drainer started with WaitGroup.Go; Delete waits for it", newDrained, nil},
		{"semaphore", "a buffered channel of one as the lock, held across Kill's 1ms round trip", newSemTask, []harness.Option{harness.KillAfterExitFails()}},
		{"trylock-backoff", "TryLock with exponential backoff around a lock Delete holds across its removal", newBackoff, nil},
		{"afterfunc-subscribers", "waiters subscribe a reply channel; context.AfterFunc unsubscribes them", newSubscribers, nil},
		{"cancel-cause", "the exit is the cause of a context cancelled by the first Reap", newCauseTask, []harness.Option{harness.KillAfterExitFails()}},
		{"once-value", "a zero-value-ready task: its exit channel made by sync.OnceValue, closed by sync.OnceFunc", newLazyTask, nil},
		{"atomic-cas", "an immutable state snapshot swapped by atomic.Pointer compare-and-swap", newCASTask, []harness.Option{harness.KillAfterExitFails()}},
		{"timer-retry", "Delete retries a removal that can fail, on one timer it Resets and Stops", newRetrying, nil},
		{"kill-escalates", "Kill escalates SIGTERM to SIGKILL on its own timer", newEscalating, nil},
		{"idempotent-delete", "every Delete returns the result of one removal, cached by sync.OnceValues", newIdempotent, nil},
		{"generic-promise", "two generic promise[T] values: the exit and the removal", newPromised, nil},
		{"shim-package", "the task's code in a second package (zoo/shim), with its own types, behind an adapter", newShimAdapter, []harness.Option{harness.Instrument(ShimPackage)}},
		{"rwmutex-poll", "Wait polls a sync.RWMutex-guarded status on a time.Ticker", newPoller, nil},
		{"generation-channel", "a change channel closed and replaced on every state change (a watch)", newWatched, nil},
		{"store-handle", "a store of records keyed by pid, shared by handles; Delete removes the record before it returns", newStoreHandle, nil},
		{"atomic-fast-path", "an atomic.Bool fast path in front of a channel, double-checked under a mutex", newFastPath, []harness.Option{harness.KillAfterExitFails()}},
		{"delete-refuses-running", "Delete before the exit fails at once, as ctr delete of a running task does", newRefusing, []harness.Option{harness.DeleteBeforeExitFails(), harness.KillAfterExitFails()}},
		{"value-in-channel", "the state itself travels through a channel of one: whoever holds it owns it", newHeldState, nil},
		{"delete-wakes-waiters", "Delete closes a removal channel that every waiter also selects on, so a Wait overlapping it may report the task deleted", newWakeWaiters, nil},
		{"daemon-kill", "Kill with bounds of its own (10s after its signal, 2s after SIGKILL), as moby's ContainerKill", newDaemonKill, []harness.Option{harness.KillBoundedBy(12 * time.Second)}},
		{"moby-state", "moby's container state: pid zeroed at the exit, no exit from Delete, a wait channel closed and replaced", newMobyState, []harness.Option{harness.ExitPidMayBeZero(), harness.DeleteReturnsNoExit()}},
	}
}

// Errors the zoo's tasks return, wrapped; test them with errors.Is.
var (
	// ErrNotFound reports a call on a task that has been deleted and
	// forgotten.
	ErrNotFound = errors.New("no such task")
	// ErrNotExited reports a Delete that gave up (or refused) before the
	// process exited.
	ErrNotExited = errors.New("process has not exited")
	// ErrDeleted reports a call on a task that has been deleted.
	ErrDeleted = errors.New("task deleted")
)

// processDone is the error a Kill after the exit returns: it wraps both
// os.ErrProcessDone and syscall.ESRCH.
func processDone(op string) error {
	return fmt.Errorf("%s: %w (%w)", op, os.ErrProcessDone, syscall.ESRCH)
}
