package harness

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"strings"
	"time"
)

// outsideWait is how long a bubble whose goroutines wait on something
// outside it (a channel made outside, I/O) must look the same before it
// counts as stalled: such a wait may end by itself.
const outsideWait = 100 * time.Millisecond

const (
	phaseRunning int32 = iota
	phaseEnded         // the bubble's main function has returned
)

// watch waits for the bubble and judges a stall: every goroutine of the
// bubble blocked, some of them in a way testing/synctest does not count as
// durable (sync.Mutex, a channel from outside the bubble), so that virtual
// time can never advance again. It gives up at the real-time limit.
//
// A goroutine dump stops the world for time in proportion to every
// goroutine of the process, the test binary's own included (about 1 µs
// each), so watch takes none while the scenario makes progress: the
// bubble's goroutines bump r.progress as they go (every call's start and
// end, every note, main's wake-ups), and a tick that costs nanoseconds
// reads it. Only when it has stood still for a while, with nothing in the
// process waiting for a processor, does watch dump. A stall on sync locks
// is judged on that one dump (taken with the world stopped, it is
// consistent: no goroutine of the bubble can run, and none can release the
// locks); one on something outside the bubble must look the same, with no
// progress, outsideWait later. A dump that shows goroutines running (a
// slow scenario, a busy loop) makes the next one wait twice as long.
func (r *run) watch(res *Result, done <-chan any) {
	start := time.Now()
	tick := min(max(4*r.cfg.typical, 250*time.Microsecond), 2*time.Millisecond)
	// One timer serves a check's scenarios, one after the other.
	timer := r.cfg.watchTimer
	if timer == nil {
		timer = time.NewTimer(tick)
		r.cfg.watchTimer = timer
	} else {
		timer.Reset(tick)
	}
	defer timer.Stop()
	var st stallWatch
	st.reset(r.progress.Load(), start, 2*tick)
	heap0 := heapInUse()         // a bomb too slow to pass the limit in time is told by its growth
	limit := r.cfg.scenarioLimit // grows while virtual time advances (a task that polls)
	var clock int64              // r.clock when limit was last set
	for {
		select {
		case p := <-done:
			if d := time.Since(start); r.cfg.typical == 0 {
				r.cfg.typical = d
			} else {
				r.cfg.typical += (d - r.cfg.typical) / 16
			}
			r.ended(res, p)
			return
		case <-timer.C:
		}
		if v := r.overLimits(); v != nil {
			r.mu.Lock()
			r.extra = append(r.extra, v)
			r.mu.Unlock()
			r.abandon(res, nil, false)
			return
		}
		now := time.Now()
		if now.Sub(start) > slowAfter {
			r.slow.Store(true)
		}
		if p := r.progress.Load(); p != st.seen {
			st.reset(p, now, 2*tick)
		}
		overdue := now.Sub(start) > limit
		if overdue {
			if v := r.heapGrowing(heap0, now.Sub(start)); v != nil {
				// Past its real-time limit with the heap still swelling:
				// a bomb slowed down by its own garbage collections (a
				// goroutine in GC assists looks like a busy loop), not a
				// busy loop or a task that polls.
				r.mu.Lock()
				r.extra = append(r.extra, v)
				r.mu.Unlock()
				r.abandon(res, nil, false)
				return
			}
		}
		if !overdue && !st.due(now) {
			timer.Reset(tick)
			continue
		}
		gs := r.bubbleGoroutines(r.locate(dumpAll()))
		sig, stalled := stallSignature(gs)
		switch {
		case stalled && onlyLocks(gs) && r.progress.Load() == st.seen:
			r.abandon(res, gs, false)
			return
		case stalled && sig == st.sig && time.Since(st.sigAt) >= outsideWait:
			r.abandon(res, gs, false)
			return
		case overdue && !stalled && now.Sub(start) < max(pollingLimit*r.cfg.scenarioLimit, pollingFloor) &&
			(r.clock.Load() != clock || r.clockMoves(gs)):

			if r.phase.Load() == phaseEnded {
				// The scenario is over but a goroutine of the task still
				// wakes on its timers: it outlives the teardown.
				r.abandon(res, gs, false)
				return
			}
			// Virtual time advances, tick by tick: a task that polls, not
			// a busy loop. It gets another real-time limit.
			limit, clock = now.Sub(start)+r.cfg.scenarioLimit, r.clock.Load()
			if r.cfg.heartbeat != nil {
				r.cfg.heartbeat()
			}
		case overdue:
			if limit > r.cfg.scenarioLimit {
				r.mu.Lock()
				r.polled = now.Sub(start)
				r.mu.Unlock()
			}
			r.abandon(res, gs, !stalled)
			return
		case stalled && sig != st.sig:
			st.sig, st.sigAt = sig, now
			st.next = now.Add(outsideWait)
		case !stalled:
			st.sig = ""
			st.backoff(now)
		}
		timer.Reset(tick)
	}
}

// pollingLimit is how many real-time limits (ScenarioTimeout) a scenario
// whose virtual clock keeps advancing (a task that polls) may take, and
// pollingFloor the least real time it gets: main's own timers end every
// scenario within about 72s of virtual time, which a task polling every
// 10µs takes about a minute of real time to go through.
const (
	pollingLimit = 20
	pollingFloor = 5 * time.Minute
)

// clockMoves reports whether the bubble's virtual clock is advancing, as
// far as goroutine dumps can tell: over gs and up to 20 more dumps taken a
// millisecond apart, every goroutine of the bubble was seen durably
// blocked, which is how testing/synctest lets the clock move on to the
// next timer. A goroutine in a busy loop is never seen blocked. (Two
// goroutines that hand work back and forth forever would pass too; the
// polling limit still ends them.)
func (r *run) clockMoves(gs []*goroutine) bool {
	blocked := map[int64]bool{}
	for i := 0; ; i++ {
		all := len(gs) > 0
		for _, g := range gs {
			if g.durable {
				blocked[g.id] = true
			}
			all = all && blocked[g.id]
		}
		if all {
			return true
		}
		if i == 20 {
			return false
		}
		time.Sleep(time.Millisecond)
		gs = r.bubbleGoroutines(dumpAll())
	}
}

// stallWatch is what watch knows about the scenario's progress between
// ticks.
type stallWatch struct {
	seen      uint64        // r.progress as last seen
	wait      time.Duration // how long it must stand still before a dump
	next      time.Time     // no dump before then
	postponed int           // ticks the dump was put off for goroutines waiting to run
	sig       string        // the stall the last dump showed, if any
	sigAt     time.Time     // when sig was first seen
}

// reset records progress p seen at now: the next dump waits until the
// scenario has stood still for wait.
func (s *stallWatch) reset(p uint64, now time.Time, wait time.Duration) {
	*s = stallWatch{seen: p, wait: wait, next: now.Add(wait)}
}

// due reports whether a dump is due at now. While other goroutines of
// the process run or wait for a processor the scenario may only be
// waiting its turn (a garbage collection, another test, a thread the
// operating system put aside): the dump is put off, for up to eight
// ticks.
func (s *stallWatch) due(now time.Time) bool {
	if now.Before(s.next) {
		return false
	}
	if s.postponed < 8 && othersRunning() {
		s.postponed++
		return false
	}
	return true
}

// backoff follows a dump that showed the scenario running: the next waits
// twice as long, and at least ten times what a dump costs here.
func (s *stallWatch) backoff(now time.Time) {
	s.wait = max(2*s.wait, 10*time.Duration(lastDumpCost.Load()))
	s.next = now.Add(s.wait)
	s.postponed = 0
}

// othersRunning reports whether a goroutine of the process other than
// the caller is running or waiting for a processor.
func othersRunning() bool {
	sample := [2]metrics.Sample{
		{Name: "/sched/goroutines/runnable:goroutines"},
		{Name: "/sched/goroutines/running:goroutines"},
	}
	metrics.Read(sample[:])
	var n uint64
	for _, s := range sample {
		if s.Value.Kind() == metrics.KindUint64 {
			n += s.Value.Uint64()
		}
	}
	return n > 1 // the caller is running
}

// overLimits returns a violation if the process holds more goroutines or
// heap than the limits allow: a bomb, stopped before it takes the test
// binary down. The goroutines stay (nothing can stop them) but stop being
// scheduled once blocked.
func (r *run) overLimits() *Violation {
	if n := runtime.NumGoroutine(); n > r.cfg.maxGoroutines {
		return &Violation{Class: ClassLeak, Clause: ClauseLimits, Call: "the task",
			Got:  fmt.Sprintf("%d goroutines in the process during the scenario", n),
			Want: fmt.Sprintf("at most %d (Limits)", r.cfg.maxGoroutines)}
	}
	if heap := heapInUse(); heap > r.cfg.maxHeap {
		return &Violation{Class: ClassLeak, Clause: ClauseLimits, Call: "the task",
			Got:  fmt.Sprintf("%d MiB of heap in use during the scenario", heap>>20),
			Want: fmt.Sprintf("at most %d MiB (Limits)", r.cfg.maxHeap>>20)}
	}
	return nil
}

// heapGrowing returns a violation if the heap grew, since the scenario
// began with heap0 in use, by a quarter of the heap limit or more: called
// when the scenario is past its real-time limit, it tells a bomb on its
// way past the limit from a busy loop. A bomb of many small objects makes
// every garbage collection longer than the last, and its goroutine, in
// GC assists, runs as a busy loop would; waiting for it to pass the limit
// could take minutes, and it would then be reported in a later scenario.
func (r *run) heapGrowing(heap0 uint64, took time.Duration) *Violation {
	heap := heapInUse()
	if heap < heap0 || heap-heap0 < r.cfg.maxHeap/4 {
		return nil
	}
	return &Violation{Class: ClassLeak, Clause: ClauseLimits, Call: "the task",
		Got: fmt.Sprintf("the heap grew from %d MiB to %d MiB in %s of real time during the scenario, which was still running at its real-time limit: a bomb on its way past the limit",
			heap0>>20, heap>>20, took.Round(time.Millisecond)),
		Want: fmt.Sprintf("at most %d MiB (Limits)", r.cfg.maxHeap>>20)}
}

// heapInUse returns the bytes of heap the process's objects occupy, live
// or not yet swept.
func heapInUse() uint64 {
	var sample [1]metrics.Sample
	sample[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(sample[:])
	if sample[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return sample[0].Value.Uint64()
}

// stallSignature reports whether gs (a bubble's goroutines) are all blocked
// with at least one not durably, and a signature to compare polls with:
// each goroutine's state and innermost frame.
func stallSignature(gs []*goroutine) (string, bool) {
	if len(gs) == 0 {
		return "", false
	}
	var b strings.Builder
	nonDurable := false
	for _, g := range gs {
		if g.active() {
			return "", false
		}
		if !g.durable {
			nonDurable = true
		}
		fmt.Fprintf(&b, "%d:%s", g.id, g.state)
		if len(g.frames) > 0 {
			fmt.Fprintf(&b, "@%s:%d", g.frames[0].file, g.frames[0].line)
		}
		b.WriteString(";")
	}
	return b.String(), nonDurable
}

// onlyLocks reports whether every goroutine of gs that is not durably
// blocked waits for a sync lock — which only a goroutine of the bubble can
// release, all of them blocked: a stall for good. A wait on something
// outside the bubble (a channel, I/O) may end by itself, and is judged only
// after it has looked the same for a while.
func onlyLocks(gs []*goroutine) bool {
	for _, g := range gs {
		if g.durable {
			continue
		}
		switch g.state {
		case "sync.Mutex.Lock", "sync.RWMutex.Lock", "sync.RWMutex.RLock", "semacquire":
		default:
			return false
		}
	}
	return true
}

// locate finds this scenario's bubble in dump, if it is not known yet, and
// returns dump. Call it on the goroutine that called runScenario: the
// goroutine it started to run the bubble, waiting in synctest.Run, is
// labelled with the bubble's id.
func (r *run) locate(dump []byte) []byte {
	if r.bubble.Load() != 0 {
		return dump
	}
	// Goroutines of bubbles abandoned earlier wait in synctest.Run too,
	// started by the same caller: bubble ids only grow, so this run's is
	// the largest.
	self, _ := currentGoroutine()
	var newest int64
	for _, g := range parseBubbles(dump) {
		if g.state != "synctest.Run" || g.creator != self || g.bubble <= newest {
			continue
		}
		for _, f := range g.frames {
			if strings.HasPrefix(f.fn, "github.com/reaptest/reaptest/harness.runScenario") {
				newest = g.bubble
				break
			}
		}
	}
	if newest != 0 {
		r.bubble.Store(newest)
	}
	return dump
}

// bubbleGoroutines returns the goroutines of this scenario's bubble in
// dump, leaving out the goroutine that waits outside for the bubble to end.
func (r *run) bubbleGoroutines(dump []byte) []*goroutine {
	id := r.bubble.Load()
	if id == 0 {
		return nil
	}
	var out []*goroutine
	for _, g := range parseBubbles(dump) {
		if g.bubble != id || g.state == "synctest.Run" {
			continue
		}
		out = append(out, g)
	}
	return out
}

// ended judges a scenario whose bubble has returned; p is what it panicked
// with, if anything.
func (r *run) ended(res *Result, p any) {
	var leaked []*goroutine
	if p != nil {
		if err, ok := p.(error); ok && strings.HasPrefix(err.Error(), "deadlock: main bubble goroutine has exited") {
			// The goroutines left are looked at (a whole-process dump,
			// to tell a process-wide helper from a leak) once per check
			// without detail: the first leak stops the exploring, and
			// minimizing it, many scenarios that leak too, would pay a
			// dump each, growing with what every earlier one left (a
			// hang-finding check took minutes). The detailed run of the
			// minimized scenario looks again.
			if r.cfg.detail || !r.cfg.leftSeen {
				leaked = r.leftBehind()
				r.cfg.leftSeen = true
			}
			if len(leaked) == 0 {
				leaked = []*goroutine{{state: "unknown (run with detail for stacks)"}}
			}
		} else {
			r.mu.Lock()
			r.extra = append(r.extra, &Violation{Class: ClassPanic, Clause: ClauseNoPanic, Call: "the scenario",
				Got: fmt.Sprintf("the bubble ended with: %v", p), Want: "a bubble that ends cleanly"})
			r.mu.Unlock()
		}
	}
	r.judge(res, leaked)
}

// abandon judges a scenario whose bubble cannot end by itself, and leaves
// its goroutines behind (a Go program cannot stop them). With calls in
// flight a stall is a deadlock; with none (between calls, or after
// teardown) it is a goroutine of the task blocked where synctest cannot
// see it, freezing time for everyone: a leak.
func (r *run) abandon(res *Result, gs []*goroutine, busy bool) {
	r.abandoned.Store(true)
	r.mu.Lock()
	ended := r.phase.Load() == phaseEnded
	idle := r.inflight == 0
	lockSetup := false
	if !ended {
		r.dump = gs
		r.judgedAt = r.last
		r.judged = true
	}
	if busy {
		var ev strings.Builder
		for _, g := range gs {
			if g.active() {
				ev.WriteString(g.format("  "))
			}
		}
		v := &Violation{Class: ClassHang, Clause: ClauseRealTime, Call: r.runningCalls(gs),
			Got:      fmt.Sprintf("the scenario still running after %s of real time", r.cfg.scenarioLimit),
			Want:     "a scenario that ends (virtual time makes a normal one take microseconds): a busy loop?",
			Evidence: ev.String()}
		if r.polled > 0 {
			v.Got = fmt.Sprintf("the scenario still running after %s of real time, its virtual clock advancing until the last limit (%s)",
				r.polled.Round(time.Millisecond), r.cfg.scenarioLimit)
			v.Want = "a scenario that ends: a task that polls this finely takes too long in virtual time, or stopped advancing it"
		}
		r.extra = append(r.extra, v)
	} else if v := r.setupViolation(gs); v != nil && !r.tornDown {
		// Before the teardown a wait on a channel from outside stops the
		// scenario itself; after it, a goroutine left on one is a leak.
		r.extra = append(r.extra, v)
		r.setup = true
		r.events = append(r.events, event{at: r.last, who: "harness",
			what: "stalled: " + v.Call + " waits on a channel made outside the scenario"})
	} else if frozenBySleep(gs) {
		// A sleep drawn at a fault point froze the clock (a lock wait
		// synctest cannot see past waits for its sleeper): no verdict,
		// the scenario is dropped as if it had passed.
		r.setup = true
		lockSetup = true
		r.events = append(r.events, event{at: r.last, who: "harness",
			what: "stalled by a sleep drawn at a fault point (a lock wait testing/synctest cannot see past waits for it): no verdict"})
	} else if v := r.lockTimeViolation(gs); v != nil {
		// The bubble is frozen by a lock wait synctest cannot see past,
		// with a sleeper the clock would wake: neither a deadlock nor a
		// leak of the task.
		r.extra = append(r.extra, v)
		r.setup = true
		lockSetup = true
		r.events = append(r.events, event{at: r.last, who: "harness",
			what: "stalled: " + v.Call + " waits for a sync lock while a goroutine of the task sleeps; virtual time cannot advance"})
	} else if !ended && !idle {
		r.events = append(r.events, event{at: r.last, who: "harness",
			what: "deadlock: every goroutine blocked, some on a sync.Mutex or a channel from outside the bubble; virtual time cannot advance"})
	}
	r.mu.Unlock()
	res.Abandoned = fmt.Sprintf("%d goroutines of the bubble left blocked or running in this process", len(gs))
	if !busy && (ended || idle) && !lockSetup {
		var leaked []*goroutine
		for _, g := range gs {
			if !harnessOwned(g) {
				leaked = append(leaked, g)
			}
		}
		r.judge(res, leaked)
		return
	}
	r.judge(res, nil)
}

// harnessOwned reports whether g is one of the harness's own goroutines
// in the bubble (its main, an actor between calls, a pending delivery).
func harnessOwned(g *goroutine) bool {
	for _, f := range g.frames {
		if strings.HasPrefix(f.fn, "github.com/reaptest/reaptest/harness.(*run).") ||
			strings.HasPrefix(f.fn, "testing/synctest.") {
			return true
		}
	}
	return false
}

// runningCalls names the calls whose goroutines are running, for a busy
// loop. Call with r.mu held.
func (r *run) runningCalls(gs []*goroutine) string {
	var names []string
	for _, g := range gs {
		if c := r.callOf(g); c != nil && g.active() {
			names = append(names, c.name())
		}
	}
	if len(names) == 0 {
		return "the scenario"
	}
	return strings.Join(names, ", ")
}

// callOf returns the call g runs, or the call that started it: of the
// calls its creator made (an actor makes several, in turn), the one whose
// method the "created by" function is in. Call with r.mu held.
func (r *run) callOf(g *goroutine) *callRecord {
	if c := r.byGoid[g.id]; c != nil && !c.returned {
		return c
	}
	var last *callRecord
	for _, c := range r.calls {
		if c.goid != g.creator {
			continue
		}
		if strings.Contains(g.spawner, "."+c.op.String()) {
			return c
		}
		last = c
	}
	return last
}
