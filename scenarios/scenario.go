package scenarios

import (
	"fmt"
	"strings"
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
)

// Op is a call a client makes on the task.
type Op uint8

// The client calls. Reap is the monitor's, and is planned by faults.Plan.
const (
	Wait Op = iota
	Delete
	Kill
	Reap
)

// String returns the method name.
func (o Op) String() string {
	switch o {
	case Wait:
		return "Wait"
	case Delete:
		return "Delete"
	case Kill:
		return "Kill"
	case Reap:
		return "Reap"
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Call is one call an actor makes.
type Call struct {
	Op Op
	// Delay is how long the actor waits before the call: from the scenario's
	// start for its first call, from the previous call's return after that.
	Delay time.Duration
	// Ctx is the call's context.
	Ctx faults.Ctx
	// Signal is Kill's signal.
	Signal syscall.Signal
}

// Actor is a client: one goroutine making its calls in order.
type Actor struct {
	Calls []Call
}

// Scenario is everything that happens to one task: the world's faults and
// the clients' calls. At its end the harness tears the task down: the
// process exits if it has not, a lost exit is delivered, and the task is
// deleted.
type Scenario struct {
	faults.Plan
	Actors []Actor
	// Procs, if not 0, is the GOMAXPROCS the scenario runs under. The
	// harness sets 1 on a counterexample that fails on one processor too:
	// there the Go scheduler interleaves goroutines only where they block
	// or yield, so the failure replays exactly.
	Procs int
	// First, if not empty, orders the deliveries and the clients' calls
	// due at one virtual instant: the lanes it names go first, in its
	// order, then the others in the default order (deliveries in plan
	// order, then client1, client2, ...). See [Lane].
	First []Lane
	// ChildFirst lists the passes of go statements of instrumented code at
	// which the new goroutine runs before its parent goes on; at every
	// other pass the parent goes on first. See [GoFirst].
	ChildFirst []GoFirst
}

// ActorName returns the name of actor i on the timeline.
func ActorName(i int) string {
	if i >= 0 && i < len(actorNames) {
		return actorNames[i]
	}
	return fmt.Sprintf("client%d", i+1)
}

var actorNames = func() []string {
	names := make([]string, 16)
	for i := range names {
		names[i] = fmt.Sprintf("client%d", i+1)
	}
	return names
}()

// String returns the scenario in scenario notation, one fact a line: the
// schedule line if any, the plan's lines (see faults.Plan.String), a "go"
// line per [GoFirst], then a "clientN:" line per actor
// with its calls separated by "; ". [Parse] reads it back.
func (s Scenario) String() string {
	var b strings.Builder
	if s.Procs > 0 || len(s.First) > 0 {
		b.WriteString("schedule")
		if s.Procs > 0 {
			fmt.Fprintf(&b, " procs=%d", s.Procs)
		}
		for i, l := range s.First {
			sep := ","
			if i == 0 {
				sep = " first="
			}
			fmt.Fprintf(&b, "%s%s", sep, l)
		}
		b.WriteString("\n")
	}
	b.WriteString(s.Plan.String())
	for _, g := range s.ChildFirst {
		fmt.Fprintf(&b, "go %s\n", g)
	}
	for i, a := range s.Actors {
		fmt.Fprintf(&b, "%s:", ActorName(i))
		for j, c := range a.Calls {
			if j > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s", c)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// String returns the call in scenario notation, e.g.
// "wait after=1ms ctx=timeout:10ms" or "kill sig=15 ctx=background".
func (c Call) String() string {
	var b strings.Builder
	b.WriteString(strings.ToLower(c.Op.String()))
	if c.Op == Kill {
		fmt.Fprintf(&b, " sig=%d", int(c.Signal))
	}
	if c.Delay != 0 {
		fmt.Fprintf(&b, " after=%s", notation.FormatDuration(c.Delay))
	}
	fmt.Fprintf(&b, " ctx=%s", c.Ctx)
	return b.String()
}
