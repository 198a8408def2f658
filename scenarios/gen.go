package scenarios

import (
	"math/bits"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	"pgregory.net/rapid"

	"github.com/reaptest/reaptest/faults"
)

// Shape bounds what Gen draws.
type Shape struct {
	// Kill adds Kill calls (for tasks that implement harness.Killer).
	Kill bool
	// Points are the fault point names the implementation is known to pass;
	// faults are drawn at them.
	Points []string
	// Hits, if not nil, says how many times each of Points (same index)
	// was hit in one scenario at most, as the harness learned it: a fault
	// then picks its point uniformly over every hit of every point three
	// times in four and over the points the fourth, and its hit uniformly
	// over the point's hits (README, "How schedules are drawn"). Without
	// it faults are drawn at hits 1, 2, 3 and every.
	Hits []int
	// Fails are the fail point names the implementation is known to pass;
	// failures are injected at them.
	Fails []string
	// MaxActors is the most concurrent clients (default 4).
	MaxActors int
	// MaxCalls is the most calls per client (default 3).
	MaxCalls int
	// SleepAt, if not nil, says at which of Points a fault may sleep
	// virtual time instead of yielding (see sleepDraw): where a sleep
	// cannot freeze the clock. MaxSleep bounds the sleeps drawn (none
	// when 0). A shape's JSON leaves SleepAt out (a func): read back
	// alone, it draws no sleeps; whoever hands a shape on as JSON carries
	// the points SleepAt allows beside it (the fuzz target's child does).
	SleepAt  func(point string) bool `json:"-"`
	MaxSleep time.Duration
}

// The value sets draws pick from, simplest first: rapid shrinks toward the
// first element.
var (
	callDelays    = []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond}
	ctxAfters     = []time.Duration{10 * time.Second, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 100 * time.Millisecond}
	ctxKinds      = []faults.CtxKind{faults.Background, faults.Timeout, faults.CancelAfter, faults.Cancelled}
	exitAfters    = []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, faults.Never}
	exitStatuses  = []int{0, 1, 2, 137, 255}
	signalAfters  = []time.Duration{0, time.Millisecond, 10 * time.Millisecond}
	deliveryAfter = []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 200 * time.Millisecond}
	deliveryStat  = []int{faults.StatusReal, 137, 143}
	pointHits     = []int{1, 2, 3, 0}
	// deliveryCounts is what a uniform draw of the number of deliveries
	// picks from: once 5/16, twice 4/16, three times 3/16, lost 2/16,
	// four and five times 1/16 each (the contract allows any number; a
	// bug at the fourth delivery is drawn in one scenario in eight).
	deliveryCounts = []int{1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 0, 0, 4, 5}
	pointYields    = []int{16, 1, 4, 64} // shrinks toward 16: a wide window replays reliably
	// pointCounts is what a uniform draw of the number of faults at
	// points picks from: none 1/8, one 1/8, two 1/8, three 1/4, four 3/8
	// (see pointDraw: PCT's depth-2 and depth-3 races need one and two
	// change points, and more faults find them more often than fewer,
	// although a fault that lands elsewhere can undo them).
	pointCounts = []int{0, 1, 2, 3, 3, 4, 4, 4}
	killSignals = []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL}
	failHits    = []int{1, 2, 0} // the first pass fails, the second, every pass until teardown
)

// Gen returns a generator of scenarios of the given shape. Every choice is a
// draw, made before the scenario runs, so rapid can shrink and replay it.
// The generators behind the draws are built here, once, not on every draw.
// It is rapid's own generator, on purpose (see the package doc): it
// composes with rapid.Check, rapid.Map and rapid.MakeFuzz, as the suites
// package's fuzz target does.
func Gen(s Shape) *rapid.Generator[Scenario] {
	if s.MaxActors <= 0 {
		s.MaxActors = 4
	}
	if s.MaxCalls <= 0 {
		s.MaxCalls = 3
	}
	ops := []Op{Wait, Delete}
	if s.Kill {
		ops = append(ops, Kill)
	}
	var (
		exitAfter    = rapid.SampledFrom(exitAfters)
		exitStatus   = rapid.SampledFrom(exitStatuses)
		signalIgnore = rapid.Bool()
		signalAfter  = rapid.SampledFrom(signalAfters)
		deliveries   = pick(deliveryCounts)
		delivAfter   = rapid.SampledFrom(deliveryAfter)
		delivStatus  = rapid.SampledFrom(deliveryStat)
		points       = newPointDraw(s)
		fails        = newFailDraw(s.Fails)
		actors       = rapid.IntRange(1, s.MaxActors)
		calls        = rapid.IntRange(1, s.MaxCalls)
		op           = rapid.SampledFrom(ops)
		delay        = rapid.SampledFrom(callDelays)
		ctx          = rapid.SampledFrom(ctxKinds)
		ctxAfter     = rapid.SampledFrom(ctxAfters)
		signal       = rapid.SampledFrom(killSignals)
		order        = newOrderDraw(s)
	)
	return rapid.Custom(func(t *rapid.T) Scenario {
		var sc Scenario
		sc.Exit = faults.ExitPlan{
			After:  exitAfter.Draw(t, "exit.after"),
			Status: exitStatus.Draw(t, "exit.status"),
		}
		sc.Signal = faults.SignalPlan{
			IgnoreTerm: signalIgnore.Draw(t, "signal.ignore"),
			ExitAfter:  signalAfter.Draw(t, "signal.after"),
		}
		// One scenario in eight loses the exit; the rest deliver it one to
		// five times (see deliveryCounts).
		for i := range deliveries.Draw(t, "deliveries") {
			d := faults.Delivery{After: delivAfter.Draw(t, "delivery.after")}
			d.Status = faults.StatusReal
			if i > 0 {
				d.Status = delivStatus.Draw(t, "delivery.status")
			}
			sc.Deliveries = append(sc.Deliveries, d)
		}
		sc.Points = points.draw(t, nil)
		sc.Fails = fails.draw(t, nil)
		n := actors.Draw(t, "actors")
		for range n {
			var a Actor
			m := calls.Draw(t, "calls")
			for range m {
				c := Call{
					Op:    op.Draw(t, "op"),
					Delay: delay.Draw(t, "delay"),
					Ctx:   faults.Ctx{Kind: ctx.Draw(t, "ctx")},
				}
				if c.Ctx.Kind == faults.Timeout || c.Ctx.Kind == faults.CancelAfter {
					c.Ctx.After = ctxAfter.Draw(t, "ctx.after")
				}
				if c.Op == Kill {
					c.Signal = signal.Draw(t, "signal")
				}
				a.Calls = append(a.Calls, c)
			}
			sc.Actors = append(sc.Actors, a)
		}
		order.draw(t, &sc)
		return sc
	})
}

// failDraw draws up to two injected failures at the fail points names:
// none shrinks first, then the first pass.
type failDraw struct {
	count *rapid.Generator[int]
	name  *rapid.Generator[string]
	hit   *rapid.Generator[int]
}

func newFailDraw(names []string) *failDraw {
	if len(names) == 0 {
		return &failDraw{}
	}
	return &failDraw{count: uniform(3), name: pick(names), hit: pick(failHits)}
}

// draw appends the drawn failures to to and returns it.
func (d *failDraw) draw(t *rapid.T, to []faults.FailFault) []faults.FailFault {
	if d.count == nil {
		return to
	}
	for range d.count.Draw(t, "fails") {
		to = append(to, faults.FailFault{Name: d.name.Draw(t, "fail.name"), Hit: d.hit.Draw(t, "fail.hit")})
	}
	return to
}

// pointDraw draws the faults at fault points of one scenario: zero to
// four (pointCounts), each at one hit of one point (or every hit), with
// a number of yields.
//
// With learned hits (Shape.Hits: h_p, the most hits of point p in one
// scenario; m points; k = Σ h_p, the "steps" of PCT, Burckhardt et al.,
// ASPLOS 2010) each fault picks its point one way or the other: a quarter
// of the time uniformly over the m points (a point passed once is not
// drowned by one inside a loop), three quarters uniformly over all k
// steps (PCT's choice of a change point: a busy point gets its share).
// The hit is then uniform over 1..h_p, and one fault in sixteen yields at
// every hit of its point instead. So a given hit of point p is drawn by
// one fault with probability
//
//	15/16 · (1/(4·m·h_p) + 3/(4·k))
//
// and a race that needs yields at d−1 given hits (d−1 ≤ 4) is drawn with
// at least P(d−1 or more faults) · (d−1)! times the product of those, per
// scenario, times the chance that the scenario's clients and exits expose
// it, that the yield counts keep the window open and that the other
// faults do not close it. Measured against PCT's bound on synthetic races
// (harness BenchmarkFindRate, depth-*): with zero to three faults, one in
// four at every hit and half the points drawn over points, races of
// depth 2 were found at 0.3–0.7 of the bound when s reached 50;
// PCT's own draw is exactly d−1 change points over the steps, and a
// mixture over counts that mostly draws three or four finds a depth-2
// race (one change point) as often and a depth-3 one more often. A window
// at hit 9 of a point inside a loop is reachable; without learned hits
// only hits 1, 2, 3 and every are.
type pointDraw struct {
	names  []string
	cum    []int // cum[i] is the number of hits of the points before i
	count  *rapid.Generator[int]
	by     *rapid.Generator[int]    // 0: point uniform over points; 1..3: over steps
	point  *rapid.Generator[int]    // over points
	step   *rapid.Generator[int]    // over every hit of every point
	hits   []*rapid.Generator[int]  // hits[i]: over 0..Hits[i]-1, the hit less one
	every  *rapid.Generator[int]    // 15 of 0..15: at every hit
	name   *rapid.Generator[string] // without learned hits
	hit    *rapid.Generator[int]    // without learned hits
	yields *rapid.Generator[int]
	sleeps *sleepDraw
}

func newPointDraw(s Shape) *pointDraw {
	d := &pointDraw{names: s.Points}
	if len(s.Points) == 0 {
		return d
	}
	d.count = pick(pointCounts)
	d.yields = pick(pointYields)
	d.sleeps = newSleepDraw(s)
	if len(s.Hits) == len(s.Points) {
		total := 0
		d.cum = make([]int, len(s.Points))
		d.hits = make([]*rapid.Generator[int], len(s.Points))
		for i, h := range s.Hits {
			h = max(h, 1)
			d.cum[i] = total
			d.hits[i] = uniform(h)
			total += h
		}
		d.by = uniform(4)
		d.point = uniform(len(s.Points))
		d.step = uniform(total)
		d.every = uniform(16)
		return d
	}
	d.name = pick(s.Points)
	d.hit = pick(pointHits)
	return d
}

// draw appends the drawn faults to to and returns it.
func (d *pointDraw) draw(t *rapid.T, to []faults.PointFault) []faults.PointFault {
	if d.count == nil {
		return to
	}
	sleeps, yields := 0, 0
	for range d.count.Draw(t, "points") {
		var f faults.PointFault
		switch {
		case d.by == nil:
			f.Name = d.name.Draw(t, "point.name")
			f.Hit = d.hit.Draw(t, "point.hit")
		case d.by.Draw(t, "point.by") == 0:
			i := d.point.Draw(t, "point.index")
			f.Name, f.Hit = d.names[i], d.hits[i].Draw(t, "point.hit")+1
		default:
			step := d.step.Draw(t, "point.step")
			i := sort.Search(len(d.cum), func(i int) bool { return d.cum[i] > step }) - 1
			f.Name, f.Hit = d.names[i], step-d.cum[i]+1
		}
		if d.every != nil && d.every.Draw(t, "point.every") == 15 {
			f.Hit = 0
		}
		// At most maxSleeps sleeps a scenario (the grace allows that
		// many): a fault past them yields.
		// Every fault of a scenario yields as many times (drawn at the
		// first that yields): two goroutines preempted one after the
		// other then resume in the order they were preempted, as a race
		// of depth 3 over two goroutines needs (drawn apart, the second
		// outlasted the first only 10 times in 16).
		if sleeps < maxSleeps && d.sleeps.draw(t, &f) {
			sleeps++
		} else {
			if yields == 0 {
				yields = d.yields.Draw(t, "point.yields")
			}
			f.Yields = yields
		}
		to = append(to, f)
	}
	return to
}

// orderDraw draws a scenario's start orders (see order.go), last, so that
// the draws before it are what they were without it: the order of the
// lanes at a shared instant, uniform over the permutations of its
// deliveries and clients (PCT's random priorities), and a fair coin at
// each of the first maxGoCoins passes of every go statement among the
// learned points, heads for the new goroutine first. Both shrink toward
// the default order: a lane draw of 0 takes the next lane in the default
// order, and a coin shrinks to the parent first.
type orderDraw struct {
	coin  *rapid.Generator[bool]
	sites []string // the go statements among Shape.Points
	hits  []int    // passes to draw a coin for, by site
}

// maxGoCoins is the most passes of one go statement that get a coin of
// their own; later passes let the parent go on.
const maxGoCoins = 8

func newOrderDraw(s Shape) *orderDraw {
	d := &orderDraw{coin: rapid.Bool()}
	for i, name := range s.Points {
		// autopoint names a go statement's site "file:line go"
		// (harness/autopoint, Site.Op).
		if !strings.HasSuffix(name, " go") {
			continue
		}
		h := len(pointHits) - 1 // hits 1..3 when none were learned
		if len(s.Hits) == len(s.Points) {
			h = max(s.Hits[i], 1)
		}
		d.sites = append(d.sites, name)
		d.hits = append(d.hits, min(h, maxGoCoins))
	}
	return d
}

// draw sets sc.First and sc.ChildFirst.
func (d *orderDraw) draw(t *rapid.T, sc *Scenario) {
	lanes := DefaultLanes(len(sc.Deliveries), len(sc.Actors))
	order := make([]Lane, 0, len(lanes))
	for len(lanes) > 0 {
		i := d.uniform(t, len(lanes), "order.lane")
		order = append(order, lanes[i])
		lanes = slices.Delete(lanes, i, i+1)
	}
	sc.First = FirstFor(order)
	for i, name := range d.sites {
		for hit := 1; hit <= d.hits[i]; hit++ {
			if d.coin.Draw(t, "order.go") {
				sc.ChildFirst = append(sc.ChildFirst, GoFirst{Name: name, Hit: hit})
			}
		}
	}
}

// uniform draws an integer uniform over 0..n-1 from fair coins (rapid's
// integer draws favour small values), rejecting values past n-1 up to
// eight times before it gives 0; all coins tails, where shrinking goes,
// is 0.
func (d *orderDraw) uniform(t *rapid.T, n int, label string) int {
	width := bits.Len(uint(n - 1))
	for range 8 {
		v := 0
		for b := range width {
			if d.coin.Draw(t, label) {
				v |= 1 << b
			}
		}
		if v < n {
			return v
		}
	}
	return 0
}
