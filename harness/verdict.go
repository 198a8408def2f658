package harness

import (
	"fmt"
	"strings"

	"github.com/reaptest/reaptest/internal/notation"
)

// judge evaluates the contract and attaches the evidence.
func (r *run) judge(res *Result, leaked []*goroutine) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.last
	if r.judged {
		now = r.judgedAt
	}
	// What the harness found itself (a busy loop, a bubble that ended
	// badly) leads: it explains the stuck calls evaluate finds.
	vs := append(append([]*Violation(nil), r.extra...), evaluate(r.cfg, r.calls, Pid, now)...)
	if len(r.sc.Fails) > 0 {
		for _, v := range vs {
			if v.Clause == ClauseDeleteHonest && strings.HasPrefix(v.Call, "teardown ") {
				v.Want += " (injected failures had stopped: a Delete that failed must leave the task deletable)"
			}
		}
	}
	if r.setup {
		// The stall is the setup's doing: what evaluate makes of the
		// stuck calls is no verdict on the task.
		vs = nil
		for _, v := range r.extra {
			if v.Class == ClassSetup {
				vs = append(vs, v)
			}
		}
	}
	var dumped map[int64]bool // only when there is something to dump
	for _, g := range append(append([]*goroutine(nil), r.dump...), leaked...) {
		if dumped == nil {
			dumped = map[int64]bool{}
		}
		if g.raw != "" && !dumped[g.id] {
			dumped[g.id] = true
			res.Dump = append(res.Dump, g.raw...)
			res.Dump = append(res.Dump, '\n')
		}
	}
	// Evidence for stuck calls: their goroutines and the ones they started.
	for _, v := range vs {
		if v.Class != ClassHang || v.Evidence != "" {
			continue
		}
		var ev strings.Builder
		for _, g := range r.dump {
			if c := r.callOf(g); c != nil && strings.Contains(v.Call, c.name()) {
				ev.WriteString(g.format("  "))
			}
		}
		if ev.Len() == 0 {
			for _, g := range r.dump {
				ev.WriteString(g.format("  "))
			}
		}
		v.Evidence = ev.String()
	}
	for _, g := range r.dump {
		if c := r.byGoid[g.id]; c != nil && !c.returned {
			r.events = append(r.events, event{at: now, who: c.who, call: c, stuck: true, what: g.blockedAt()})
		}
	}
	if v := r.helperViolation(leaked); v != nil && !r.setup {
		// A process-wide helper the scenario started is left in its
		// bubble: no verdict on the task, which cannot be checked
		// scenario by scenario as it is; and no more scenarios in this
		// process, which would reach the helper and crash.
		vs, leaked = []*Violation{v}, nil
		r.setup = true
		r.events = append(r.events, event{at: now, who: "harness",
			what: "a helper started once per process is left in this scenario's bubble"})
	}
	if len(leaked) > 0 && !hasClass(vs, ClassHang) {
		var ev strings.Builder
		var where []string
		for _, g := range leaked {
			ev.WriteString(g.format("  "))
			where = append(where, g.blockedAt())
		}
		call := "the task"
		if c := r.callOf(leaked[0]); c != nil {
			call = c.name()
		}
		vs = append(vs, &Violation{Class: ClassLeak, Clause: ClauseNoLeak, Call: call,
			Got: fmt.Sprintf("%d goroutine(s) left after teardown: %s", len(leaked), strings.Join(where, "; ")),
			Want: fmt.Sprintf("none once the process exited, Delete succeeded and every call returned (after a %s wind-down)",
				notation.FormatDuration(r.cfg.windDown)),
			Evidence: ev.String()})
	}
	res.Violations = vs
}
