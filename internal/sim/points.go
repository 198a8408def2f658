package sim

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/hook"
	"github.com/reaptest/reaptest/internal/notation"
)

// Points injects the delays of a plan at fault points: the hand-placed
// ones an implementation passes through harness.Env.Point (by name), and
// the automatic ones instrumented code passes through autopoint (by site
// id, see [Points.Hit]). A fault's Name is either; a name autopoint knows
// ("task.go:42 close") is an automatic site.
type Points struct {
	note Note

	// Automatic sites. auto is sized once, to the sites registered when
	// the Points was made (instrumented packages register theirs before
	// main), and its counts are updated atomically: a hit with no fault
	// planned is one bounds check and one atomic add, no lock.
	auto   []uint32    // hits so far, by site id (atomic)
	autoFs []autoFault // read-only; faults planned at automatic sites

	hand []faults.PointFault // read-only; faults planned at hand-placed points

	mu   sync.Mutex
	hits []pointHits // guarded by mu; hand-placed passes so far, by name (few names: a slice beats a map)

	// Go statements whose new goroutine runs first (see ChildFirst).
	started  []uint32     // passes so far, by site id (atomic); nil without ChildFirst
	goFirst  []autoFault  // read-only once set; hit 0 is every pass
	bubbleOf func() int64 // the synctest bubble of the calling goroutine, 0 outside one
	nwaiting atomic.Int32 // len(waiting), read without wmu on every pass
	wmu      sync.Mutex
	waiting  []waiter // guarded by wmu; parents waiting for their new goroutine
}

// waiter is a parent waiting, in bubble, for the goroutine it started to
// reach its first synchronization operation.
type waiter struct {
	ch     chan struct{}
	bubble int64
}

type autoFault struct {
	id          uint32
	hit, yields uint32
	sleep       time.Duration
}

type pointHits struct {
	name string
	n    int
}

// NewPoints returns an injector for the planned faults; note, if not nil, hears every
// fault that fires.
func NewPoints(planned []faults.PointFault, note Note) *Points {
	p := &Points{note: note}
	if n := hook.Count(); n > 0 {
		p.auto = make([]uint32, n)
	}
	for _, f := range planned {
		if id, ok := hook.Lookup(f.Name); ok && int(id) < len(p.auto) && f.Hit >= 0 && (f.Yields > 0 || f.Sleep > 0) {
			p.autoFs = append(p.autoFs, autoFault{id: id, hit: uint32(f.Hit), yields: uint32(max(f.Yields, 0)), sleep: max(f.Sleep, 0)})
			continue
		}
		p.hand = append(p.hand, f)
	}
	return p
}

// GoPass is a pass of a go statement (an automatic site named by
// autopoint, "task.go:42 go"; Hit from 1, 0 for every pass).
type GoPass struct {
	Name string
	Hit  int
}

// ChildFirst makes the passes firsts of go statements run the new
// goroutine first: at [Points.Started] the parent waits until some other
// goroutine of its bubble begins ([Points.Begin]: on one processor the
// new one runs next, so it is the one that does) or passes a point (a go
// statement whose function autopoint cannot wrap: the new goroutine's
// first synchronization operation), or until the bubble is otherwise
// idle and a nanosecond of virtual time passes (such a goroutine that
// blocks or ends without passing a point). The new goroutine, once it
// has let its parent go, runs on until it blocks, as the parent would
// have. bubbleOf returns the calling goroutine's
// synctest bubble (0 outside one): only goroutines of the parent's bubble
// release it, as only they may close its channel. Call it before the
// scenario starts.
func (p *Points) ChildFirst(firsts []GoPass, bubbleOf func() int64) {
	for _, f := range firsts {
		if id, ok := hook.Lookup(f.Name); ok && int(id) < len(p.auto) && f.Hit >= 0 {
			p.goFirst = append(p.goFirst, autoFault{id: id, hit: uint32(f.Hit)})
		}
	}
	if len(p.goFirst) > 0 {
		p.started = make([]uint32, len(p.auto))
		p.bubbleOf = bubbleOf
	}
}

// WaitsAt reports whether a parent may wait at the go statement at
// automatic site id: autopoint then has the new goroutine call Begin.
func (p *Points) WaitsAt(id uint32) bool {
	for _, f := range p.goFirst {
		if f.id == id {
			return true
		}
	}
	return false
}

// Begin is called by a new goroutine first thing, when WaitsAt said so: it
// lets a parent waiting for it go on.
func (p *Points) Begin() { p.release() }

// Started records that the go statement at automatic site id has started
// its goroutine; when the plan says the new goroutine runs first at this
// pass, it waits as ChildFirst says. It is what the harness's autopoint
// go hook calls. It returns whether it waited.
func (p *Points) Started(id uint32) bool {
	p.release()
	if int(id) >= len(p.started) {
		return false
	}
	n := atomic.AddUint32(&p.started[id], 1)
	first := false
	for _, f := range p.goFirst {
		first = first || f.id == id && (f.hit == 0 || f.hit == n)
	}
	if !first {
		return false
	}
	b := p.bubbleOf()
	if b == 0 {
		return false
	}
	if p.note != nil {
		p.note("", fmt.Sprintf("go %s #%d: the new goroutine runs first", hook.Name(id), n))
	}
	w := waiter{ch: make(chan struct{}), bubble: b}
	p.wmu.Lock()
	p.waiting = append(p.waiting, w)
	p.nwaiting.Store(int32(len(p.waiting)))
	p.wmu.Unlock()
	idle := time.NewTimer(time.Nanosecond) // fires only once every goroutine of the bubble is durably blocked
	select {
	case <-w.ch:
	case <-idle.C:
		p.wmu.Lock()
		if i := slices.IndexFunc(p.waiting, func(o waiter) bool { return o.ch == w.ch }); i >= 0 {
			p.waiting = slices.Delete(p.waiting, i, i+1)
			p.nwaiting.Store(int32(len(p.waiting)))
		}
		p.wmu.Unlock()
	}
	idle.Stop()
	return true
}

// release lets go on the parents waiting in the caller's bubble (see
// ChildFirst): a goroutine of theirs has passed a point.
func (p *Points) release() {
	if p.nwaiting.Load() == 0 {
		return
	}
	b := p.bubbleOf()
	p.wmu.Lock()
	defer p.wmu.Unlock()
	keep := p.waiting[:0]
	for _, w := range p.waiting {
		if w.bubble == b && b != 0 {
			close(w.ch)
			continue
		}
		keep = append(keep, w)
	}
	clear(p.waiting[len(keep):])
	p.waiting = keep
	p.nwaiting.Store(int32(len(keep)))
}

// Point records a pass through the fault point name and yields the
// processor, then sleeps, as much as the plan's matching faults say.
func (p *Points) Point(name string) {
	p.release()
	p.mu.Lock()
	hit := countHit(&p.hits, name)
	p.mu.Unlock()
	yields, sleep := 0, time.Duration(0)
	for _, f := range p.hand {
		if f.Name == name && (f.Hit == 0 || f.Hit == hit) {
			yields += max(f.Yields, 0)
			sleep += max(f.Sleep, 0)
		}
	}
	if yields > 0 || sleep > 0 {
		p.yield(name, hit, yields, sleep)
	}
}

// Hit records a pass through the automatic site id (an autopoint id) and
// yields as many times as the plan's faults at that site say. It is what
// the harness's autopoint hook calls, before every synchronization
// operation of instrumented code. Sites registered after the Points was
// made are not counted.
func (p *Points) Hit(id uint32) {
	if int(id) >= len(p.auto) {
		return
	}
	n := atomic.AddUint32(&p.auto[id], 1)
	p.release()
	if len(p.autoFs) == 0 {
		return
	}
	yields, sleep := 0, time.Duration(0)
	for _, f := range p.autoFs {
		if f.id == id && (f.hit == 0 || f.hit == n) {
			yields += int(f.yields)
			sleep += f.sleep
		}
	}
	if yields > 0 || sleep > 0 {
		p.yield(hook.Name(id), int(n), yields, sleep)
	}
}

// yield yields the processor yields times, then sleeps sleep of virtual
// time. A goroutine outside any synctest bubble (instrumented code run
// beside a check, whose hits the hook routes here) does not sleep: its
// clock is the real one.
func (p *Points) yield(name string, hit, yields int, sleep time.Duration) {
	if sleep > 0 && !hook.InBubble() {
		sleep = 0
		if yields == 0 {
			return
		}
	}
	if p.note != nil {
		what := fmt.Sprintf("point %s #%d: yield %d", name, hit, yields)
		switch {
		case yields == 0:
			what = fmt.Sprintf("point %s #%d: sleep %s", name, hit, notation.FormatDuration(sleep))
		case sleep > 0:
			what += ", sleep " + notation.FormatDuration(sleep)
		}
		p.note("", what)
	}
	for range yields {
		runtime.Gosched()
	}
	if sleep > 0 {
		time.Sleep(sleep)
	}
}

// Names returns the names of the fault points passed so far, hand-placed
// and automatic, sorted.
func (p *Points) Names() []string {
	var names []string
	p.Each(func(name string, _ int) { names = append(names, name) })
	sort.Strings(names)
	return names
}

// Each calls f with every fault point passed so far and its number of
// passes: the hand-placed ones first, in the order first passed, then the
// automatic ones, by site id.
func (p *Points) Each(f func(name string, hits int)) {
	p.mu.Lock()
	hand := append([]pointHits(nil), p.hits...)
	p.mu.Unlock()
	for _, h := range hand {
		f(h.name, h.n)
	}
	for id := range p.auto {
		if n := atomic.LoadUint32(&p.auto[id]); n > 0 {
			f(hook.Name(uint32(id)), int(n))
		}
	}
}

// Census is what a check has learned about its fault points from the
// scenarios it ran: which were reached and how many times each was hit in
// one scenario at most. Exploration draws faults at every hit it has seen.
// A Census is not safe for concurrent use.
type Census struct {
	auto    []uint32 // most hits in one scenario, by autopoint site id
	hand    []pointHits
	faulted map[string]bool // points where a planned fault fired in some scenario
	// Scenarios is how many scenarios were added.
	Scenarios int
}

// Add folds the hits of one scenario's points into c.
func (c *Census) Add(p *Points) {
	c.Scenarios++
	if p == nil {
		return
	}
	if len(p.auto) > len(c.auto) {
		c.auto = append(c.auto, make([]uint32, len(p.auto)-len(c.auto))...)
	}
	for id := range p.auto {
		if n := atomic.LoadUint32(&p.auto[id]); n > c.auto[id] {
			c.auto[id] = n
		}
	}
	for _, f := range p.autoFs {
		if n := atomic.LoadUint32(&p.auto[f.id]); n >= max(f.hit, 1) {
			c.fault(hook.Name(f.id))
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.hand {
		for _, h := range p.hits {
			if h.name == f.Name && h.n >= max(f.Hit, 1) {
				c.fault(f.Name)
			}
		}
	}
next:
	for _, h := range p.hits {
		for i := range c.hand {
			if c.hand[i].name == h.name {
				c.hand[i].n = max(c.hand[i].n, h.n)
				continue next
			}
		}
		c.hand = append(c.hand, h)
	}
}

// fault records that a planned fault fired at the point name.
func (c *Census) fault(name string) {
	if c.faulted == nil {
		c.faulted = map[string]bool{}
	}
	c.faulted[name] = true
}

// PointHits is a fault point and the most times it was hit in one scenario.
type PointHits struct {
	Name string
	Hits int
	// Faulted is set when a planned fault fired there in some scenario:
	// the point was reached at the hit the fault named (any hit for every
	// hit) and yielded.
	Faulted bool
	// Auto is set for an automatic site (instrumented code), with its
	// autopoint id in ID.
	Auto bool
	ID   uint32
}

// Points returns every point reached: the hand-placed ones sorted by name,
// then the automatic ones by site id.
func (c *Census) Points() []PointHits {
	out := make([]PointHits, 0, len(c.hand)+len(c.auto))
	for _, h := range c.hand {
		out = append(out, PointHits{Name: h.name, Hits: h.n, Faulted: c.faulted[h.name]})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	for id, n := range c.auto {
		if n > 0 {
			name := hook.Name(uint32(id))
			out = append(out, PointHits{Name: name, Hits: int(n), Auto: true, ID: uint32(id), Faulted: c.faulted[name]})
		}
	}
	return out
}

// countHit counts a pass through the point name in hits (few names: a
// slice beats a map) and returns its number, counted from 1.
func countHit(hits *[]pointHits, name string) int {
	for i := range *hits {
		if h := &(*hits)[i]; h.name == name {
			h.n++
			return h.n
		}
	}
	if *hits == nil {
		*hits = make([]pointHits, 0, 8)
	}
	*hits = append(*hits, pointHits{name, 1})
	return 1
}
