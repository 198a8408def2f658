package harness

import (
	"fmt"
	"strings"

	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/notation"
)

// ClauseLockAcrossTime names a setup diagnosis: a goroutine of the task
// waits for a sync lock while another sleeps in virtual time (a lock held
// across a simulated RPC). testing/synctest does not count a wait for a
// sync.Mutex as durably blocked, so the bubble's clock cannot advance to
// wake the sleeper: the scenario cannot go on, through no fault of the
// task. Instrumented code (automatic points on) waits durably, and gets
// this diagnosis only for a lock held longer than 63ms of virtual time
// (internal/hook.PollGiveUp) with no instrumented Unlock of it in between.
const ClauseLockAcrossTime = "lock-across-time"

// lockWait reports whether g waits for a sync lock, which testing/synctest
// does not count as durable.
func lockWait(g *goroutine) bool {
	if g.durable {
		return false
	}
	switch g.state {
	case "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock", "semacquire":
		return true
	}
	return false
}

// taskSleeper reports whether g is a goroutine of the task (not the
// harness's own: an actor waiting for its next call, a pending delivery)
// that sleeps in virtual time: one the clock would wake.
func taskSleeper(g *goroutine) bool {
	return g.durable && g.state == "sleep" && len(g.implFrames()) > 0 && !harnessSleep(g)
}

// harnessSleep reports whether g sleeps where the harness's own code
// called the sleep (the scenario's main winding down, an actor's delay):
// the first frame outside the runtime and package time is the harness's.
func harnessSleep(g *goroutine) bool {
	for _, f := range g.frames {
		if strings.HasPrefix(f.fn, "runtime.") || strings.HasPrefix(f.fn, "time.") {
			continue
		}
		return strings.HasPrefix(f.fn, "github.com/reaptest/reaptest/harness.(*run).")
	}
	return false
}

// gaveUp reports whether g waits for a lock in sync after its
// instrumented wait (autopoint) gave up.
func gaveUp(g *goroutine) bool {
	for _, f := range g.frames {
		if strings.HasPrefix(f.fn, "github.com/reaptest/reaptest/harness/autopoint.") {
			return true
		}
	}
	return false
}

// pointSleeper reports whether g sleeps in a fault point's drawn sleep
// (point ... sleep=): the harness's own delay, not the task's.
func pointSleeper(g *goroutine) bool {
	if !g.durable || g.state != "sleep" {
		return false
	}
	for _, f := range g.frames {
		if strings.HasPrefix(f.fn, "github.com/reaptest/reaptest/internal/sim.(*Points).") {
			return true
		}
	}
	return false
}

// frozenBySleep reports whether the stalled bubble gs is frozen by a
// sleep the scenario drew at a fault point: every goroutine that is not
// durably blocked waits for a sync lock (one synctest cannot see past,
// such as sync.Once's own while another goroutine runs its function),
// and every goroutine that sleeps sleeps at a point. The stall is the
// harness's doing, and says nothing of the task. Call with r.mu held.
func frozenBySleep(gs []*goroutine) bool {
	waiters, sleepers := 0, 0
	for _, g := range gs {
		switch {
		case lockWait(g):
			waiters++
		case !g.durable:
			return false
		case pointSleeper(g):
			sleepers++
		case taskSleeper(g):
			return false // the task's own sleep: lockTimeViolation's case
		}
	}
	return waiters > 0 && sleepers > 0
}

// lockTimeViolation returns the diagnosis for a stalled bubble in which
// every goroutine that is not durably blocked waits for a sync lock, and
// some goroutine of the task sleeps: every goroutine left would move if
// the clock advanced, and only the lock waits keep it from advancing. A
// lock cycle, or a holder blocked on something that never comes, has no
// sleeper: that stays a deadlock. Call with r.mu held.
func (r *run) lockTimeViolation(gs []*goroutine) *Violation {
	var waiters, sleepers []*goroutine
	for _, g := range gs {
		switch {
		case lockWait(g):
			waiters = append(waiters, g)
		case !g.durable:
			return nil // a wait on something outside the bubble: not this
		case taskSleeper(g):
			sleepers = append(sleepers, g)
		}
	}
	if len(waiters) == 0 || len(sleepers) == 0 {
		return nil
	}
	name := func(g *goroutine) string {
		if c := r.callOf(g); c != nil {
			return c.name()
		}
		// Without detail the calls' goroutines are not known: the
		// task's outermost function names what the goroutine runs.
		if fs := g.implFrames(); len(fs) > 0 {
			return fmt.Sprintf("%s (goroutine %d)", shortFunc(fs[len(fs)-1].fn), g.id)
		}
		return fmt.Sprintf("goroutine %d of the task", g.id)
	}
	var ev strings.Builder
	var waiting, sleeping []string
	instrumented := false
	for _, g := range waiters {
		waiting = append(waiting, fmt.Sprintf("%s waits for a lock (%s)", name(g), g.blockedAt()))
		instrumented = instrumented || gaveUp(g)
		ev.WriteString(g.format("  "))
	}
	for _, g := range sleepers {
		sleeping = append(sleeping, fmt.Sprintf("%s sleeps (%s)", name(g), g.blockedAt()))
		ev.WriteString(g.format("  "))
	}
	v := &Violation{Class: ClassSetup, Clause: ClauseLockAcrossTime, Call: name(waiters[0]),
		Got: fmt.Sprintf("%s while %s: testing/synctest does not count a wait for a sync.Mutex as durably blocked, "+
			"so virtual time cannot advance to wake the sleeper, and the scenario cannot go on (a lock held across a sleep, e.g. a simulated RPC)",
			strings.Join(waiting, "; "), strings.Join(sleeping, "; ")),
		Want: "lock waits the bubble's clock can pass: automatic fault points on (the instrumented build makes sync.Mutex and RWMutex waits durable; " +
			"here the code waits in sync itself: REAPTEST_AUTOPOINTS=0, AutoPoints(false), or a package that is not instrumented), " +
			"or a channel as the lock (a buffered channel of one: send to lock, receive to unlock)",
		Evidence: ev.String()}
	if instrumented {
		v.Got = fmt.Sprintf("%s while %s: the instrumented lock wait gave up after %s of virtual time with the lock still held and no Unlock of it seen, "+
			"and waits in sync, which testing/synctest does not count as durably blocked: virtual time cannot advance to wake the sleeper",
			strings.Join(waiting, "; "), strings.Join(sleeping, "; "), notation.FormatDuration(hook.PollGiveUp))
		v.Want = fmt.Sprintf("no lock held across more than %s of virtual time (automatic points make shorter holds durable), "+
			"or a channel as the lock (a buffered channel of one: send to lock, receive to unlock)", notation.FormatDuration(hook.PollGiveUp))
	}
	return v
}
