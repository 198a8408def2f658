package scenarios

import (
	"fmt"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// drawShape draws a Shape: Kill or not, a subset of four point names (one
// a go statement), and limits from 0 (the default) to 5.
func drawShape(t *rapid.T) Shape {
	var points []string
	for _, name := range []string{"wait.locked", "reap.close", "delete.unlock", "task.go:42 go"} {
		if rapid.Bool().Draw(t, "point."+name) {
			points = append(points, name)
		}
	}
	return Shape{
		Kill:      rapid.Bool().Draw(t, "kill"),
		Points:    points,
		MaxActors: rapid.IntRange(0, 5).Draw(t, "maxActors"),
		MaxCalls:  rapid.IntRange(0, 5).Draw(t, "maxCalls"),
	}
}

// checkShape reports every way sc breaks shape.
func checkShape(t *rapid.T, shape Shape, sc Scenario) {
	maxActors, maxCalls := shape.MaxActors, shape.MaxCalls
	if maxActors <= 0 {
		maxActors = 4
	}
	if maxCalls <= 0 {
		maxCalls = 3
	}
	if n := len(sc.Actors); n < 1 || n > maxActors {
		t.Errorf("%d actors, want 1..%d", n, maxActors)
	}
	for i, a := range sc.Actors {
		if n := len(a.Calls); n < 1 || n > maxCalls {
			t.Errorf("%s: %d calls, want 1..%d", ActorName(i), n, maxCalls)
		}
		for j, c := range a.Calls {
			where := fmt.Sprintf("%s call %d (%s)", ActorName(i), j+1, c)
			switch c.Op {
			case Wait, Delete:
				if c.Signal != 0 {
					t.Errorf("%s: a %s with signal %d", where, c.Op, int(c.Signal))
				}
			case Kill:
				if !shape.Kill {
					t.Errorf("%s: Kill in a shape without Kill", where)
				}
				if c.Signal != syscall.SIGTERM && c.Signal != syscall.SIGKILL {
					t.Errorf("%s: Kill with signal %d, want SIGTERM or SIGKILL", where, int(c.Signal))
				}
			default:
				t.Errorf("%s: op %s, want Wait, Delete or Kill", where, c.Op)
			}
			if c.Delay < 0 {
				t.Errorf("%s: negative delay", where)
			}
			switch c.Ctx.Kind {
			case faults.Timeout, faults.CancelAfter:
				if c.Ctx.After <= 0 {
					t.Errorf("%s: ctx %s ends at %v, want > 0", where, c.Ctx, c.Ctx.After)
				}
			case faults.Background, faults.Cancelled:
				if c.Ctx.After != 0 {
					t.Errorf("%s: ctx %s with After %v, want 0", where, c.Ctx, c.Ctx.After)
				}
			default:
				t.Errorf("%s: ctx kind %d", where, c.Ctx.Kind)
			}
		}
	}
	if len(sc.Points) > 0 && len(shape.Points) == 0 {
		t.Errorf("%d point faults in a shape without points", len(sc.Points))
	}
	for _, f := range sc.Points {
		if !slices.Contains(shape.Points, f.Name) {
			t.Errorf("point fault at %q, not one of %q", f.Name, shape.Points)
		}
		if f.Hit < 0 || f.Yields <= 0 {
			t.Errorf("point fault %+v: want Hit >= 0 and Yields > 0", f)
		}
	}
	if n := len(sc.Deliveries); n > 5 {
		t.Errorf("%d deliveries, want 0..5", n)
	}
	if len(sc.Deliveries) > 0 && sc.Deliveries[0].Status != faults.StatusReal {
		t.Errorf("first delivery has status %d, want StatusReal", sc.Deliveries[0].Status)
	}
	for _, d := range sc.Deliveries {
		if d.After < 0 {
			t.Errorf("delivery %+v with negative delay", d)
		}
	}
	if sc.Exit.After < 0 && sc.Exit.After != faults.Never {
		t.Errorf("exit after %v, want >= 0 or Never", sc.Exit.After)
	}
}

// Every generated scenario respects its Shape.
func TestGenRespectsShape(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		shape := drawShape(t)
		sc := Gen(shape).Draw(t, "sc")
		checkShape(t, shape, sc)
	})
}

// The zero Shape means 4 actors, 3 calls, no Kill and no point faults.
func TestGenZeroShape(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sc := Gen(Shape{}).Draw(t, "sc")
		checkShape(t, Shape{}, sc)
	})
}

// String is deterministic, names every actor on its own line, and Size
// counts deliveries, point faults and calls.
func TestScenarioString(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sc := Gen(drawShape(t)).Draw(t, "sc")
		s := sc.String()
		if again := sc.String(); again != s {
			t.Fatalf("String() differs between calls:\n%s\n---\n%s", s, again)
		}
		if !strings.HasSuffix(s, "\n") {
			t.Errorf("String() = %q, want a final newline", s)
		}
		body := s
		if len(sc.First) > 0 { // the schedule line comes first
			_, body, _ = strings.Cut(s, "\n")
		}
		if !strings.HasPrefix(body, sc.Plan.String()) {
			t.Errorf("String() = %q, want it to begin with the plan %q (after a schedule line for first=)", s, sc.Plan.String())
		}
		lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
		for i, a := range sc.Actors {
			prefix := ActorName(i) + ":"
			var line string
			for _, l := range lines {
				if strings.HasPrefix(l, prefix) {
					line = l
				}
			}
			if line == "" {
				t.Errorf("String() has no line for %s:\n%s", ActorName(i), s)
				continue
			}
			if got := strings.Count(line, ";") + 1; got != len(a.Calls) {
				t.Errorf("%s line %q has %d calls, want %d", ActorName(i), line, got, len(a.Calls))
			}
		}
	})
}

// The same draws give the same scenario: replay sees what the run saw.
func TestGenReplays(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		shape := drawShape(t)
		seed := rapid.Uint64().Draw(t, "seed")
		a := Gen(shape).Example(int(seed % 1000))
		b := Gen(shape).Example(int(seed % 1000))
		if a.String() != b.String() {
			t.Fatalf("two draws from one seed differ:\n%s\n---\n%s", a, b)
		}
	})
}

// Named scenarios have unique, Lookup-able names, a doc, and a text form
// with at least one line per actor.
func TestNamed(t *testing.T) {
	named := Named()
	if len(named) == 0 {
		t.Fatal("no named scenarios")
	}
	seen := map[string]bool{}
	for _, n := range named {
		if n.Name == "" || seen[n.Name] {
			t.Errorf("name %q is empty or repeated", n.Name)
		}
		seen[n.Name] = true
		if n.Doc == "" {
			t.Errorf("%s: no doc", n.Name)
		}
		got, ok := Lookup(n.Name)
		if !ok || got.Name != n.Name || got.String() != n.String() {
			t.Errorf("Lookup(%q) = %q, %v; want the scenario itself", n.Name, got.Name, ok)
		}
		s := n.String()
		if strings.TrimSpace(s) == "" {
			t.Errorf("%s: empty String()", n.Name)
		}
		if len(n.Actors) == 0 {
			t.Errorf("%s: no actors", n.Name)
		}
		for i := range n.Actors {
			if !strings.Contains(s, ActorName(i)+":") {
				t.Errorf("%s: String() has no line for %s:\n%s", n.Name, ActorName(i), s)
			}
		}
		// A named scenario is a scenario Gen could draw with Kill and
		// enough actors and calls.
		for _, a := range n.Actors {
			for _, c := range a.Calls {
				if c.Op == Kill && c.Signal != syscall.SIGTERM && c.Signal != syscall.SIGKILL {
					t.Errorf("%s: %s without SIGTERM or SIGKILL", n.Name, c)
				}
			}
		}
		if len(n.Deliveries) > 0 && n.Deliveries[0].Status != faults.StatusReal {
			t.Errorf("%s: first delivery status %d, want StatusReal", n.Name, n.Deliveries[0].Status)
		}
	}
	if _, ok := Lookup("no-such-scenario"); ok {
		t.Error(`Lookup("no-such-scenario") = true, want false`)
	}
}

// Named returns fresh values: editing one does not change the next call's.
func TestNamedFresh(t *testing.T) {
	i := 0 // the first with deliveries and clients
	for a := Named(); len(a[i].Deliveries) == 0 || len(a[i].Actors) == 0; i++ {
	}
	a := Named()
	a[i].Actors[0].Calls[0].Op = Kill
	a[i].Deliveries[0].Status = 99
	b := Named()
	if b[i].Actors[0].Calls[0].Op == Kill || b[i].Deliveries[0].Status == 99 {
		t.Errorf("editing Named()[%d] changed the next Named(): %s", i, b[i].String())
	}
}

// Op.String gives the method name, and Op(n) for others.
func TestOpString(t *testing.T) {
	for op, want := range map[Op]string{Wait: "Wait", Delete: "Delete", Kill: "Kill", Reap: "Reap", Op(9): "Op(9)"} {
		if got := op.String(); got != want {
			t.Errorf("Op(%d).String() = %q, want %q", uint8(op), got, want)
		}
	}
}

// Call.String and ActorName in scenario notation.
func TestCallString(t *testing.T) {
	tests := []struct {
		call Call
		want string
	}{
		// A delay and a timeout.
		{Call{Op: Wait, Delay: time.Millisecond, Ctx: faults.Ctx{Kind: faults.Timeout, After: 10 * time.Millisecond}},
			"wait after=1ms ctx=timeout:10ms"},
		// Kill names its signal; no delay is shown.
		{Call{Op: Kill, Signal: syscall.SIGTERM}, "kill sig=15 ctx=background"},
		// A cancelled ctx.
		{Call{Op: Delete, Ctx: faults.Ctx{Kind: faults.Cancelled}}, "delete ctx=cancelled"},
	}
	for _, tt := range tests {
		if got := tt.call.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
	if got := ActorName(0); got != "client1" {
		t.Errorf("ActorName(0) = %q, want client1", got)
	}
}
