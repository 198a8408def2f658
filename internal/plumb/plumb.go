// Package plumb carries the functions package harness hands to package
// suites and its benchmarks and nobody else: reading what options say,
// options a supervisor sets, and the pieces of a report a supervisor
// builds. They are not part of harness's API, yet they mention harness's
// types (Option, *Result, *Violation), and this package cannot import
// harness (harness fills it in), so the struct is generic over them.
//
// Package harness calls Set once, in its init; a package that imports
// harness calls Get with harness's types, e.g.
//
//	var hx = plumb.Get[harness.Option, *harness.Result, *harness.Violation]()
package plumb

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/reaptest/reaptest/scenarios"
)

// Harness is what package harness hands over; O is harness.Option, R is
// *harness.Result and V is *harness.Violation.
type Harness[O, R, V any] struct {
	// Isolation reports what opts say about isolation: whether they say
	// anything, and if so whether it is on.
	Isolation func(opts ...O) (set, on bool)
	// AutoPointsOf reports what opts say about automatic fault points:
	// whether they say anything, whether they are on, and the further
	// packages named by Instrument.
	AutoPointsOf func(opts ...O) (set, on bool, pkgs []string)
	// Progress is an option that calls f with every scenario just before
	// it runs; a supervisor uses it to know which scenario was running
	// when its child process died.
	Progress func(f func(sc scenarios.Scenario)) O
	// OnFound is an option that calls f when a check first sees a
	// failure, before it shrinks it, with the number of scenarios run so
	// far (named ones included); benchmarks time detection with it.
	OnFound func(f func(explored int)) O
	// Heartbeat is an option that calls f, on the watchdog's goroutine,
	// each time it gives a scenario whose virtual clock still advances
	// another real-time limit.
	Heartbeat func(f func()) O
	// Bare is an option that makes a replay run without detail, as a
	// check explores: detail's bookkeeping orders the task's goroutines
	// for the race detector, and a race found exploring would not
	// repeat.
	Bare func() O
	// SaveScenario writes res's scenario to dir under a name made of its
	// class, clause and a hash of its text, and returns the path.
	SaveScenario func(dir string, res R, repro string) (string, error)
	// Simpler returns the simpler variants of sc that minimization
	// tries, the biggest cuts first.
	Simpler func(sc scenarios.Scenario) []scenarios.Scenario
	// ReplayCommand returns the command that replays the scenario file
	// path through the go test command cmd.
	ReplayCommand func(cmd, path string) string
	// DumpNote says what ScenarioFromDump left out of the scenario it
	// makes from dump, or "" if nothing.
	DumpNote func(dump []byte, typeName string) string
	// Diagnose returns a setup diagnosis if output, a dead test process's,
	// shows the fatal error of a value shared between bubbles; else nil.
	Diagnose func(output string) V
	// WarmUp builds one task of newTask (a harness.NewTask) outside every
	// scenario, once per process (an isolated child's), before the first
	// scenario.
	WarmUp func(newTask any)
	// SoakOf reports the soak opts ask for (harness.Soak), 0 for none.
	SoakOf func(opts ...O) time.Duration
	// ProgressLines is an option that sends a long check's progress
	// lines to f instead of its Logf; an isolated child relays them to
	// its parent as they come.
	ProgressLines func(f func(line string)) O
	// LearnShape runs what a check runs before exploring, but the corpus,
	// and returns the shape to explore with, or the first failure.
	LearnShape func(bubble func(func()), newTask any, opts ...O) (scenarios.Shape, any)
	// RunOne runs one scenario as exploration does and returns its
	// failure, minimized and saved (unless its class/clause is known), or
	// nil.
	RunOne func(bubble func(func()), newTask any, sc scenarios.Scenario, what string, known []string, opts ...O) any
	// Part is an option that makes a check explore part i (0-based) of
	// n of its share of the indexed scenario space: one of n children.
	Part func(i, n int) O
	// Deadline is an option that makes a check stop exploring at t (real
	// time), so that it fits into its test's -timeout; stopping there is
	// not a failure.
	Deadline func(t time.Time) O
	// OnNothing is an option that calls f when a check's deadline
	// (Deadline) stopped it before it explored a single scenario beyond
	// the fixed ones (corpus, named, warm-up), with the number of those
	// it ran: it passes, having explored nothing.
	OnNothing func(f func(ran int)) O
	// SetReport makes f, a *harness.Failure, report text instead of the
	// report it would write: the report an isolated check's child wrote,
	// or that report with a note.
	SetReport func(f any, text string)
	// ChildrenOf reports what opts say about the children of an isolated
	// check (harness.Children): how many (0: GOMAXPROCS), and whether they
	// say.
	ChildrenOf func(opts ...O) (n int, set bool)
}

// the holds the *Harness[O, R, V] Set stored, as any.
var the atomic.Value

// Set hands h over; package harness calls it once, in its init.
func Set[O, R, V any](h Harness[O, R, V]) { the.Store(&h) }

// Get returns what package harness handed over. It panics if harness is
// not linked into the program (the caller does not import it) or if O, R
// and V are not harness's Option, *Result and *Violation.
func Get[O, R, V any]() Harness[O, R, V] {
	v := the.Load()
	if v == nil {
		panic("plumb.Get: package harness has not called plumb.Set: import harness before calling Get")
	}
	h, ok := v.(*Harness[O, R, V])
	if !ok {
		panic(fmt.Sprintf("plumb.Get: harness handed over a %T, not a %T: call Get with harness.Option, *harness.Result, *harness.Violation", v, h))
	}
	return *h
}
