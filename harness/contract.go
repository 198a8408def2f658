package harness

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/scenarios"
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

// never stands for a bound or a time that is not reached.
const never = time.Duration(math.MaxInt64)

// callRecord is what the harness saw of one call.
type callRecord struct {
	who      string // lane: client1, monitor, teardown
	seq      int    // 1-based position among who's calls
	op       scenarios.Op
	ctx      faults.Ctx
	signal   syscall.Signal // Kill's signal
	teardown bool
	reapExit Exit // Reap's argument
	// release lets the next of the harness's calls due at the same
	// instant begin (see run.sleepOrdered); only the call's own goroutine
	// touches it, and releaseNext calls it once.
	release func()
	// signalled are the signals the process received through
	// Process.Signal while this Kill was in flight (guarded by run.mu).
	signalled []syscall.Signal

	goid int64 // goroutine running the call

	// Set when the call starts and ends (guarded by run.mu).
	start, end       time.Duration // virtual, from the scenario's start
	startSeq, endSeq int64         // order of starts and ends across all calls
	ctxDone          time.Duration // when ctx ended, never if it does not
	returned         bool
	exit             Exit
	err              error
	errText          string // err.Error(), taken on the call's goroutine
	esrch            bool   // errors.Is(err, syscall.ESRCH), likewise
	panicked         bool
	panicValue       string // fmt.Sprint of what the call panicked with
	panicStack       string
	goexit           bool
}

// releaseNext lets the next call due at the same instant as rec begin,
// once.
func (rec *callRecord) releaseNext() {
	if f := rec.release; f != nil {
		rec.release = nil
		f()
	}
}

func (c *callRecord) name() string { return fmt.Sprintf("%s %s#%d", c.who, c.op, c.seq) }

// lane is the timeline column of the call: a client's calls are made in
// turn and share one; the monitor's and teardown's may overlap and get one
// each.
func (c *callRecord) lane() string {
	if strings.HasPrefix(c.who, "client") {
		return c.who
	}
	return c.name()
}

func (c *callRecord) ok() bool { return c.returned && !c.panicked && !c.goexit && c.err == nil }

func at(d time.Duration) string {
	if d == never {
		return "never"
	}
	return "+" + notation.FormatDuration(d)
}

func (c *callRecord) result() string {
	switch {
	case c.panicked:
		return fmt.Sprintf("panic: %v", c.panicValue)
	case c.goexit:
		return "runtime.Goexit"
	case !c.returned:
		return "STUCK"
	case c.op == scenarios.Reap:
		return "returned"
	case c.op == scenarios.Kill && c.err == nil:
		return "nil"
	case c.op == scenarios.Kill:
		return c.errText
	case c.err != nil:
		return fmt.Sprintf("error %q", c.errText)
	}
	return fmt.Sprintf("%s, nil", formatExit(c.exit))
}

func formatExit(e Exit) string { return fmt.Sprintf("Exit{Pid: %d, Status: %d}", e.Pid, e.Status) }

// evaluate checks every clause over the calls of one finished (or frozen)
// scenario. now is the virtual time the scenario was judged at; stuck
// calls have not returned by then.
func evaluate(cfg *config, calls []*callRecord, pid int, now time.Duration) []*Violation {
	g := cfg.grace
	var vs []*Violation
	add := func(class Class, clause string, c *callRecord, got, want string) *Violation {
		v := &Violation{Class: class, Clause: clause, Call: c.name(), Got: got, Want: want}
		vs = append(vs, v)
		return v
	}

	// The facts the clauses hang on.
	var firstReap *callRecord              // the Reap that returned first
	firstReapStart := int64(math.MaxInt64) // order of the first Reap's start: the exit is known
	var deleted *callRecord                // the Delete that succeeded first
	deleteBegan := int64(math.MaxInt64)    // order of the first start of a Delete that succeeded
	for _, c := range calls {
		switch {
		case c.op == scenarios.Reap:
			firstReapStart = min(firstReapStart, c.startSeq)
			if c.returned && !c.panicked && !c.goexit && (firstReap == nil || c.endSeq < firstReap.endSeq) {
				firstReap = c
			}
		case c.op == scenarios.Delete && c.ok():
			if deleted == nil || c.endSeq < deleted.endSeq {
				deleted = c
			}
			deleteBegan = min(deleteBegan, c.startSeq)
		}
	}
	// The winning exit, when one Reap returned before any other began.
	var want *Exit
	if firstReap != nil {
		alone := true
		for _, c := range calls {
			if c.op == scenarios.Reap && c != firstReap && c.startSeq < firstReap.endSeq {
				alone = false
			}
		}
		if alone {
			want = &firstReap.reapExit
		}
	}

	for _, c := range calls {
		if c.panicked {
			v := add(ClassPanic, ClauseNoPanic, c, fmt.Sprintf("panic: %v", c.panicValue), "no panic")
			v.Evidence = c.panicStack
			continue
		}
		if c.goexit {
			add(ClassPanic, ClauseNoPanic, c, "runtime.Goexit (the call never returned to its caller)", "a return")
			continue
		}

		// The bound: the earliest time the contract says the call must have
		// returned by, with the clause that says so.
		// why is formatted only for a violation: evaluate runs for every
		// scenario, and nearly all of them pass.
		bound, clause := never, ""
		var why func() string
		tighten := func(t time.Duration, cl string, reason func() string) {
			if t < bound {
				bound, clause, why = t, cl, reason
			}
		}
		ctxEnd := func(cl string) {
			if c.ctxDone != never {
				tighten(c.ctxDone+g, cl, func() string { return fmt.Sprintf("its ctx (%s) ended at %s", c.ctx, at(c.ctxDone)) })
			}
		}
		reapedBefore := firstReap != nil && firstReap.endSeq < c.startSeq
		deletedBefore := deleted != nil && deleted.endSeq < c.startSeq
		switch c.op {
		case scenarios.Wait:
			ctxEnd(ClauseWaitBounded)
			if firstReap != nil && (deleted == nil || c.startSeq < deleted.endSeq) {
				tighten(max(firstReap.end, c.start)+g, ClauseWaitSeesExit,
					func() string { return fmt.Sprintf("%s returned at %s", firstReap.name(), at(firstReap.end)) })
			}
			if deleted != nil {
				tighten(max(deleted.end, c.start)+g, ClauseAfterDelete,
					func() string { return fmt.Sprintf("%s succeeded at %s", deleted.name(), at(deleted.end)) })
			}
		case scenarios.Delete:
			ctxEnd(ClauseDeleteBounded)
			if deletedBefore {
				tighten(c.start+g, ClauseDeleteBounded,
					func() string {
						return fmt.Sprintf("it repeats %s, which succeeded at %s", deleted.name(), at(deleted.end))
					})
			}
			if firstReap != nil {
				tighten(max(firstReap.end, c.start)+g, ClauseDeleteBounded,
					func() string {
						return fmt.Sprintf("the exit was reaped by %s at %s", firstReap.name(), at(firstReap.end))
					})
			}
			if cfg.deleteNoWait && firstReapStart > c.startSeq {
				tighten(c.start+g, ClauseDeleteBounded, func() string { return "a Delete before the exit must fail at once (DeleteBeforeExitFails)" })
			}
		case scenarios.Kill:
			if d := cfg.killBound; d > 0 {
				tighten(c.start+d+g, ClauseKillBounded, func() string {
					return fmt.Sprintf("its own bound, KillBoundedBy(%s) from its start, ended at %s", notation.FormatDuration(d), at(c.start+d))
				})
			} else {
				ctxEnd(ClauseKillBounded)
			}
			if reapedBefore {
				tighten(c.start+g, ClauseKillBounded,
					func() string {
						return fmt.Sprintf("the exit was reaped by %s at %s, before Kill began", firstReap.name(), at(firstReap.end))
					})
			}
			if deletedBefore {
				tighten(c.start+g, ClauseAfterDelete,
					func() string { return fmt.Sprintf("%s succeeded at %s", deleted.name(), at(deleted.end)) })
			}
		case scenarios.Reap:
			tighten(c.start+g, ClauseReapPrompt, func() string {
				return fmt.Sprintf("it began at %s", at(c.start))
			})
		}
		if bound != never {
			if !c.returned && now < bound {
				// The clock stopped (a frozen bubble) before the bound: no
				// clause is broken yet; the deadlock check below takes it.
				continue
			}
			if !c.returned {
				add(ClassHang, clause, c, fmt.Sprintf("still blocked at %s", at(now)),
					fmt.Sprintf("a return by %s (%s after %s)", at(bound), notation.FormatDuration(g), why()))
				continue
			}
			if c.end > bound {
				add(ClassHang, clause, c, fmt.Sprintf("%s at %s", c.result(), at(c.end)),
					fmt.Sprintf("a return by %s (%s after %s)", at(bound), notation.FormatDuration(g), why()))
				continue
			}
		}
		if !c.returned {
			continue // judged below, if nothing else explains it
		}

		ctxDoneAtEnd := c.ctxDone != never && c.ctxDone <= c.end
		switch c.op {
		case scenarios.Wait:
			if c.err == nil && firstReapStart > c.endSeq {
				add(ClassContract, ClauseWaitSeesExit, c, c.result()+" at "+at(c.end),
					"no exit before any Reap began")
			}
			// A Wait may fail once the task is deleted: after a successful
			// Delete returned, or began (WaitMayFailDuringDelete).
			gone := deleted != nil && c.endSeq > deleted.endSeq || cfg.waitInDelete && c.endSeq > deleteBegan
			if c.err != nil && firstReap != nil && firstReap.endSeq < c.endSeq && !ctxDoneAtEnd && !gone {
				add(ClassContract, ClauseWaitSeesExit, c, c.result()+" at "+at(c.end),
					fmt.Sprintf("%s, nil: %s returned at %s and the Wait's ctx (%s) was not done",
						formatExit(firstReap.reapExit), firstReap.name(), at(firstReap.end), c.ctx))
			}
		case scenarios.Delete:
			if c.err == nil && firstReapStart > c.endSeq {
				add(ClassContract, ClauseDeleteHonest, c, c.result()+" at "+at(c.end),
					"an error, or a wait for the exit: no Reap had begun, the process had not exited")
			}
			if c.err != nil && c.teardown && !ctxDoneAtEnd && deleted == nil && firstReap != nil && firstReap.endSeq < c.startSeq {
				add(ClassContract, ClauseDeleteHonest, c, c.result(),
					fmt.Sprintf("success: the exit was reaped by %s at %s before this teardown Delete", firstReap.name(), at(firstReap.end)))
			}
		case scenarios.Kill:
			if c.err == nil && firstReapStart > c.endSeq && !slices.Contains(c.signalled, c.signal) {
				got := "nil without a signal"
				if len(c.signalled) > 0 {
					got = fmt.Sprintf("nil, having sent only signal(s) %v", signalNumbers(c.signalled))
				}
				add(ClassContract, ClauseKillDelivers, c, got+" at "+at(c.end),
					fmt.Sprintf("signal %d sent to the process through Process.Signal before Kill returned nil: no Reap had begun", int(c.signal)))
			}
			if cfg.killESRCH && reapedBefore && !c.esrch {
				add(ClassContract, ClauseKillBounded, c, c.result(),
					"an error wrapping ESRCH: the exit was reaped before Kill began (KillAfterExitFails)")
			}
		}
	}

	// One exit: every success reports the same exit, the first Reap's when
	// it returned alone. reported is the exit a success is judged by: pid 0
	// read as the process's (ExitPidMayBeZero); a Delete's zero Exit not
	// judged at all (DeleteReturnsNoExit).
	reported := func(c *callRecord) Exit {
		e := c.exit
		if cfg.pidZero && e.Pid == 0 {
			e.Pid = pid
		}
		return e
	}
	var successes []*callRecord
	for _, c := range calls {
		if cfg.deleteNoExit && c.op == scenarios.Delete && c.exit == (Exit{}) {
			continue
		}
		if (c.op == scenarios.Wait || c.op == scenarios.Delete) && c.ok() {
			successes = append(successes, c)
		}
	}
	sort.Slice(successes, func(i, j int) bool { return successes[i].endSeq < successes[j].endSeq })
	var first *callRecord
	for _, c := range successes {
		if firstReapStart > c.endSeq {
			continue // already reported: a success before any exit
		}
		switch e := reported(c); {
		case want != nil && e != *want:
			add(ClassContract, ClauseOneExit, c, c.result(),
				fmt.Sprintf("%s: %s returned it at %s before any other Reap began", formatExit(*want), firstReap.name(), at(firstReap.end)))
		case want == nil && first != nil && e != reported(first):
			add(ClassContract, ClauseOneExit, c, c.result(),
				fmt.Sprintf("%s, as %s reported", formatExit(first.exit), first.name()))
		case e.Pid != pid:
			wantPid := fmt.Sprintf("an exit of pid %d", pid)
			if cfg.pidZero {
				wantPid += " or 0 (ExitPidMayBeZero)"
			}
			add(ClassContract, ClauseOneExit, c, c.result(), wantPid)
		}
		if first == nil {
			first = c
		}
	}

	// Stuck calls with no bound of their own: a hang only if nothing else
	// explains them.
	var stuck []string
	for _, c := range calls {
		if !c.returned && !c.panicked && !c.goexit && !hasViolation(vs, c.name()) {
			stuck = append(stuck, c.name())
		}
	}
	if len(stuck) > 0 {
		vs = append(vs, &Violation{Class: ClassHang, Clause: ClauseDeadlock, Call: strings.Join(stuck, ", "),
			Got: fmt.Sprintf("still blocked at %s", at(now)), Want: "every call returns once the task is torn down"})
	}
	return vs
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
