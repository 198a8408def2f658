package scenarios

import (
	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// Around returns a generator of variations of base: the same clients
// making the same calls with the same kinds of context, with the timing
// varied — each call's delay and context duration, when the process exits,
// when (and whether) the monitor delivers the exit, the start orders — and faults drawn at
// the fault points in s.Points. It is how the harness explores around a
// scenario written from a bug report ("this is roughly what was running")
// until the interleaving that fails turns up.
func Around(base Scenario, s Shape) *rapid.Generator[Scenario] {
	points, fails, order := newPointDraw(s), newFailDraw(s.Fails), newOrderDraw(s)
	lost := uniform(8) // 7: one variation in eight loses the exit
	return rapid.Custom(func(t *rapid.T) Scenario {
		sc := Scenario{Plan: base.Plan, Procs: base.Procs}
		sc.Exit.After = rapid.SampledFrom(exitAfters).Draw(t, "exit.after")
		sc.Signal.IgnoreTerm = rapid.Bool().Draw(t, "signal.ignore")
		sc.Signal.ExitAfter = rapid.SampledFrom(signalAfters).Draw(t, "signal.after")
		n := len(base.Deliveries)
		if n == 0 {
			n = 1
		}
		sc.Deliveries = nil
		if lost.Draw(t, "exit.lost") != 7 {
			for i := range n {
				d := faults.Delivery{After: rapid.SampledFrom(deliveryAfter).Draw(t, "delivery.after"), Status: faults.StatusReal}
				if i < len(base.Deliveries) {
					d.Status = base.Deliveries[i].Status
				}
				sc.Deliveries = append(sc.Deliveries, d)
			}
		}
		sc.Points = points.draw(t, append([]faults.PointFault(nil), base.Points...))
		sc.Fails = fails.draw(t, append([]faults.FailFault(nil), base.Fails...))
		if len(base.Actors) > 0 {
			sc.Actors = make([]Actor, len(base.Actors))
		}
		for i, a := range base.Actors {
			calls := make([]Call, len(a.Calls))
			for j, c := range a.Calls {
				c.Delay = rapid.SampledFrom(callDelays).Draw(t, "delay")
				if c.Ctx.Kind == faults.Timeout || c.Ctx.Kind == faults.CancelAfter {
					c.Ctx.After = rapid.SampledFrom(ctxAfters).Draw(t, "ctx.after")
				}
				calls[j] = c
			}
			sc.Actors[i] = Actor{Calls: calls}
		}
		if len(sc.Deliveries) == 0 {
			sc.Deliveries = nil
		}
		order.draw(t, &sc)
		return sc
	})
}
