package harness

import (
	"fmt"
	"math"
	"time"

	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/scenarios"
)

// The real-time bounds: when each call must have returned by, checked
// beside the task model (model.go), which judges what calls return. They
// are liveness, not results: wait-bounded, delete-bounded, kill-bounded,
// reap-prompt, and the prompt returns once the exit is reaped
// (wait-sees-exit) or a Delete has succeeded (after-delete).

// facts are what the bounds hang on, taken from the recorded calls.
type facts struct {
	firstReap      *callRecord // the Reap that returned first
	firstReapStart int64       // order of the first Reap's start (MaxInt64: none)
	deleted        *callRecord // the Delete that succeeded first
}

func factsOf(calls []*callRecord) facts {
	f := facts{firstReapStart: math.MaxInt64}
	for _, c := range calls {
		switch {
		case c.op == scenarios.Reap:
			f.firstReapStart = min(f.firstReapStart, c.startSeq)
			if c.returned && !c.panicked && !c.goexit && (f.firstReap == nil || c.endSeq < f.firstReap.endSeq) {
				f.firstReap = c
			}
		case c.op == scenarios.Delete && c.ok():
			if f.deleted == nil || c.endSeq < f.deleted.endSeq {
				f.deleted = c
			}
		}
	}
	return f
}

// boundWhy says why a bound applies; formatted only for a violation
// (nearly every call keeps its bounds).
type boundWhy struct {
	kind uint8
	ref  *callRecord // the Reap or Delete the bound follows
}

const (
	whyCtx         uint8 = iota // the call's ctx ended
	whyReaped                   // ref reaped the exit (Wait)
	whyDeleted                  // ref's Delete succeeded
	whyRepeat                   // the call repeats ref's successful Delete
	whyReapedExit               // the exit was reaped by ref (Delete)
	whyNoWait                   // DeleteBeforeExitFails
	whyKillBound                // KillBoundedBy
	whyReapedFirst              // reaped by ref before Kill began
	whyReapBegan                // a Reap returns at once
)

func (w boundWhy) text(cfg *config, c *callRecord) string {
	r := w.ref
	switch w.kind {
	case whyCtx:
		return fmt.Sprintf("its ctx (%s) ended at %s", c.ctx, at(c.ctxDone))
	case whyReaped:
		return fmt.Sprintf("%s returned at %s", r.name(), at(r.end))
	case whyDeleted:
		return fmt.Sprintf("%s succeeded at %s", r.name(), at(r.end))
	case whyRepeat:
		return fmt.Sprintf("it repeats %s, which succeeded at %s", r.name(), at(r.end))
	case whyReapedExit:
		return fmt.Sprintf("the exit was reaped by %s at %s", r.name(), at(r.end))
	case whyNoWait:
		return "a Delete before the exit must fail at once (DeleteBeforeExitFails)"
	case whyKillBound:
		d := cfg.killBound
		return fmt.Sprintf("its own bound, KillBoundedBy(%s) from its start, ended at %s", notation.FormatDuration(d), at(c.start+d))
	case whyReapedFirst:
		return fmt.Sprintf("the exit was reaped by %s at %s, before Kill began", r.name(), at(r.end))
	}
	return fmt.Sprintf("it began at %s", at(c.start))
}

// bound returns the earliest time the contract says c must have returned
// by, the clause that says so and why; never when none applies.
func (f *facts) bound(cfg *config, c *callRecord) (bound time.Duration, clause string, why boundWhy) {
	g := cfg.grace
	bound = never
	tighten := func(t time.Duration, cl string, w boundWhy) {
		if t < bound {
			bound, clause, why = t, cl, w
		}
	}
	ctxEnd := func(cl string) {
		if c.ctxDone != never {
			tighten(c.ctxDone+g, cl, boundWhy{kind: whyCtx})
		}
	}
	firstReap, deleted := f.firstReap, f.deleted
	reapedBefore := firstReap != nil && firstReap.endSeq < c.startSeq
	deletedBefore := deleted != nil && deleted.endSeq < c.startSeq
	switch c.op {
	case scenarios.Wait:
		ctxEnd(ClauseWaitBounded)
		if firstReap != nil && (deleted == nil || c.startSeq < deleted.endSeq) {
			tighten(max(firstReap.end, c.start)+g, ClauseWaitSeesExit, boundWhy{whyReaped, firstReap})
		}
		if deleted != nil {
			tighten(max(deleted.end, c.start)+g, ClauseAfterDelete, boundWhy{whyDeleted, deleted})
		}
	case scenarios.Delete:
		ctxEnd(ClauseDeleteBounded)
		if deletedBefore {
			tighten(c.start+g, ClauseDeleteBounded, boundWhy{whyRepeat, deleted})
		}
		if firstReap != nil {
			tighten(max(firstReap.end, c.start)+g, ClauseDeleteBounded, boundWhy{whyReapedExit, firstReap})
		}
		if cfg.deleteNoWait && f.firstReapStart > c.startSeq {
			tighten(c.start+g, ClauseDeleteBounded, boundWhy{kind: whyNoWait})
		}
	case scenarios.Kill:
		if d := cfg.killBound; d > 0 {
			tighten(c.start+d+g, ClauseKillBounded, boundWhy{kind: whyKillBound})
		} else {
			ctxEnd(ClauseKillBounded)
		}
		if reapedBefore {
			tighten(c.start+g, ClauseKillBounded, boundWhy{whyReapedFirst, firstReap})
		}
		if deletedBefore {
			tighten(c.start+g, ClauseAfterDelete, boundWhy{whyDeleted, deleted})
		}
	case scenarios.Reap:
		tighten(c.start+g, ClauseReapPrompt, boundWhy{kind: whyReapBegan})
	}
	return bound, clause, why
}

// checkBound returns c's bound violation at now, if any. A stuck call
// whose bound lies after now (the clock stopped first: a frozen bubble)
// breaks no bound yet.
func (f *facts) checkBound(cfg *config, c *callRecord, now time.Duration) *Violation {
	bound, clause, why := f.bound(cfg, c)
	if bound == never || !c.returned && now < bound || c.returned && c.end <= bound {
		return nil
	}
	got := fmt.Sprintf("%s at %s", c.result(), at(c.end))
	if !c.returned {
		got = fmt.Sprintf("still blocked at %s", at(now))
	}
	return &Violation{Class: ClassHang, Clause: clause, Call: c.name(), Got: got,
		Want: fmt.Sprintf("a return by %s (%s after %s)", at(bound), notation.FormatDuration(cfg.grace), why.text(cfg, c))}
}
