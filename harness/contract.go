package harness

import (
	"errors"
	"fmt"
	"syscall"
)

// Class is the kind of a violation; a report's first line names it.
type Class string

// The classes of violation.
const (
	ClassPanic    Class = "panic"
	ClassHang     Class = "hang"
	ClassLeak     Class = "leak"
	ClassContract Class = "contract"
	// ClassRace is a data race the race detector found in the task (under
	// go test -race, with isolation).
	ClassRace Class = "race"
)

// Sentinel errors, one per class: errors.Is(err, ErrHang) holds for a hang
// violation and for any error that joins one.
var (
	ErrPanic    = errors.New("reaptest: panic")
	ErrHang     = errors.New("reaptest: hang")
	ErrLeak     = errors.New("reaptest: leak")
	ErrContract = errors.New("reaptest: contract violation")
	ErrRace     = errors.New("reaptest: data race")
)

// Clauses of the contract, as violations name them. README.md lists what
// each one requires.
const (
	ClauseNoPanic       = "no-panic"        // 1: no call panics
	ClauseWaitBounded   = "wait-bounded"    // 2: Wait returns by its ctx + grace
	ClauseWaitSeesExit  = "wait-sees-exit"  // 3: after a Reap, Wait returns that exit promptly
	ClauseWaitWaits     = "wait-waits"      // 3: before the exit, Wait fails only once its ctx is done or the task is deleted
	ClauseDeleteBounded = "delete-bounded"  // 4: Delete returns by its ctx + grace, promptly once exited or repeated
	ClauseDeleteHonest  = "delete-honest"   // 4: Delete never succeeds before the exit, succeeds after it
	ClauseAfterDelete   = "after-delete"    // 5: after Delete, calls return promptly
	ClauseOneExit       = "one-exit"        // 6: every success reports the same exit, the first Reap's
	ClauseNoLeak        = "no-leak"         // 7: no goroutine outlives teardown
	ClauseKillBounded   = "kill-bounded"    // 8: Kill returns by its ctx + grace, promptly after the exit
	ClauseReapPrompt    = "reap-prompt"     // 9: Reap never blocks the monitor
	ClauseKillDelivers  = "kill-delivers"   // 10: a nil Kill before the exit signalled the process
	ClauseDeadlock      = "deadlock"        // calls blocked with no way forward
	ClauseRealTime      = "real-time-limit" // a scenario ran out of real time (busy loop)
	ClauseLimits        = "limits"          // goroutines or heap past the limits (a bomb)
	ClauseCrash         = "crash"           // the test process died: a panic on a task goroutine, a fatal error, os.Exit
	ClauseNoRace        = "no-race"         // the race detector saw a data race in the task (go test -race)
	ClauseNewTask       = "new-task"        // the factory returned a nil task
)

// Violation is one way a scenario broke the contract: what happened, to
// which call, and what was expected.
type Violation struct {
	Class  Class
	Clause string
	// Call names the call, e.g. "client2 Wait#1" or "monitor Reap#2".
	Call string
	Got  string
	Want string
	// Evidence is the supporting text: a panic's stack, a stuck call's
	// goroutine, leaked goroutines.
	Evidence string
}

// Error returns the violation on one line.
func (v *Violation) Error() string {
	return fmt.Sprintf("%s [%s] %s: got %s; want %s", v.Class, v.Clause, v.Call, v.Got, v.Want)
}

// Is matches the sentinel error of the violation's class.
func (v *Violation) Is(target error) bool {
	switch v.Class {
	case ClassPanic:
		return target == ErrPanic
	case ClassHang:
		return target == ErrHang
	case ClassLeak:
		return target == ErrLeak
	case ClassContract:
		return target == ErrContract
	case ClassSetup:
		return target == ErrSetup
	case ClassRace:
		return target == ErrRace
	}
	return false
}

// signalNumbers returns sigs as numbers, for a message.
func signalNumbers(sigs []syscall.Signal) []int {
	out := make([]int, len(sigs))
	for i, s := range sigs {
		out[i] = int(s)
	}
	return out
}

func hasViolation(vs []*Violation, call string) bool {
	for _, v := range vs {
		if v.Call == call {
			return true
		}
	}
	return false
}

func hasClass(vs []*Violation, class Class) bool {
	for _, v := range vs {
		if v.Class == class {
			return true
		}
	}
	return false
}
