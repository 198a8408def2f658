package harness

import (
	"fmt"
	"slices"

	"github.com/reaptest/reaptest/scenarios"
)

// The task's sequential specification: what one task does when its calls
// come one at a time. The judge (linearize.go) asks whether some order of
// a scenario's calls, respecting real time, makes every recorded result
// one this model allows; the bounds on when calls return (bounds.go) are
// checked beside it.
//
// A task is running until its first exit is reaped, exited (with that
// exit) until a Delete succeeds, then deleted (still with that exit):
//
//	call     running                    exited(e)                  deleted(e)
//	Reap(x)  -> exited(x)               ignored (e stays)          ignored
//	Wait     error only if ctx done     e, nil; error if ctx done  e, nil, or any error
//	Delete   error (never success)      e, nil -> deleted(e);      e, nil, or any error
//	                                    error (not at teardown)
//	Kill(s)  nil only if s was sent;    nil or error               nil or error
//	         error
//
// "ctx done" means the call's ctx had ended by the time it returned. The
// variants: DeleteReturnsNoExit lets a successful Delete report the zero
// Exit; ExitPidMayBeZero lets a success report pid 0; KillAfterExitFails
// asks a Kill in exited or deleted for an error wrapping ESRCH.

// taskPhase is where the model task is in its life.
type taskPhase uint8

const (
	phaseAlive taskPhase = iota // running: no exit reaped yet
	phaseExited
	phaseDeleted
)

func (p taskPhase) String() string {
	switch p {
	case phaseAlive:
		return "running (no exit reaped)"
	case phaseExited:
		return "exited"
	}
	return "deleted"
}

// modelState is the model task's state: its phase and, once exited, the
// exit the first Reap delivered.
type modelState struct {
	phase taskPhase
	exit  Exit
	// by is the index, among the history's calls, of the Reap that set
	// exit (for the search's memo; -1 while running).
	by int
}

// taskModel is the sequential specification with the contract's
// variants in force.
type taskModel struct {
	pid          int
	deleteNoExit bool // DeleteReturnsNoExit
	pidZero      bool // ExitPidMayBeZero
	killESRCH    bool // KillAfterExitFails
}

// initial is the state every scenario starts in.
func (m *taskModel) initial() modelState { return modelState{phase: phaseAlive, by: -1} }

// refusal says why the model does not allow a result; refusedNot (the
// zero value) means it does. Its text is formatted only for a report.
type refusal uint8

const (
	refusedNot           refusal = iota
	refusedWaitEarly             // Wait failed, ctx live, task not deleted
	refusedNoExitYet             // a success before any exit
	refusedWrongExit             // a success reporting another exit
	refusedWrongPid              // a success reporting another pid
	refusedTeardownFails         // the teardown Delete failed while exited
	refusedKillUnsent            // Kill returned nil, running, without its signal
	refusedKillNotESRCH          // KillAfterExitFails: no ESRCH after the exit
)

// step applies call i (c) with its recorded result to s. It returns the
// next state, and whether and why the model refuses the result in s.
func (m *taskModel) step(s modelState, i int, c *callRecord) (modelState, refusal) {
	switch c.op {
	case scenarios.Reap:
		if s.phase == phaseAlive {
			return modelState{phase: phaseExited, exit: c.reapExit, by: i}, refusedNot
		}
	case scenarios.Wait:
		switch {
		case c.err != nil && (c.ctxDone != never && c.ctxDone <= c.end || s.phase == phaseDeleted):
		case c.err != nil:
			return s, refusedWaitEarly
		case s.phase == phaseAlive:
			return s, refusedNoExitYet
		default:
			return s, m.sameExit(c.exit, s.exit, false)
		}
	case scenarios.Delete:
		switch {
		case c.err != nil && c.teardown && s.phase == phaseExited && !(c.ctxDone != never && c.ctxDone <= c.end):
			return s, refusedTeardownFails
		case c.err != nil:
		case s.phase == phaseAlive:
			return s, refusedNoExitYet
		default:
			if r := m.sameExit(c.exit, s.exit, m.deleteNoExit); r != refusedNot {
				return s, r
			}
			return modelState{phase: phaseDeleted, exit: s.exit, by: s.by}, refusedNot
		}
	case scenarios.Kill:
		if c.err == nil && s.phase == phaseAlive && !slices.Contains(c.signalled, c.signal) {
			return s, refusedKillUnsent
		}
		if m.killESRCH && s.phase != phaseAlive && !c.esrch {
			return s, refusedKillNotESRCH
		}
	}
	return s, refusedNot
}

// text says why the model refuses c's result in state s: what the result
// needs, and what the state was.
func (r refusal) text(m *taskModel, s modelState, c *callRecord) string {
	switch r {
	case refusedWaitEarly:
		return fmt.Sprintf("an error with its ctx (%s) live needs the task deleted first; it was %s", c.ctx, s.phase)
	case refusedNoExitYet:
		return "success needs the exit reaped first; none had taken effect"
	case refusedWrongExit:
		return fmt.Sprintf("it must report the first reaped exit, %s", formatExit(s.exit))
	case refusedWrongPid:
		return fmt.Sprintf("it must report an exit of pid %d", m.pid)
	case refusedTeardownFails:
		return "the teardown Delete must succeed once the exit is reaped and no Delete has succeeded; it was exited"
	case refusedKillUnsent:
		return fmt.Sprintf("nil before the exit needs signal %d sent through Process.Signal while it was in flight", int(c.signal))
	case refusedKillNotESRCH:
		return fmt.Sprintf("once the task is %s, an error wrapping ESRCH (KillAfterExitFails)", s.phase)
	}
	return ""
}

// apply is step for a call whose result is not judged (it is stuck, it
// panicked, or a bound or the judge already blames it) but which may have
// taken effect: a Reap, or a Delete that did not return an error, while
// the task is exited.
func (m *taskModel) apply(s modelState, i int, c *callRecord) modelState {
	switch {
	case c.op == scenarios.Reap && s.phase == phaseAlive:
		return modelState{phase: phaseExited, exit: c.reapExit, by: i}
	case c.op == scenarios.Delete && s.phase == phaseExited && (!c.returned || c.err == nil):
		return modelState{phase: phaseDeleted, exit: s.exit, by: s.by}
	}
	return s
}

// mutates reports whether c, with its result, can change the model's
// state: a Reap, a successful Delete. The search places the other calls
// as soon as the model allows them.
func mutates(c *callRecord) bool {
	return c.op == scenarios.Reap || c.op == scenarios.Delete && c.err == nil
}

// sameExit returns whether a success reporting got agrees with the
// reaped exit want. zeroOK lets the zero Exit pass (a Delete under
// DeleteReturnsNoExit).
func (m *taskModel) sameExit(got, want Exit, zeroOK bool) refusal {
	if zeroOK && got == (Exit{}) {
		return refusedNot
	}
	if m.pidZero && got.Pid == 0 {
		got.Pid = want.Pid
	}
	if got != want {
		return refusedWrongExit
	}
	if got.Pid != m.pid {
		return refusedWrongPid
	}
	return refusedNot
}
