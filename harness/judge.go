package harness

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/scenarios"
)

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
