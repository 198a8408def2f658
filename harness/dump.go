package harness

import (
	"fmt"
	"sort"
	"strings"
	"syscall"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// MaxDumpCalls is the most clients, and the most exit deliveries, that
// ScenarioFromDump makes from one dump; the rest is left out.
const MaxDumpCalls = 8

// ScenarioFromDump turns a goroutine dump of a hung process (the text a Go
// program prints on SIGQUIT, runtime.Stack with all=true, or a report's
// Result.Dump) into a starting scenario: every goroutine blocked inside
// typeName's Wait, Delete or Kill becomes a client making that call (the
// outermost of them: a Delete blocked in the task's own Wait is a Delete),
// and every one inside its Reap a delivery of the exit, up to MaxDumpCalls
// each. typeName is the implementation's type as stack traces print it,
// in part or whole: "Task", "(*Task)", "rt.(*Task)",
// "example.com/rt.(*Task)".
//
// The dump says what was running, not when: calls get background
// contexts and no delays, and the process exits at once. Explore around
// the result (ExploreAround) to find the timing that hangs. Calls that
// had already returned are not in the dump, and exploring around keeps
// each call's kind of context: a hang left behind by a caller that gave
// up (its ctx ended) is found only once that call is added to the
// scenario, with a ctx that ends.
func ScenarioFromDump(dump []byte, typeName string) (scenarios.Scenario, error) {
	sc, _, err := scenarioFromDump(dump, typeName)
	return sc, err
}

// dumpNote says what ScenarioFromDump left out of the scenario it makes
// from dump (calls past MaxDumpCalls), or "" if nothing.
func dumpNote(dump []byte, typeName string) string {
	_, note, _ := scenarioFromDump(dump, typeName)
	return note
}

func scenarioFromDump(dump []byte, typeName string) (scenarios.Scenario, string, error) {
	var sc scenarios.Scenario
	want := normalType(typeName)
	if want == "" {
		return sc, "", fmt.Errorf("scenario from dump: no type name given: want the implementation's type, e.g. \"(*Task)\"")
	}
	gs := parseDump(dump)
	if len(gs) == 0 {
		return sc, "", fmt.Errorf("scenario from dump: no goroutines found: want the text of a goroutine dump (\"goroutine 1 [running]:\" ...)")
	}
	reaps, calls := 0, 0
	for _, g := range gs {
		op, ok := methodOf(g, want)
		if !ok {
			continue
		}
		switch {
		case op == scenarios.Reap:
			reaps++
		case len(sc.Actors) == MaxDumpCalls:
			calls++
		case op == scenarios.Kill:
			calls++
			sc.Actors = append(sc.Actors, scenarios.Actor{Calls: []scenarios.Call{{Op: op, Signal: syscall.SIGTERM}}})
		default:
			calls++
			sc.Actors = append(sc.Actors, scenarios.Actor{Calls: []scenarios.Call{{Op: op}}})
		}
	}
	if reaps == 0 && len(sc.Actors) == 0 {
		return scenarios.Scenario{}, "", fmt.Errorf("scenario from dump: no goroutine of the %d in the dump is inside Reap, Wait, Delete or Kill of %q; types with such methods in it: %s",
			len(gs), typeName, strings.Join(methodTypes(gs), ", "))
	}
	sc.Exit = faults.ExitPlan{After: 0}
	for range min(max(reaps, 1), MaxDumpCalls) {
		sc.Deliveries = append(sc.Deliveries, faults.Delivery{Status: faults.StatusReal})
	}
	var note string
	if calls > MaxDumpCalls || reaps > MaxDumpCalls {
		note = fmt.Sprintf("the dump has %d calls and %d Reaps of %s: the scenario keeps the first %d of each (MaxDumpCalls)",
			calls, reaps, typeName, MaxDumpCalls)
	}
	return sc, note, nil
}

// normalType turns a type name as a person or a stack trace writes it
// ("(*Task)", "*Task", "rt.(*Task)", "example.com/rt.Task[...]") into the
// form receivers are compared in: "Task", "rt.Task", "example.com/rt.Task".
func normalType(name string) string {
	name = strings.TrimSpace(name)
	name = strings.NewReplacer("(*", "", "(", "", ")", "", "*", "").Replace(name)
	if i := strings.Index(name, "["); i >= 0 {
		name = name[:i]
	}
	return strings.TrimSuffix(name, ".")
}

// receiver splits a stack frame's function, e.g.
// "example.com/rt.(*Task).Wait.func1", into its receiver in normal form
// ("example.com/rt.Task") and method ("Wait"); ok is false for a function
// that is not a method.
func receiver(fn string) (recv, method string, ok bool) {
	dir := ""
	if i := strings.LastIndex(fn, "/"); i >= 0 {
		dir, fn = fn[:i+1], fn[i+1:]
	}
	// pkg.(*T).M..., pkg.T.M..., pkg.(*T[...]).M...: split on the dots
	// outside parentheses and brackets.
	var parts []string
	depth, start := 0, 0
	for i, r := range fn {
		switch r {
		case '(', '[':
			depth++
		case ')', ']':
			depth--
		case '.':
			if depth == 0 {
				parts = append(parts, fn[start:i])
				start = i + 1
			}
		}
	}
	parts = append(parts, fn[start:])
	if len(parts) < 3 {
		return "", "", false
	}
	return dir + parts[0] + "." + normalType(parts[1]), parts[2], true
}

// matchesType reports whether the receiver recv (normal form) is the type
// want (normal form, whole or a suffix from a package boundary).
func matchesType(recv, want string) bool {
	return recv == want || strings.HasSuffix(recv, "."+want) || strings.HasSuffix(recv, "/"+want)
}

// methodOf returns the call g is blocked in: the outermost frame that is
// a method Reap, Wait, Delete or Kill of the type want (normal form), or a
// closure inside one.
func methodOf(g *goroutine, want string) (scenarios.Op, bool) {
	// The outermost of the type's methods is the call a client made: a
	// Delete that waits through the task's own Wait is a Delete.
	for i := len(g.frames) - 1; i >= 0; i-- {
		f := g.frames[i]
		recv, method, ok := receiver(f.fn)
		if !ok || !matchesType(recv, want) {
			continue
		}
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
