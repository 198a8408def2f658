package scenarios

import (
	"syscall"
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// Shape bounds what Gen draws.
type Shape struct {
	// Kill adds Kill calls (for tasks that implement harness.Killer).
	Kill bool
	// Points are the fault point names the implementation is known to pass;
	// faults are drawn at them.
	Points []string
	// Fails are the fail point names the implementation is known to pass;
	// failures are injected at them.
	Fails []string
	// MaxActors is the most concurrent clients (default 4).
	MaxActors int
	// MaxCalls is the most calls per client (default 3).
	MaxCalls int
}

// The value sets draws pick from, simplest first: rapid shrinks toward the
// first element.
var (
	callDelays    = []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond}
	ctxAfters     = []time.Duration{10 * time.Second, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond}
	ctxKinds      = []faults.CtxKind{faults.Background, faults.Timeout, faults.CancelAfter, faults.Cancelled}
	exitAfters    = []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, faults.Never}
	exitStatuses  = []int{0, 1, 2, 137, 255}
	signalAfters  = []time.Duration{0, time.Millisecond, 10 * time.Millisecond}
	deliveryAfter = []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 200 * time.Millisecond}
	deliveryStat  = []int{faults.StatusReal, 137, 143}
	pointHits     = []int{1, 2, 3, 0}
	pointYields   = []int{16, 1, 4, 64} // shrinks toward 16: a wide window replays reliably
	killSignals   = []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL}
	failHits      = []int{1, 2, 0} // the first pass fails, the second, every pass until teardown
)

// drawFails draws up to two injected failures at the fail points names:
// none shrinks first, then the first pass.
func drawFails(t *rapid.T, names []string) []faults.FailFault {
	var fails []faults.FailFault
	n := rapid.IntRange(0, 2).Draw(t, "fails")
	for range n {
		fails = append(fails, faults.FailFault{
			Name: rapid.SampledFrom(names).Draw(t, "fail.name"),
			Hit:  rapid.SampledFrom(failHits).Draw(t, "fail.hit"),
		})
	}
	return fails
}

// Gen returns a generator of scenarios of the given shape. Every choice is a
// draw, made before the scenario runs, so rapid can shrink and replay it.
func Gen(s Shape) *rapid.Generator[Scenario] {
	if s.MaxActors <= 0 {
		s.MaxActors = 4
	}
	if s.MaxCalls <= 0 {
		s.MaxCalls = 3
	}
	ops := []Op{Wait, Delete}
	if s.Kill {
		ops = append(ops, Kill)
	}
	return rapid.Custom(func(t *rapid.T) Scenario {
		var sc Scenario
		sc.Exit = faults.ExitPlan{
			After:  rapid.SampledFrom(exitAfters).Draw(t, "exit.after"),
			Status: rapid.SampledFrom(exitStatuses).Draw(t, "exit.status"),
		}
		sc.Signal = faults.SignalPlan{
			IgnoreTerm: rapid.Bool().Draw(t, "signal.ignore"),
			ExitAfter:  rapid.SampledFrom(signalAfters).Draw(t, "signal.after"),
		}
		// One scenario in eight loses the exit; the rest deliver it one to
		// three times.
		if rapid.IntRange(0, 7).Draw(t, "exit.lost") != 7 {
			n := rapid.IntRange(1, 3).Draw(t, "deliveries")
			for i := range n {
				d := faults.Delivery{After: rapid.SampledFrom(deliveryAfter).Draw(t, "delivery.after")}
				d.Status = faults.StatusReal
				if i > 0 {
					d.Status = rapid.SampledFrom(deliveryStat).Draw(t, "delivery.status")
				}
				sc.Deliveries = append(sc.Deliveries, d)
			}
		}
		if len(s.Points) > 0 {
			n := rapid.IntRange(0, 3).Draw(t, "points")
			for range n {
				sc.Points = append(sc.Points, faults.PointFault{
					Name:   rapid.SampledFrom(s.Points).Draw(t, "point.name"),
					Hit:    rapid.SampledFrom(pointHits).Draw(t, "point.hit"),
					Yields: rapid.SampledFrom(pointYields).Draw(t, "point.yields"),
				})
			}
		}
		if len(s.Fails) > 0 {
			sc.Fails = drawFails(t, s.Fails)
		}
		actors := rapid.IntRange(1, s.MaxActors).Draw(t, "actors")
		for range actors {
			var a Actor
			calls := rapid.IntRange(1, s.MaxCalls).Draw(t, "calls")
			for range calls {
				c := Call{
					Op:    rapid.SampledFrom(ops).Draw(t, "op"),
					Delay: rapid.SampledFrom(callDelays).Draw(t, "delay"),
					Ctx:   faults.Ctx{Kind: rapid.SampledFrom(ctxKinds).Draw(t, "ctx")},
				}
				if c.Ctx.Kind == faults.Timeout || c.Ctx.Kind == faults.CancelAfter {
					c.Ctx.After = rapid.SampledFrom(ctxAfters).Draw(t, "ctx.after")
				}
				if c.Op == Kill {
					c.Signal = rapid.SampledFrom(killSignals).Draw(t, "signal")
				}
				a.Calls = append(a.Calls, c)
			}
			sc.Actors = append(sc.Actors, a)
		}
		return sc
	})
}
