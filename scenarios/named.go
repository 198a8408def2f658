package scenarios

import (
	"syscall"
	"time"

	"github.com/reaptest/reaptest/faults"
)

// NamedScenario is a hand-written scenario for one situation from the fault
// model. The harness runs them all before it explores, and they are the
// starting points to edit when writing a scenario from a bug report.
type NamedScenario struct {
	Name string
	Doc  string
	Scenario
}

var (
	bg        = faults.Ctx{Kind: faults.Background}
	gone      = faults.Ctx{Kind: faults.Cancelled}
	short     = faults.Ctx{Kind: faults.Timeout, After: 10 * time.Millisecond}
	ms        = time.Millisecond
	delivered = faults.Delivery{Status: faults.StatusReal}
)

// Named returns the named scenarios, in a fixed order: the faults that
// break the most implementations first (a lost exit, a duplicate exit, an
// exit after Delete, an ignored signal), so a check finds the common bugs
// in its first few scenarios.
func Named() []NamedScenario {
	return []NamedScenario{
		{"lost-exit", "the exit never comes: waiters and deleters give up at their deadlines",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: ms}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: short}}}, {Calls: []Call{{Op: Delete, Ctx: short}}}}}},
		{"duplicate-exit", "the exit is delivered twice at once, the second time as 137",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: ms}, Deliveries: []faults.Delivery{delivered, {Status: 137}}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: bg}}}, {Calls: []Call{{Op: Delete, Delay: 5 * ms, Ctx: bg}}}}}},
		{"exit-after-delete", "a late duplicate exit arrives after the task was deleted, then a client waits",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 0}, Deliveries: []faults.Delivery{delivered, {After: 50 * ms, Status: 137}}},
				Actors: []Actor{{Calls: []Call{{Op: Delete, Ctx: bg}, {Op: Wait, Delay: 100 * ms, Ctx: bg}}}}}},
		{"kill-ignored", "the process ignores SIGTERM; a client kills with a deadline, waits briefly, then kills with SIGKILL",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}, Signal: faults.SignalPlan{IgnoreTerm: true}, Deliveries: []faults.Delivery{delivered}},
				Actors: []Actor{{Calls: []Call{{Op: Kill, Signal: syscall.SIGTERM, Ctx: short}, {Op: Wait, Ctx: short},
					{Op: Kill, Signal: syscall.SIGKILL, Ctx: bg}}}, {Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Delete, Ctx: bg}}}}}},
		{"exit-while-waiting", "two clients wait, the process exits, both delete",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 5 * ms, Status: 1}, Deliveries: []faults.Delivery{delivered}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Delete, Ctx: bg}}},
					{Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Delete, Ctx: bg}}}}}},
		{"exit-before-wait", "the exit is reaped before anyone waits; a client waits, then deletes",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 0}, Deliveries: []faults.Delivery{delivered}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Delay: ms, Ctx: bg}, {Op: Delete, Ctx: bg}}}}}},
		{"cancelled-callers", "every call comes with a context that is already cancelled",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: faults.Never}, Deliveries: []faults.Delivery{delivered}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: gone}, {Op: Delete, Ctx: gone}, {Op: Kill, Signal: syscall.SIGTERM, Ctx: gone}}}}}},
		{"kill-after-exit", "the process has exited and been reaped; a client kills it anyway",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 0}, Deliveries: []faults.Delivery{delivered}},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Kill, Signal: syscall.SIGTERM, Ctx: bg}, {Op: Delete, Ctx: bg}}}}}},
	}
}

// Lookup returns the named scenario called name.
func Lookup(name string) (NamedScenario, bool) {
	for _, n := range Named() {
		if n.Name == name {
			return n, true
		}
	}
	return NamedScenario{}, false
}

// FailNamed returns the named scenarios for an injected failure at the fail
// point called point (see harness.Env.Fail), in a fixed order. The harness
// runs them for every fail point the implementation passed in the other
// named scenarios. They are written for the removal a Delete makes, the
// operation that fails in moby#34945 and containerd #8981; at another
// point they still fail its first pass while clients wait and retry.
func FailNamed(point string) []NamedScenario {
	once := []faults.FailFault{{Name: point, Hit: 1}}
	return []NamedScenario{
		{"removal-fails-then-retried", "the exit is reaped; a client waits, deletes (the removal at " + point + " fails), deletes again and waits",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: 0}, Deliveries: []faults.Delivery{delivered}, Fails: once},
				Actors: []Actor{{Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Delete, Ctx: bg}, {Op: Delete, Delay: ms, Ctx: bg}, {Op: Wait, Ctx: bg}}}}}},
		{"removal-fails-while-waiting", "a client deletes before the exit; the removal at " + point + " fails while another waits, and clients wait again after",
			Scenario{Plan: faults.Plan{Exit: faults.ExitPlan{After: ms}, Deliveries: []faults.Delivery{delivered}, Fails: once},
				Actors: []Actor{{Calls: []Call{{Op: Delete, Ctx: bg}}},
					{Calls: []Call{{Op: Wait, Ctx: bg}, {Op: Wait, Delay: ms, Ctx: bg}}},
					{Calls: []Call{{Op: Wait, Delay: 5 * ms, Ctx: bg}}}}}},
	}
}
