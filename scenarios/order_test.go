package scenarios

import (
	"reflect"
	"testing"

	"github.com/reaptest/reaptest/faults"
)

// A schedule line's first= and go lines round-trip, and a scenario
// without them has the default order.
func TestParseOrder(t *testing.T) {
	text := "schedule procs=1 first=client2,reap2\n" +
		"process exit=1ms status=0 sigterm=exit:0\n" +
		"monitor reap after=0 status=real\n" +
		"monitor reap after=0 status=137\n" +
		"go \"task.go:42 go\" hit=2 first=child\n" +
		"go spawn hit=* first=child\n" +
		"client1: wait\n" +
		"client2: delete\n"
	sc, err := Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	wantFirst := []Lane{{N: 2}, {Reap: true, N: 2}}
	wantGo := []GoFirst{{Name: "task.go:42 go", Hit: 2}, {Name: "spawn", Hit: 0}}
	if !reflect.DeepEqual(sc.First, wantFirst) || !reflect.DeepEqual(sc.ChildFirst, wantGo) {
		t.Fatalf("Parse = first %v, go %v; want %v, %v", sc.First, sc.ChildFirst, wantFirst, wantGo)
	}
	roundTrip(t, sc)
	reaps, clients := sc.Ranks()
	// client2, reap2, then the default order of the rest: reap1, client1.
	if !(clients[1] < reaps[1] && reaps[1] < reaps[0] && reaps[0] < clients[0]) {
		t.Errorf("Ranks() = reaps %v, clients %v: want client2 < reap2 < reap1 < client1", reaps, clients)
	}
	// "go x" alone means every pass, child first.
	sc, err = Parse("go x\n")
	if err != nil || !reflect.DeepEqual(sc.ChildFirst, []GoFirst{{Name: "x"}}) {
		t.Errorf("Parse(go x) = %v, %v; want every pass of x child first", sc.ChildFirst, err)
	}
	sc, err = Parse("monitor reap after=0 status=real\nclient1: wait\nclient2: wait\n")
	if err != nil || sc.First != nil || sc.ChildFirst != nil {
		t.Fatalf("Parse without an order = first %v, go %v, %v; want the default (nil, nil)", sc.First, sc.ChildFirst, err)
	}
	reaps, clients = sc.Ranks()
	if !(reaps[0] < clients[0] && clients[0] < clients[1]) {
		t.Errorf("default Ranks() = reaps %v, clients %v: want reap1 < client1 < client2", reaps, clients)
	}
}

// Bad orders are errors with line and column.
func TestParseOrderErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"schedule first=client2\nclient1: wait\n", "scenario:1:16: first= names client2, but the scenario has 1 client(s)"},
		{"schedule first=reap1\nclient1: wait\n", "scenario:1:16: first= names reap1, but the scenario has 0 monitor reap line(s)"},
		{"schedule first=client1,client1\nclient1: wait\n", "scenario:1:24: first= names client1 twice"},
		{"schedule first=monitor1\n", `scenario:1:16: bad lane "monitor1" in first=: want reap<n> (the n-th monitor reap line) or client<n>, separated by commas`},
		{"schedule first=client0\n", `scenario:1:16: bad lane "client0" in first=: want reap<n> (the n-th monitor reap line) or client<n>, separated by commas`},
		{"go x first=parent\n", `scenario:1:12: bad first "parent": want child (the parent going on first is the default: leave the line out)`},
		{"go hit=1\n", "scenario:1:4: go needs a name first: want go <name> hit=<n>|* first=child"},
		{"go x hit=0\n", `scenario:1:10: bad hit "0": want * (every pass) or a pass number from 1 to 1000000`},
	} {
		_, err := Parse(tc.text)
		if err == nil || err.Error() != tc.want {
			t.Errorf("Parse(%q) error\n got: %v\nwant: %s", tc.text, err, tc.want)
		}
	}
}

// FirstFor gives the shortest first= for an order, nil for the default,
// and Ranks of the result give that order back.
func TestFirstFor(t *testing.T) {
	r := func(n int) Lane { return Lane{Reap: true, N: n} }
	c := func(n int) Lane { return Lane{N: n} }
	for _, tc := range []struct{ order, want []Lane }{
		{[]Lane{r(1), r(2), c(1), c(2)}, nil},
		{[]Lane{c(1), r(1), r(2), c(2)}, []Lane{c(1)}},
		{[]Lane{r(2), r(1), c(1), c(2)}, []Lane{r(2)}},
		{[]Lane{r(1), c(2), r(2), c(1)}, []Lane{r(1), c(2)}},
		{[]Lane{c(2), c(1), r(2), r(1)}, []Lane{c(2), c(1), r(2)}},
	} {
		got := FirstFor(tc.order)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("FirstFor(%v) = %v, want %v", tc.order, got, tc.want)
		}
		sc := Scenario{First: got}
		sc.Deliveries = make([]faults.Delivery, 2)
		sc.Actors = make([]Actor, 2)
		reaps, clients := sc.Ranks()
		rank := func(l Lane) int {
			if l.Reap {
				return reaps[l.N-1]
			}
			return clients[l.N-1]
		}
		for i := 1; i < len(tc.order); i++ {
			if rank(tc.order[i-1]) >= rank(tc.order[i]) {
				t.Errorf("first=%v ranks %v (%d) after %v (%d), want the order %v", got, tc.order[i-1], rank(tc.order[i-1]), tc.order[i], rank(tc.order[i]), tc.order)
			}
		}
	}
}

// WithoutLane drops a lane and renumbers those of its kind after it.
func TestWithoutLane(t *testing.T) {
	first := []Lane{{N: 3}, {Reap: true, N: 2}, {N: 1}, {N: 2}}
	got := WithoutLane(first, Lane{N: 2})
	want := []Lane{{N: 2}, {Reap: true, N: 2}, {N: 1}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("WithoutLane(%v, client2) = %v, want %v", first, got, want)
	}
}

// The drawn order is uniform: with two lanes, the second goes first in
// about half the scenarios; each learned pass of a go statement gets a
// fair coin; and only go statements get coins.
func TestGenOrderUniform(t *testing.T) {
	gen := Gen(Shape{MaxActors: 1, MaxCalls: 1, Points: []string{"task.go:7 go", "task.go:9 Lock"}, Hits: []int{2, 5}})
	const n = 4000
	var twoLanes, swapped, coins, heads int
	for i := range n {
		sc := gen.Example(i)
		if len(sc.Deliveries) == 1 {
			twoLanes++
			if len(sc.First) > 0 {
				swapped++
				if !reflect.DeepEqual(sc.First, []Lane{{N: 1}}) {
					t.Fatalf("example %d: first=%v, want client1 or nothing", i, sc.First)
				}
			}
		}
		coins += 2
		for _, g := range sc.ChildFirst {
			if g.Name != "task.go:7 go" || g.Hit < 1 || g.Hit > 2 {
				t.Fatalf("example %d: go line %v: want task.go:7 go at hit 1 or 2", i, g)
			}
			heads++
		}
	}
	p := float64(swapped) / float64(twoLanes)
	q := float64(heads) / float64(coins)
	t.Logf("client1 before reap1 in %d of %d two-lane scenarios (%.3f); child first at %d of %d passes (%.3f)", swapped, twoLanes, p, heads, coins, q)
	if twoLanes < n/10 || p < 0.45 || p > 0.55 {
		t.Errorf("client1 went first in %d of %d two-lane scenarios (%.3f): want about half", swapped, twoLanes, p)
	}
	if q < 0.45 || q > 0.55 {
		t.Errorf("child first at %d of %d passes (%.3f): want about half", heads, coins, q)
	}
}
