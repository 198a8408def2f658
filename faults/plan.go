package faults

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/reaptest/reaptest/internal/notation"
)

// Never marks an event that does not happen by itself within a scenario.
const Never time.Duration = -1

// StatusReal, as a Delivery's Status, delivers the process's real exit status.
const StatusReal = -1

// ExitPlan says when the process exits by itself.
type ExitPlan struct {
	// After is the time from the scenario's start to the exit; Never means
	// the process exits only after a heeded signal, or at teardown.
	After time.Duration
	// Status is the exit status.
	Status int
}

// SignalPlan says how the process reacts to signals.
type SignalPlan struct {
	// IgnoreTerm makes the process ignore catchable signals (SIGTERM,
	// SIGINT, ...). SIGKILL is never ignored.
	IgnoreTerm bool
	// ExitAfter is the delay between a heeded signal and the exit, whose
	// status is then 128+signal.
	ExitAfter time.Duration
}

// Delivery is one Reap the monitor makes for the exit.
type Delivery struct {
	// After is the delay from the exit to the Reap. Deliveries with the same
	// delay run concurrently.
	After time.Duration
	// Status is StatusReal, or a synthetic status (e.g. 137, as reported
	// when the shim that owned the process was killed).
	Status int
}

// PointFault makes the Hit-th pass (counted from 1, over the whole task)
// through the fault point Name yield the processor Yields times, then
// sleep Sleep of virtual time. Hit 0 matches every pass.
//
// A yield lets the goroutines that can run at that instant run; a sleep
// also lets in whatever is due before it ends (a delivery, a call, a
// timer), as a slow statement there would: it opens a window that holds
// no blocking operation of its own (a flag set under a lock, a signal, the
// flag cleared). A sleep at a point where the goroutine holds a lock
// others wait for keeps the clock moving only if those waits are durable
// (instrumented code's locks are, see harness/autopoint), which is why
// drawn sleeps go only to automatic points.
type PointFault struct {
	Name   string
	Hit    int
	Yields int
	Sleep  time.Duration
}

// Plan is everything the world does to one task, apart from its callers.
type Plan struct {
	Exit   ExitPlan
	Signal SignalPlan
	// Deliveries are the Reaps the monitor makes after the exit; none means
	// the exit is lost and is delivered only at teardown.
	Deliveries []Delivery
	// Points are the delays at fault points.
	Points []PointFault
	// Fails are the failures injected at fail points (until teardown).
	Fails []FailFault
}

// Lost reports whether the exit is dropped (delivered only at teardown).
func (p Plan) Lost() bool { return len(p.Deliveries) == 0 }

// CtxKind is how a call's context ends.
type CtxKind uint8

// The ways a call's context can end.
const (
	// Background never ends.
	Background CtxKind = iota
	// Timeout has a deadline After past the call's start.
	Timeout
	// CancelAfter is cancelled After past the call's start.
	CancelAfter
	// Cancelled is cancelled before the call starts.
	Cancelled
)

// Ctx describes a call's context.
type Ctx struct {
	Kind  CtxKind
	After time.Duration
}

// Done returns when the context ends, measured from the call's start, or
// Never.
func (c Ctx) Done() time.Duration {
	switch c.Kind {
	case Timeout, CancelAfter:
		return c.After
	case Cancelled:
		return 0
	}
	return Never
}

// String returns the context in scenario notation: background,
// timeout:10ms, cancel:5ms or cancelled.
func (c Ctx) String() string {
	switch c.Kind {
	case Timeout:
		return "timeout:" + notation.FormatDuration(c.After)
	case CancelAfter:
		return "cancel:" + notation.FormatDuration(c.After)
	case Cancelled:
		return "cancelled"
	}
	return "background"
}

// String returns the plan in scenario notation, one fact a line:
//
//	process exit=<dur>|never status=<n> sigterm=ignore [sigkill=exit:<dur>] | sigterm=exit:<dur>
//	monitor lost | monitor reap after=<dur> status=real|<n> (one line a delivery)
//	point <name> hit=<n>|* yield=<n> [sleep=<dur>] (one line a fault; yield= is left out when there is a sleep and no yield)
//	fail <name> hit=<n>|* (one line an injected failure)
//
// sigkill=exit:<dur> is printed only when SIGTERM is ignored and SIGKILL's
// exit delay is not 0. A point name that is not a simple token (one or more
// of A-Z a-z 0-9 _ : . / -) is quoted with strconv.Quote ("reap close").
// scenarios.Parse reads this notation back.
func (p Plan) String() string {
	var b strings.Builder
	if p.Exit.After == Never {
		fmt.Fprintf(&b, "process exit=never status=%d", p.Exit.Status)
	} else {
		fmt.Fprintf(&b, "process exit=%s status=%d", notation.FormatDuration(p.Exit.After), p.Exit.Status)
	}
	if p.Signal.IgnoreTerm {
		// SIGKILL is still heeded, after ExitAfter: say so unless it is 0.
		b.WriteString(" sigterm=ignore")
		if p.Signal.ExitAfter != 0 {
			fmt.Fprintf(&b, " sigkill=exit:%s", notation.FormatDuration(p.Signal.ExitAfter))
		}
	} else {
		fmt.Fprintf(&b, " sigterm=exit:%s", notation.FormatDuration(p.Signal.ExitAfter))
	}
	b.WriteString("\n")
	if p.Lost() {
		b.WriteString("monitor lost\n")
	}
	for _, d := range p.Deliveries {
		status := "real"
		if d.Status != StatusReal {
			status = fmt.Sprint(d.Status)
		}
		fmt.Fprintf(&b, "monitor reap after=%s status=%s\n", notation.FormatDuration(d.After), status)
	}
	for _, f := range p.Points {
		hit := "*"
		if f.Hit > 0 {
			hit = fmt.Sprint(f.Hit)
		}
		fmt.Fprintf(&b, "point %s hit=%s", notation.PointName(f.Name), hit)
		if f.Yields > 0 || f.Sleep <= 0 {
			fmt.Fprintf(&b, " yield=%d", f.Yields)
		}
		if f.Sleep > 0 {
			fmt.Fprintf(&b, " sleep=%s", notation.FormatDuration(f.Sleep))
		}
		b.WriteString("\n")
	}
	for _, f := range p.Fails {
		hit := "*"
		if f.Hit > 0 {
			hit = fmt.Sprint(f.Hit)
		}
		fmt.Fprintf(&b, "fail %s hit=%s\n", notation.PointName(f.Name), hit)
	}
	return b.String()
}

// Context builds a context that ends as c says, on the calling
// goroutine's clock (virtual, in a synctest bubble); its CancelFunc
// releases it.
func (c Ctx) Context() (context.Context, context.CancelFunc) {
	switch c.Kind {
	case Timeout:
		return context.WithTimeout(context.Background(), c.After)
	case CancelAfter:
		ctx, cancel := context.WithCancel(context.Background())
		t := time.AfterFunc(c.After, cancel)
		return ctx, func() { t.Stop(); cancel() }
	case Cancelled:
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	}
	return context.Background(), func() {}
}
