package harness

import (
	"errors"
	"fmt"
	"time"

	"github.com/reaptest/reaptest/internal/sim"
	"github.com/reaptest/reaptest/scenarios"
)

// Bubble runs f in a fresh testing/synctest bubble and returns when the
// bubble has ended. Like synctest.Test it panics if goroutines are left
// durably blocked in the bubble after f returns. The suites package builds
// one from a *testing.T (synctest.Test needs one); any function with those
// semantics will do.
type Bubble func(f func())

// Pid is the process id of every simulated process.
const Pid = 4242

// Event is one line of a scenario's timeline.
type Event struct {
	At   time.Duration // virtual time from the scenario's start
	Who  string        // who acted: client1, monitor, process, teardown, harness
	What string
	// Call names the call a MarkBegins, MarkReturns or MarkStuck event is
	// about, e.g. "client1 Wait#1"; Lane is the timeline column it runs in
	// (a client's calls share one; each monitor delivery has its own).
	Call, Lane string
	Mark       Mark
}

// Mark says what an Event is.
type Mark uint8

// The kinds of timeline event.
const (
	MarkNote    Mark = iota // something happened: a fault fired, the process exited
	MarkBegins              // a call began
	MarkReturns             // a call returned (or panicked)
	MarkStuck               // a call was still blocked when the scenario was judged
)

// event is a timeline entry as recorded: calls are formatted only when a
// timeline is wanted.
type event struct {
	at    time.Duration
	who   string
	what  string      // for a note
	call  *callRecord // for a call's start, end, or stuck state
	ends  bool
	stuck bool
}

func (e event) format() Event {
	if e.call == nil {
		return Event{At: e.at, Who: e.who, What: e.what, Mark: MarkNote}
	}
	c := e.call
	ev := Event{At: e.at, Who: e.who, Call: c.name(), Lane: c.lane()}
	switch {
	case e.stuck:
		ev.Mark, ev.What = MarkStuck, fmt.Sprintf("%s#%d STUCK: %s", c.op, c.seq, e.what)
	case e.ends:
		ev.Mark, ev.What = MarkReturns, fmt.Sprintf("%s#%d → %s", c.op, c.seq, c.result())
	default:
		ev.Mark = MarkBegins
		ev.What = fmt.Sprintf("%s#%d(ctx=%s) begins", c.op, c.seq, c.ctx)
		switch c.op {
		case scenarios.Reap:
			ev.What = fmt.Sprintf("Reap#%d(%s) begins", c.seq, formatExit(c.reapExit))
		case scenarios.Kill:
			ev.What = fmt.Sprintf("Kill#%d(ctx=%s, signal %d) begins", c.seq, c.ctx, int(c.signal))
		}
	}
	return ev
}

// Result is what one scenario did to a task.
type Result struct {
	Scenario   scenarios.Scenario
	Violations []*Violation
	Timeline   []Event
	// Points are the fault points the implementation passed, hand-placed
	// and automatic, sorted; recorded with detail (Run, Replay, reports).
	Points []string
	// Fails are the fail points (Env.Fail) the implementation passed,
	// sorted.
	Fails []string
	// Killer reports whether the task implements Killer.
	Killer bool
	// Abandoned, if not empty, says what the harness could not stop:
	// goroutines left blocked or running when it gave up on the scenario.
	Abandoned string
	// Relaxations are the contract relaxations the scenario was judged
	// under (KillBoundedBy, DeleteReturnsNoExit, ExitPidMayBeZero,
	// WaitMayFailDuringDelete), set on a failing or detailed result; a
	// report prints them.
	Relaxations []string
	// Dump is the goroutine dump of the scenario's bubble when it ended
	// with calls stuck or goroutines left, in the runtime's format (input
	// for ScenarioFromDump).
	Dump []byte

	detailed bool // recorded with detail on
	// byChance: minimized, this failure did not repeat the same way in
	// every confirming run on one processor, so its scenario is kept
	// without a schedule and a replay fails by chance.
	byChance bool
	points   *sim.Points // the scenario's hits, for the check's Census
}

// Failed reports whether the scenario broke the contract.
func (r *Result) Failed() bool { return len(r.Violations) > 0 }

// Err returns the violations joined, or nil.
func (r *Result) Err() error {
	errs := make([]error, len(r.Violations))
	for i, v := range r.Violations {
		errs[i] = v
	}
	return errors.Join(errs...)
}

// Primary returns the violation a report leads with: a setup diagnosis,
// else a goroutine or memory bomb, else a panic, else a data race, else a
// hang, else a contract violation, else a leak.
func (r *Result) Primary() *Violation {
	for _, v := range r.Violations {
		if v.Class == ClassSetup { // the task could not be judged at all
			return v
		}
	}
	for _, v := range r.Violations {
		if v.Clause == ClauseLimits { // a bomb explains whatever else went wrong
			return v
		}
	}
	for _, class := range []Class{ClassPanic, ClassRace, ClassHang, ClassContract, ClassLeak} {
		for _, v := range r.Violations {
			if v.Class == class {
				return v
			}
		}
	}
	return nil
}
