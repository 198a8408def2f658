package harness

import (
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// ScenarioFromDump turns a goroutine dump of a hung process (the text a Go
// program prints on SIGQUIT, runtime.Stack with all=true, or a report's
// Result.Dump) into a starting scenario: every goroutine blocked inside
// typeName's Wait, Delete or Kill becomes a client making that call, and
// every one inside its Reap a delivery of the exit. typeName is the
// implementation's type as stack traces print it, in part or whole:
// "Task", "(*Task)", "example.com/rt.(*Task)".
//
// The dump says what was running, not when: calls get background
// contexts and no delays, and the process exits at once. Explore around
// the result (ExploreAround) to find the timing that hangs.
func ScenarioFromDump(dump []byte, typeName string) (scenarios.Scenario, error) {
	var sc scenarios.Scenario
	if strings.TrimSpace(typeName) == "" {
		return sc, fmt.Errorf("scenario from dump: no type name given: want the implementation's type, e.g. \"(*Task)\"")
	}
	gs := parseDump(dump)
	if len(gs) == 0 {
		return sc, fmt.Errorf("scenario from dump: no goroutines found: want the text of a goroutine dump (\"goroutine 1 [running]:\" ...)")
	}
	reaps := 0
	seen := map[string]int{} // methods of the type found, for the error
	for _, g := range gs {
		op, ok := methodOf(g, typeName)
		if !ok {
			continue
		}
		seen[op.String()]++
		switch op {
		case scenarios.Reap:
			reaps++
		case scenarios.Kill:
			sc.Actors = append(sc.Actors, scenarios.Actor{Calls: []scenarios.Call{{Op: op, Signal: syscall.SIGTERM}}})
		default:
			sc.Actors = append(sc.Actors, scenarios.Actor{Calls: []scenarios.Call{{Op: op}}})
		}
	}
	if reaps == 0 && len(sc.Actors) == 0 {
		return scenarios.Scenario{}, fmt.Errorf("scenario from dump: no goroutine of the %d in the dump is inside Reap, Wait, Delete or Kill of %q; types with such methods in it: %s",
			len(gs), typeName, strings.Join(methodTypes(gs), ", "))
	}
	sc.Exit = faults.ExitPlan{After: 0}
	for range max(reaps, 1) {
		sc.Deliveries = append(sc.Deliveries, faults.Delivery{Status: faults.StatusReal})
	}
	return sc, nil
}

// methodOf returns the call g is blocked in: the innermost frame that is a
// method Reap, Wait, Delete or Kill of typeName (or a closure inside one).
func methodOf(g *goroutine, typeName string) (scenarios.Op, bool) {
	for _, f := range g.frames {
		if !strings.Contains(f.fn, typeName) {
			continue
		}
		_, rest, ok := strings.Cut(f.fn[strings.Index(f.fn, typeName):], ".")
		if !ok {
			continue
		}
		method, _, _ := strings.Cut(rest, ".")
		for _, op := range []scenarios.Op{scenarios.Reap, scenarios.Wait, scenarios.Delete, scenarios.Kill} {
			if method == op.String() {
				return op, true
			}
		}
	}
	return 0, false
}

// methodTypes lists the receivers of Reap, Wait, Delete and Kill frames in
// gs, to help a user who gave the wrong type name.
func methodTypes(gs []*goroutine) []string {
	set := map[string]bool{}
	for _, g := range gs {
		for _, f := range g.frames {
			for _, m := range []string{".Reap", ".Wait", ".Delete", ".Kill"} {
				if i := strings.LastIndex(f.fn, m); i > 0 && (i+len(m) == len(f.fn) || f.fn[i+len(m)] == '.') {
					set[shortFunc(f.fn[:i])] = true
				}
			}
		}
	}
	var out []string
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
