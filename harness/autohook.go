package harness

import (
	"sync/atomic"

	// Instrumented code imports autopoint, not harness; the import keeps
	// autopoint where the instrumented build finds it: in the vendor
	// directory of a module that uses reaptest (go mod vendor copies the
	// packages imported, and only those).
	_ "github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/sim"
)

// Automatic fault points. Instrumented code calls autopoint.P(id) before
// every synchronization operation; autopoint's hook is one per process, so
// one check at a time owns it. While a check owns it, the hook routes each
// hit to the sim.Points of the scenario running (counting hits per site,
// yielding where the plan says). The rule:
//
//   - Check, ExploreAround, Run and Replay claim the hook when they start
//     and give it back when they return (restoring any hook installed
//     before them).
//   - A check that starts while another holds it runs without automatic
//     points: instrumented code calls the other check's hook, which routes
//     its hits to that check's scenario, and this check's
//     Coverage.Warning says so. Nothing crashes; checks are not meant to
//     run in parallel in one process anyway (see the README's Limits).
//   - An in-process check of code that is not instrumented owns the hook
//     and simply sees no automatic hits.
//   - Goroutines left behind by an abandoned scenario (a frozen or
//     spinning bubble) that still pass instrumented points count for the
//     scenario running at the time: the hook cannot tell bubbles apart
//     cheaply.

var (
	hookOwned  atomic.Bool
	hookTarget atomic.Pointer[sim.Points] // the running scenario's, or nil
)

// routeHit is the autopoint hook while a check owns it.
func routeHit(id uint32) {
	if p := hookTarget.Load(); p != nil {
		p.Hit(id)
	}
}

// goHooks are autopoint's go hooks while a check owns the hook: after a
// go statement the new goroutine may run first (Scenario.ChildFirst); it
// then says when it has begun.
var goHooks = &hook.GoHooks{
	Wrap: func(id uint32) bool {
		p := hookTarget.Load()
		return p != nil && p.WaitsAt(id)
	},
	Begin: func() {
		if p := hookTarget.Load(); p != nil {
			p.Begin()
		}
	},
	Started: func(id uint32) {
		if p := hookTarget.Load(); p != nil {
			p.Started(id)
		}
	},
}

// bubbleOf returns the synctest bubble of the calling goroutine, 0 outside
// one.
func bubbleOf() int64 {
	_, b := currentGoroutine()
	return b
}

// claimHook makes the caller the owner of autopoint's hook if no one else
// is, sets c.ownsHook or c.hookBusy, and returns what gives it back.
func (c *config) claimHook() (release func()) {
	if c.ownsHook {
		return func() {}
	}
	if !hookOwned.CompareAndSwap(false, true) {
		c.hookBusy = true
		return func() {}
	}
	c.ownsHook = true
	prev := hook.Set(routeHit)
	prevGo := hook.SetGo(goHooks)
	return func() {
		hookTarget.Store(nil)
		hook.Set(prev)
		hook.SetGo(prevGo)
		c.ownsHook = false
		hookOwned.Store(false)
	}
}

// aim routes automatic hits to p while a scenario runs (if the check owns
// the hook) and returns what stops it.
func (c *config) aim(p *sim.Points) (stop func()) {
	if !c.ownsHook {
		return func() {}
	}
	hookTarget.Store(p)
	return func() { hookTarget.CompareAndSwap(p, nil) }
}
