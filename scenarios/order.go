package scenarios

import (
	"fmt"
	"strconv"

	"github.com/reaptest/reaptest/internal/notation"
)

// Start orders. Where a scenario's goroutines could go on in either order
// the harness runs them in a default order; a scenario may say another,
// so that exploring draws orders as PCT draws priorities (Burckhardt et
// al., ASPLOS 2010) and a replay runs the order it was found with. Two
// choices are the scenario's:
//
//   - the order of the deliveries and the clients' calls due at one
//     virtual instant ([Scenario.First]);
//   - at a go statement of instrumented code, whether the new goroutine
//     runs before its parent goes on ([Scenario.ChildFirst]).
//
// A scenario that says neither runs the default order: at an instant the
// deliveries in plan order, then client1, client2, ...; at a go statement
// the parent goes on (Go's own order on one processor: the new goroutine
// runs once the parent blocks).

// Lane is one of a scenario's goroutines whose start the harness orders:
// a delivery of the exit (Reap, N counts the monitor reap lines from 1) or
// a client (N counts clients from 1).
type Lane struct {
	Reap bool
	N    int
}

// String returns "reapN" or "clientN".
func (l Lane) String() string {
	if l.Reap {
		return "reap" + strconv.Itoa(l.N)
	}
	return ActorName(l.N - 1)
}

// GoFirst is one pass of a go statement at which the new goroutine runs
// first: its parent waits until the new goroutine reaches its first
// synchronization operation (or, failing that, until every goroutine of
// the scenario is blocked).
type GoFirst struct {
	// Name is the go statement's site, as reports name it ("task.go:42 go").
	Name string
	// Hit is the pass, from 1; 0 is every pass.
	Hit int
}

// String returns the line's words after "go": `<name> hit=<n>|* first=child`.
func (g GoFirst) String() string {
	hit := "*"
	if g.Hit > 0 {
		hit = strconv.Itoa(g.Hit)
	}
	return fmt.Sprintf("%s hit=%s first=child", notation.PointName(g.Name), hit)
}

// DefaultLanes returns the lanes of a scenario with deliveries deliveries
// and clients clients in the default order: the deliveries in plan order,
// then the clients in order.
func DefaultLanes(deliveries, clients int) []Lane {
	out := make([]Lane, 0, deliveries+clients)
	for i := range deliveries {
		out = append(out, Lane{Reap: true, N: i + 1})
	}
	for i := range clients {
		out = append(out, Lane{N: i + 1})
	}
	return out
}

// Ranks returns, for the scenario's order, the rank of every lane: lower
// goes first at a shared instant. Deliveries are indexed 0..n-1 in
// reaps, clients in clients. Lanes in First rank before all others, in
// First's order; the others keep the default order.
func (s Scenario) Ranks() (reaps, clients []int) {
	reaps = make([]int, len(s.Deliveries))
	clients = make([]int, len(s.Actors))
	for i := range reaps {
		reaps[i] = i
	}
	for i := range clients {
		clients[i] = len(reaps) + i
	}
	for j, l := range s.First {
		rank := j - len(s.First) // negative: before every default rank
		switch {
		case l.Reap && l.N >= 1 && l.N <= len(reaps):
			reaps[l.N-1] = rank
		case !l.Reap && l.N >= 1 && l.N <= len(clients):
			clients[l.N-1] = rank
		}
	}
	return reaps, clients
}

// FirstFor returns the shortest First that gives the lanes of a scenario
// the total order order (a permutation of DefaultLanes): the lanes up to
// where the rest of order is the default order of the lanes left. The
// default order gives nil.
func FirstFor(order []Lane) []Lane {
	for k := 0; k <= len(order); k++ {
		rest := order[k:]
		if defaultOrdered(rest) {
			if k == 0 {
				return nil
			}
			return append([]Lane(nil), order[:k]...)
		}
	}
	return nil
}

// defaultOrdered reports whether lanes are in the default order.
func defaultOrdered(lanes []Lane) bool {
	for i := 1; i < len(lanes); i++ {
		a, b := lanes[i-1], lanes[i]
		switch {
		case a.Reap && !b.Reap:
		case a.Reap == b.Reap && a.N < b.N:
		default:
			return false
		}
	}
	return true
}

// WithoutLane returns first without lane l, the lanes of its kind after it
// renumbered, for a scenario that drops that delivery or client.
func WithoutLane(first []Lane, l Lane) []Lane {
	var out []Lane
	for _, f := range first {
		switch {
		case f == l:
			continue
		case f.Reap == l.Reap && f.N > l.N:
			f.N--
		}
		out = append(out, f)
	}
	return out
}
