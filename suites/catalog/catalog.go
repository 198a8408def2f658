package catalog

import (
	"errors"

	"github.com/reaptest/reaptest/harness"
)

// Entry describes one bundled implementation.
type Entry struct {
	Name string          // short stable id, kebab-case, e.g. "reference"
	New  harness.NewTask // builds a fresh task
	Want harness.Class   // the failure class the harness must report: WantPass for a correct implementation
	Doc  string          // one sentence: the mechanism (for buggy ones: the bug and how it shows)
}

// WantPass is the Want of a correct implementation: the harness must
// report nothing. A buggy one's Want is the harness.Class it must report
// (harness.ClassPanic, ClassHang, ClassLeak or ClassContract).
const WantPass harness.Class = ""

// Sentinel errors returned (wrapped) by the bundled implementations; test
// them with errors.Is. The reference's Kill after the exit also wraps
// os.ErrProcessDone and syscall.ESRCH.
var (
	// ErrNotExited reports that Delete gave up (its ctx ended) before the
	// process exited.
	ErrNotExited = errors.New("process has not exited")
	// ErrDeleted reports a call on a task that has already been deleted.
	ErrDeleted = errors.New("task deleted")
)

// entries is the fixed catalog order: the reference first, then the buggy
// implementations roughly from the simplest bug to the subtlest.
var entries = []Entry{
	{
		Name: "reference",
		New:  NewReference,
		Want: WantPass,
		Doc:  "Correct: the first Reap records the exit and closes a channel under a mutex-guarded flag, and Wait, Delete and Kill select on that channel and their ctx without spawning goroutines.",
	},
	{
		Name: "no-context-wait",
		New:  NewNoContextWait,
		Want: harness.ClassHang,
		Doc:  "Wait blocks on the exit channel alone and ignores its ctx, so it hangs past its deadline when the exit is late or never reaped.",
	},
	{
		Name: "unguarded-close",
		New:  NewUnguardedClose,
		Want: harness.ClassPanic,
		Doc:  "Reap closes the exit channel outside any guard, so a second (duplicate) Reap panics with close of closed channel.",
	},
	{
		Name: "check-then-act",
		New:  NewCheckThenAct,
		Want: harness.ClassPanic,
		Doc:  "Reap checks the exited flag, drops the lock, then re-locks to close the channel, so two concurrent Reaps both pass the check and the second close panics.",
	},
	{
		Name: "lock-while-waiting",
		New:  NewLockWhileWaiting,
		Want: harness.ClassHang,
		Doc:  "Delete holds the task mutex while waiting for the exit, and Reap needs that mutex to signal the exit, so a Delete before the Reap deadlocks both.",
	},
	{
		Name: "leaky-waiter",
		New:  NewLeakyWaiter,
		Want: harness.ClassLeak,
		Doc:  "Wait delegates to a helper goroutine that sends the exit on an unbuffered channel, so when the caller's ctx ends first the helper blocks on that send forever.",
	},
	{
		Name: "delete-strands-waiters",
		New:  NewDeleteStrandsWaiters,
		Want: harness.ClassHang,
		Doc:  "Delete swaps in a fresh, never-closed exit channel to release resources, so every Wait that starts after Delete blocks until its ctx ends, forever with a background ctx.",
	},
	{
		Name: "last-exit-wins",
		New:  NewLastExitWins,
		Want: harness.ClassContract,
		Doc:  "Every Reap overwrites the recorded exit, so a duplicate Reap with another status changes what later Waits and Deletes report.",
	},
	{
		Name: "delete-before-exit",
		New:  NewDeleteBeforeExit,
		Want: harness.ClassContract,
		Doc:  "Delete never waits for the exit and reports success with a zero Exit for a process that has not been reaped.",
	},
	{
		Name: "blocking-reap",
		New:  NewBlockingReap,
		Want: harness.ClassHang,
		Doc:  "Reap hands the exit over an unbuffered channel that only Wait receives from, so with no Wait in flight the monitor blocks inside Reap.",
	},
	{
		Name: "kill-waits-for-exit",
		New:  NewKillWaitsForExit,
		Want: harness.ClassHang,
		Doc:  "Kill signals the process and then waits for the exit ignoring its ctx, so it hangs when the signal is ignored or the exit is never reaped.",
	},
}

// All returns every bundled implementation, the reference first, in a fixed
// order. The slice is a fresh copy on every call.
func All() []Entry {
	return append([]Entry(nil), entries...)
}

// Lookup returns the entry with the given name.
func Lookup(name string) (Entry, bool) {
	for _, e := range entries {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
