package harness_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/harness/autopoint"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
)

// Synthetic races of depth 1, 2 and 3 in PCT's sense (Burckhardt et al.,
// ASPLOS 2010), written as instrumented code, for BenchmarkFindRate.
//
// How d, t and s are counted. t = 2 goroutines are involved: A, the first
// Reap, and B, the goroutine A starts at a go statement. A step is a pass
// of an automatic point: A's go statement, then A's k−1 passes of
// "stepA", and B's k passes of "stepB" (each before an atomic add that
// stamps the step's position in one shared sequence), so s = 2k: k = 3,
// 25 and 100 give s = 6, 50 and 200, the steps the harness learns (the
// task's other calls pass no point). d is one more than the ordering
// constraints the bug needs beyond who runs first: A's steps are a1 (the
// go statement) .. ak, B's b1 .. bk; i = k/2 and j = k/2 (rounded down)
// are steps in the middle.
//
//	d=1 suited:   a2 before b1 (the default: the parent goes on first)
//	d=1 unsuited: b1 before a2
//	d=2 suited:   ai before b1 before ai+1 (A preempted at step i+1)
//	d=2 unsuited: bj before a2 before bj+1 (B first, preempted at j+1)
//	d=3 suited:   ai before b1, bj before ai+1 before bj+1 (A preempted
//	              at i+1, then B at j+1)
//	d=3 unsuited: bj before a2, ai before bj+1 before ai+1 (B first and
//	              preempted at j+1, then A at i+1)
//
// "Suited" is an order the default start order (the parent goes on
// until it blocks or yields) gives for the first constraint; "unsuited"
// needs the new goroutine first (a drawn start order, or a yield at a2).
// A goes on after its steps by waiting for B, then panics if the
// positions show the bug. Every scenario runs the race exactly once (the
// first Reap, or the teardown's for a lost exit), so a rate per scenario
// is a rate per run of PCT's.

// depthSites are the sites of this file, in id order: "line:col op".
var depthSites = []string{"87:2 go", "92:12 Add", "110:12 Add"}

var depthBase = autopoint.Register("github.com/reaptest/reaptest/harness_test", "depthrace_test.go", depthSites...)

// depthRace is one synthetic race (see above); its Wait and Delete are
// correct and pass no point.
type depthRace struct {
	d, k   int
	suited bool
	exited chan struct{} // closed once, by the first Reap, after the race
	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
	seq    atomic.Int64
	a, b   []int64 // a[n], b[n]: the position of step n+1; each written by its own goroutine
}

func newDepthRace(d, s int, suited bool) harness.NewTask {
	return func(harness.Env) harness.Task {
		return &depthRace{d: d, k: s / 2, suited: suited, exited: make(chan struct{})}
	}
}

func (t *depthRace) Reap(e harness.Exit) {
	t.mu.Lock()
	first := !t.reaped
	t.reaped = true
	t.mu.Unlock()
	if !first {
		return
	}
	t.a = make([]int64, t.k)
	t.b = make([]int64, t.k)
	done := make(chan struct{})
	// a1: the go statement.
	go autopoint.Go(depthBase+0, t.runB)(done)
	autopoint.Started(depthBase + 0)
	t.a[0] = t.seq.Add(1)
	for n := 1; n < t.k; n++ {
		autopoint.P(depthBase + 1)
		t.a[n] = t.seq.Add(1)
	}
	<-done
	t.mu.Lock()
	t.exit = e
	t.mu.Unlock()
	// Closed before the panic, so that the waiters return and a scenario
	// that finds the race ends as cheaply as one that does not (a waiter
	// left hanging costs the judging of a hang).
	close(t.exited)
	if t.bug() {
		panic(fmt.Sprintf("depth-%d race: A's steps at %v, B's at %v", t.d, t.a, t.b))
	}
}

func (t *depthRace) runB(done chan<- struct{}) {
	for n := range t.k {
		autopoint.P(depthBase + 2)
		t.b[n] = t.seq.Add(1)
	}
	close(done)
}

// bug reports whether the steps' positions show the race (see above);
// a and b are 0-based: a[n] is step n+1.
func (t *depthRace) bug() bool {
	a, b := t.a, t.b
	i, j := t.k/2, t.k/2 // steps i and i+1 are a[i-1] and a[i]
	switch {
	case t.d == 0:
		return false
	case t.d == 1 && t.suited:
		return a[1] < b[0]
	case t.d == 1:
		return b[0] < a[1]
	case t.d == 2 && t.suited:
		return a[i-1] < b[0] && b[0] < a[i]
	case t.d == 2:
		return b[j-1] < a[1] && a[1] < b[j]
	case t.d == 3 && t.suited:
		return a[i-1] < b[0] && b[j-1] < a[i] && a[i] < b[j]
	default:
		return b[j-1] < a[1] && a[i-1] < b[j] && b[j] < a[i]
	}
}

func (t *depthRace) await(ctx context.Context, op string) (harness.Exit, error) {
	return awaitExit(ctx, op, t.exited, &t.mu, &t.exit)
}

func (t *depthRace) Wait(ctx context.Context) (harness.Exit, error) { return t.await(ctx, "wait") }

func (t *depthRace) Delete(ctx context.Context) (harness.Exit, error) {
	return t.await(ctx, "delete")
}

// depthCell is one cell of the synthetic grid: depth d, about s steps,
// the order the default start order suits or not.
type depthCell struct {
	d, s   int
	suited bool
}

func (c depthCell) name() string {
	order := "unsuited"
	if c.suited {
		order = "suited"
	}
	return fmt.Sprintf("depth-%d-s%d-%s", c.d, c.s, order)
}

// depthCells is the grid: d 1..3, s 6, 50, 200, both orders.
func depthCells() []depthCell {
	var out []depthCell
	for _, d := range []int{1, 2, 3} {
		for _, s := range []int{6, 50, 200} {
			for _, suited := range []bool{true, false} {
				out = append(out, depthCell{d, s, suited})
			}
		}
	}
	return out
}

// foundDepthRace reports whether res is the synthetic race's panic.
func foundDepthRace(res *harness.Result) bool {
	p := res.Primary()
	return p != nil && p.Class == harness.ClassPanic && strings.Contains(p.Got, "race: A's steps")
}

// depthFindRate runs the generator's examples 0..n-1 of the cell c,
// drawn with the shape Check learns from the same code with no bug (a
// named scenario finds the suited depth-1 race before exploring, and
// then no shape is learned), and returns how many found the race and
// the steps learned.
func depthFindRate(tb testing.TB, c depthCell, n int) (found, steps int) {
	tb.Helper()
	newTask := newDepthRace(c.d, c.s, c.suited)
	ok := testrun.WithBubble(func(bubble harness.Bubble) {
		shape, f := harness.LearnShape(bubble, newDepthRace(0, c.s, false))
		if f != nil {
			tb.Errorf("the race with no bug failed before exploring: %s", f.Primary().Got)
			return
		}
		for _, h := range shape.Hits {
			steps += max(h, 1)
		}
		gen := scenarios.Gen(shape)
		for i := range n {
			if foundDepthRace(harness.RunQuick(bubble, newTask, gen.Example(i))) {
				found++
			}
		}
	})
	if !ok {
		tb.Fatal("the bubble's test failed")
	}
	return found, steps
}

// pctBound is PCT's bound 1/(t·s^(d−1)).
func pctBound(d, t, s int) float64 { return 1 / (float64(t) * math.Pow(float64(s), float64(d-1))) }

// The depth-2 race in the order the default does not suit (B first,
// preempted between its steps j and j+1, A's second step in between),
// over s = 6 steps, is found in at least PCT's bound 1/(t·s) = 1/12 of
// the generator's first 4000 examples. Measured: 12.5% with the draw of
// pointCounts (about eight standard errors over 8.3%); 5.9% with the
// draw before (zero to three faults, one in four at every hit, half over
// points, yields drawn fault by fault), which fails it by six. Under -race the scheduler
// puts a new goroutine at the back of the run queue at random, so the
// count varies from run to run; on one processor without it, it does
// not.
func TestDepthTwoUnsuitedAboveBound(t *testing.T) {
	c := depthCell{d: 2, s: 6}
	const n = 4000
	found, steps := depthFindRate(t, c, n)
	if steps != c.s {
		t.Fatalf("%s: learned %d steps, want %d (the sites of depthrace_test.go changed?)", c.name(), steps, c.s)
	}
	bound := pctBound(c.d, 2, steps)
	p := float64(found) / n
	t.Logf("%s: found in %d of %d scenarios (%.2f%%), PCT's bound %.2f%%", c.name(), found, n, 100*p, 100*bound)
	if p < bound {
		t.Errorf("%s: found in %d of %d scenarios (%.2f%%), below PCT's bound 1/(t·s^(d−1)) = %.2f%% for d=2, t=2, s=%d", c.name(), found, n, 100*p, 100*bound, steps)
	}
}

// TestDepthSitesAtTheirLines checks depthSites against this file.
func TestDepthSitesAtTheirLines(t *testing.T) {
	src, err := os.ReadFile("depthrace_test.go")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(src), "\n")
	for i, s := range depthSites {
		pos, op, _ := strings.Cut(s, " ")
		ls, cs, _ := strings.Cut(pos, ":")
		line, _ := strconv.Atoi(ls)
		col, _ := strconv.Atoi(cs)
		if line < 1 || line > len(lines) || col < 1 || col > len(lines[line-1]) || !strings.HasPrefix(lines[line-1][col-1:], op) && !strings.HasPrefix(lines[line-1][col-1:], "t.seq."+op) {
			t.Errorf("site %d %q: line %d column %d does not start with %s", i, s, line, col, op)
		}
	}
}
