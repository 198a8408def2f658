package harness

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/reaptest/reaptest/scenarios"
)

// evaluate judges one finished (or frozen) scenario from its recorded
// calls, and nothing else: a pure function, tested with hand-written
// histories. now is the virtual time the scenario was judged at; stuck
// calls have not returned by then; pid is the process's.
//
// It checks, in turn: panics (no-panic); the real-time bounds on every
// call (bounds.go); the results of the calls that returned, against the
// task model (model.go) by linearizability: some order of the calls that
// respects real time must explain every result (linearize.go); and last,
// calls stuck with no bound and nothing else to explain them (deadlock).
// A call already blamed by a panic or a bound is not judged again by the
// model, though what it did may still explain the others.
func evaluate(cfg *config, calls []*callRecord, pid int, now time.Duration) []*Violation {
	var vs []*Violation
	f := factsOf(calls)
	var blamed map[*callRecord]bool // made when first needed
	for _, c := range calls {
		var v *Violation
		switch {
		case c.panicked:
			v = &Violation{Class: ClassPanic, Clause: ClauseNoPanic, Call: c.name(),
				Got: fmt.Sprintf("panic: %v", c.panicValue), Want: "no panic", Evidence: c.panicStack}
		case c.goexit:
			v = &Violation{Class: ClassPanic, Clause: ClauseNoPanic, Call: c.name(),
				Got: "runtime.Goexit (the call never returned to its caller)", Want: "a return"}
		default:
			v = f.checkBound(cfg, c, now)
		}
		if v != nil {
			vs = append(vs, v)
			if blamed == nil {
				blamed = map[*callRecord]bool{}
			}
			blamed[c] = true
		}
	}
	m := taskModel{pid: pid, deleteNoExit: cfg.deleteNoExit, pidZero: cfg.pidZero, killESRCH: cfg.killESRCH}
	vs = append(vs, judgeResults(&m, calls, &f, blamed)...)

	// Stuck calls with no bound of their own: a hang only if nothing else
	// explains them.
	var stuck []string
	for _, c := range calls {
		if !c.returned && !c.panicked && !c.goexit && !hasViolation(vs, c.name()) {
			stuck = append(stuck, c.name())
		}
	}
	if len(stuck) > 0 {
		vs = append(vs, &Violation{Class: ClassHang, Clause: ClauseDeadlock, Call: strings.Join(stuck, ", "),
			Got: fmt.Sprintf("still blocked at %s", at(now)), Want: "every call returns once the task is torn down"})
	}
	return vs
}

// judgeResults checks the results of the calls that returned against the
// model. While no order explains them all, it blames the first result, in
// the order calls returned, that no order explains together with the
// results before it (the calls still in flight then count as pending:
// they may have taken effect, or not); reports it with a smallest set of
// earlier calls it conflicts with; and goes on without judging it.
func judgeResults(m *taskModel, calls []*callRecord, f *facts, blamed map[*callRecord]bool) []*Violation {
	h := newHistory(m, calls, func(c *callRecord) bool { return c.returned && !blamed[c] })
	var vs []*Violation
	for range h.calls {
		if h.linearizable() {
			break
		}
		b, before := h.firstUnexplained()
		if b < 0 {
			break // cannot happen: the whole history has no order
		}
		conflict := h.conflict(b, before)
		vs = append(vs, h.violation(b, conflict, f))
		h.calls[b].judged = false
	}
	return vs
}

// judgedByEnd returns the judged calls in the order they returned.
func (h *history) judgedByEnd() []int {
	var out []int
	for i, hc := range h.calls {
		if hc.judged {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b int) int { return cmp.Compare(h.calls[a].end, h.calls[b].end) })
	return out
}

// firstUnexplained returns the first judged call, in the order calls
// returned, whose result no order explains together with the results
// returned before it, and those earlier judged calls; -1 if there is none.
func (h *history) firstUnexplained() (int, []int) {
	order := h.judgedByEnd()
	defer h.judgeAll()
	for k, b := range order {
		h.judgeOnly(order[:k+1])
		if !h.linearizable() {
			return b, order[:k]
		}
	}
	return -1, nil
}

// judgeOnly makes the calls of set the judged ones; the others that
// returned with a result the judge has not ruled out may be placed with
// it, or left out.
func (h *history) judgeOnly(set []int) {
	for i := range h.calls {
		if h.calls[i].judged || h.calls[i].mayPlace {
			h.calls[i].judged, h.calls[i].mayPlace = false, true
		}
	}
	for _, i := range set {
		h.calls[i].judged, h.calls[i].mayPlace = true, false
	}
}

// judgeAll makes every call that judgeOnly made optional judged again.
func (h *history) judgeAll() {
	for i := range h.calls {
		if h.calls[i].mayPlace {
			h.calls[i].judged, h.calls[i].mayPlace = true, false
		}
	}
}

// conflict returns b with a smallest set of the judged calls of before,
// Reaps aside, that b's result conflicts with: with every Reap and
// pending call beside them, no order explains them, and each is needed
// for that. It tries leaving out the calls that returned first, first.
func (h *history) conflict(b int, before []int) []int {
	defer h.judgeAll()
	var keep, reaps []int
	for _, i := range before {
		if h.calls[i].c.op == scenarios.Reap {
			reaps = append(reaps, i)
		} else {
			keep = append(keep, i)
		}
	}
	for i := 0; i < len(keep); {
		without := append(append(append([]int{b}, reaps...), keep[:i]...), keep[i+1:]...)
		h.judgeOnly(without)
		if !h.linearizable() {
			keep = append(keep[:i], keep[i+1:]...)
			continue
		}
		i++
	}
	return append(keep, b)
}

// maxOrders is how many orders a violation's evidence spells out.
const maxOrders = 6

// violation reports call b of h, which the calls of conflict (b among
// them) show wrong: the clause its result breaks, what was expected, and
// as evidence the calls in conflict and why each order of them fails.
func (h *history) violation(b int, conflict []int, f *facts) *Violation {
	c := h.calls[b].c
	v := &Violation{Class: ClassContract, Call: c.name(), Got: c.result() + " at " + at(c.end)}
	reapBegan := f.firstReapStart < c.endSeq
	reaped := func() string {
		if r := f.firstReap; r != nil {
			return fmt.Sprintf("%s returned at %s", r.name(), at(r.end))
		}
		return "a Reap had begun"
	}
	switch c.op {
	case scenarios.Wait:
		switch {
		case c.err != nil && !reapBegan:
			v.Clause = ClauseWaitWaits
			v.Want = fmt.Sprintf("a wait for the exit: an error only once its ctx (%s) is done or a Delete has succeeded, and no Reap had begun", c.ctx)
		case c.err != nil:
			v.Clause = ClauseWaitSeesExit
			v.Want = fmt.Sprintf("the exit, nil: %s and the Wait's ctx (%s) was not done", reaped(), c.ctx)
		case !reapBegan:
			v.Clause, v.Want = ClauseWaitSeesExit, "no exit before any Reap began"
		default:
			v.Clause, v.Want = ClauseOneExit, h.exitWant(c, conflict, f)
		}
	case scenarios.Delete:
		switch {
		case c.err != nil:
			v.Clause, v.Got = ClauseDeleteHonest, c.result()
			v.Want = fmt.Sprintf("success: the exit was reaped (%s) and no Delete had succeeded before this teardown Delete", reaped())
		case !reapBegan:
			v.Clause = ClauseDeleteHonest
			v.Want = "an error, or a wait for the exit: no Reap had begun, the process had not exited"
		default:
			v.Clause, v.Want = ClauseOneExit, h.exitWant(c, conflict, f)
		}
	case scenarios.Kill:
		if r := f.firstReap; h.m.killESRCH && r != nil && r.endSeq < c.startSeq {
			v.Clause, v.Got = ClauseKillBounded, c.result()
			v.Want = "an error wrapping ESRCH: the exit was reaped before Kill began (KillAfterExitFails)"
		} else {
			v.Clause = ClauseKillDelivers
			v.Got = "nil without a signal at " + at(c.end)
			if len(c.signalled) > 0 {
				v.Got = fmt.Sprintf("nil, having sent only signal(s) %v at %s", signalNumbers(c.signalled), at(c.end))
			}
			v.Want = fmt.Sprintf("signal %d sent to the process through Process.Signal before Kill returned nil: no Reap had begun", int(c.signal))
		}
	}
	v.Evidence = h.explain(b, conflict)
	return v
}

// exitWant says which exit a success that reported the wrong one should
// have reported.
func (h *history) exitWant(c *callRecord, conflict []int, f *facts) string {
	e := c.exit
	if h.m.pidZero && e.Pid == 0 {
		e.Pid = h.m.pid
	}
	if e.Pid != h.m.pid && (c.op != scenarios.Delete || !h.m.deleteNoExit || c.exit != (Exit{})) {
		want := fmt.Sprintf("an exit of pid %d", h.m.pid)
		if h.m.pidZero {
			want += " or 0 (ExitPidMayBeZero)"
		}
		return want
	}
	if r := f.firstReap; r != nil && !slices.ContainsFunc(h.calls, func(o histCall) bool {
		return o.c.op == scenarios.Reap && o.c != r && o.start < r.endSeq
	}) {
		return fmt.Sprintf("%s: %s returned it at %s before any other Reap began", formatExit(r.reapExit), r.name(), at(r.end))
	}
	for _, i := range conflict {
		if o := h.calls[i].c; o != c && o.ok() && o.op != scenarios.Kill && o.exit != c.exit {
			return fmt.Sprintf("%s, as %s reported", formatExit(o.exit), o.name())
		}
	}
	return "the exit the first Reap to take effect delivered, whichever order the overlapping Reaps go in"
}

// explain is a violation's evidence: the calls in conflict, the Reaps
// that may come before them, and why each order of them fails.
func (h *history) explain(b int, conflict []int) string {
	last := h.calls[b].end
	set := append([]int(nil), conflict...)
	for i, hc := range h.calls {
		if hc.c.op == scenarios.Reap && hc.judged && hc.start < last {
			set = append(set, i)
		}
	}
	slices.SortFunc(set, func(a, b int) int { return int(h.calls[a].start - h.calls[b].start) })
	var w strings.Builder
	w.WriteString("no order of these calls explains their results (a call that returned before another began comes first; overlapping calls go either way):\n")
	width, span := 0, 0
	interval := func(c *callRecord) string { return at(c.start) + ".." + at(c.end) }
	for _, i := range set {
		width = max(width, len(h.calls[i].c.name()))
		span = max(span, len(interval(h.calls[i].c)))
	}
	for _, i := range set {
		c := h.calls[i].c
		what := c.result()
		if c.op == scenarios.Reap {
			what = "delivered " + formatExit(c.reapExit)
		}
		fmt.Fprintf(&w, "  %-*s  %-*s  %s\n", width, c.name(), span, interval(c), what)
	}
	orders, total := h.orders(set, maxOrders)
	w.WriteString("each order, and where the model of a task stops it:\n")
	for _, o := range orders {
		fmt.Fprintf(&w, "  %s\n", h.explainOrder(set, o))
	}
	if total > len(orders) {
		fmt.Fprintf(&w, "  ... and %d more orders\n", total-len(orders))
	}
	for _, hc := range h.calls {
		if c := h.calls[b].c; c.op == scenarios.Wait && c.err != nil && hc.c.op == scenarios.Delete && hc.c.ok() && hc.start > c.endSeq {
			fmt.Fprintf(&w, "  (%s succeeded, but began at %s, after %s returned at %s: it cannot come first)\n",
				hc.c.name(), at(hc.c.start), c.name(), at(c.end))
		}
	}
	return w.String()
}
