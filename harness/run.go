package harness

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing/synctest"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/internal/sim"
	"github.com/reaptest/reaptest/scenarios"
)

// Bubble runs f in a fresh testing/synctest bubble and returns when the
// bubble has ended. Like synctest.Test it panics if goroutines are left
// durably blocked in the bubble after f returns. The suites package builds
// one from a *testing.T (synctest.Test needs one); any function with those
// semantics will do.
type Bubble func(f func())

// Pid is the process id of every simulated process.
const Pid = 4242

// Event is one line of a scenario's timeline.
type Event struct {
	At   time.Duration // virtual time from the scenario's start
	Who  string        // who acted: client1, monitor, process, teardown, harness
	What string
	// Call names the call a MarkBegins, MarkReturns or MarkStuck event is
	// about, e.g. "client1 Wait#1"; Lane is the timeline column it runs in
	// (a client's calls share one; each monitor delivery has its own).
	Call, Lane string
	Mark       Mark
}

// Mark says what an Event is.
type Mark uint8

// The kinds of timeline event.
const (
	MarkNote    Mark = iota // something happened: a fault fired, the process exited
	MarkBegins              // a call began
	MarkReturns             // a call returned (or panicked)
	MarkStuck               // a call was still blocked when the scenario was judged
)

// event is a timeline entry as recorded: calls are formatted only when a
// timeline is wanted.
type event struct {
	at    time.Duration
	who   string
	what  string      // for a note
	call  *callRecord // for a call's start, end, or stuck state
	ends  bool
	stuck bool
}

func (e event) format() Event {
	if e.call == nil {
		return Event{At: e.at, Who: e.who, What: e.what, Mark: MarkNote}
	}
	c := e.call
	ev := Event{At: e.at, Who: e.who, Call: c.name(), Lane: c.lane()}
	switch {
	case e.stuck:
		ev.Mark, ev.What = MarkStuck, fmt.Sprintf("%s#%d STUCK: %s", c.op, c.seq, e.what)
	case e.ends:
		ev.Mark, ev.What = MarkReturns, fmt.Sprintf("%s#%d → %s", c.op, c.seq, c.result())
	default:
		ev.Mark = MarkBegins
		ev.What = fmt.Sprintf("%s#%d(ctx=%s) begins", c.op, c.seq, c.ctx)
		switch c.op {
		case scenarios.Reap:
			ev.What = fmt.Sprintf("Reap#%d(%s) begins", c.seq, formatExit(c.reapExit))
		case scenarios.Kill:
			ev.What = fmt.Sprintf("Kill#%d(ctx=%s, signal %d) begins", c.seq, c.ctx, int(c.signal))
		}
	}
	return ev
}

// Result is what one scenario did to a task.
type Result struct {
	Scenario   scenarios.Scenario
	Violations []*Violation
	Timeline   []Event
	// Points are the fault points the implementation passed, hand-placed
	// and automatic, sorted; recorded with detail (Run, Replay, reports).
	Points []string
	// Fails are the fail points (Env.Fail) the implementation passed,
	// sorted.
	Fails []string
	// Killer reports whether the task implements Killer.
	Killer bool
	// Abandoned, if not empty, says what the harness could not stop:
	// goroutines left blocked or running when it gave up on the scenario.
	Abandoned string
	// Relaxations are the contract relaxations the scenario was judged
	// under (KillBoundedBy, DeleteReturnsNoExit, ExitPidMayBeZero,
	// WaitMayFailDuringDelete), set on a failing or detailed result; a
	// report prints them.
	Relaxations []string
	// Dump is the goroutine dump of the scenario's bubble when it ended
	// with calls stuck or goroutines left, in the runtime's format (input
	// for ScenarioFromDump).
	Dump []byte

	detailed bool // recorded with detail on
	// byChance: minimized, this failure did not repeat the same way in
	// every confirming run on one processor, so its scenario is kept
	// without a schedule and a replay fails by chance.
	byChance bool
	points   *sim.Points // the scenario's hits, for the check's Census
}

// Failed reports whether the scenario broke the contract.
func (r *Result) Failed() bool { return len(r.Violations) > 0 }

// Err returns the violations joined, or nil.
func (r *Result) Err() error {
	errs := make([]error, len(r.Violations))
	for i, v := range r.Violations {
		errs[i] = v
	}
	return errors.Join(errs...)
}

// Primary returns the violation a report leads with: a setup diagnosis,
// else a goroutine or memory bomb, else a panic, else a data race, else a
// hang, else a contract violation, else a leak.
func (r *Result) Primary() *Violation {
	for _, v := range r.Violations {
		if v.Class == ClassSetup { // the task could not be judged at all
			return v
		}
	}
	for _, v := range r.Violations {
		if v.Clause == ClauseLimits { // a bomb explains whatever else went wrong
			return v
		}
	}
	for _, class := range []Class{ClassPanic, ClassRace, ClassHang, ClassContract, ClassLeak} {
		for _, v := range r.Violations {
			if v.Class == class {
				return v
			}
		}
	}
	return nil
}

// outsideWait is how long a bubble whose goroutines wait on something
// outside it (a channel made outside, I/O) must look the same before it
// counts as stalled: such a wait may end by itself.
const outsideWait = 100 * time.Millisecond

const (
	phaseRunning int32 = iota
	phaseEnded         // the bubble's main function has returned
)

// run is one scenario in flight.
type run struct {
	cfg     *config
	sc      scenarios.Scenario
	newTask NewTask

	seq      atomic.Int64  // orders call starts and ends
	progress atomic.Uint64 // bumped by the bubble's goroutines as the scenario moves (watch reads it)
	clock    atomic.Int64  // virtual time (ns) main last saw; see waitFor
	slow     atomic.Bool   // set by watch once the scenario has taken slowAfter of real time
	phase    atomic.Int32
	bubble   atomic.Int64 // synctest bubble id

	mu       sync.Mutex
	t0       time.Time             // guarded by mu; virtual start
	last     time.Duration         // guarded by mu; latest virtual time seen
	calls    []*callRecord         // guarded by mu; in start order
	byGoid   map[int64]*callRecord // guarded by mu
	events   []event               // guarded by mu
	inflight int                   // guarded by mu; calls started, not ended
	actors   int                   // guarded by mu; actors not finished
	reaped   bool                  // guarded by mu; a Reap has returned
	changed  chan struct{}         // signalled (never blocking) when the above change
	timer    *time.Timer           // main's, reused by waitFor
	points   *sim.Points           // set by main before any call
	fails    *sim.Fails            // set before the bubble starts
	killer   bool                  // set by main before any call
	extra    []*Violation          // guarded by mu; found outside evaluate
	dump     []*goroutine          // guarded by mu; bubble goroutines when judged
	judgedAt time.Duration         // guarded by mu
	// planned is the latest virtual time something the scenario planned
	// may still happen at, as far as known so far: a call's ctx ending, a
	// client's next call, the process's exit and its deliveries (guarded
	// by mu; it only grows). See awaitClients.
	planned  time.Duration
	judged   bool          // guarded by mu
	setup    bool          // guarded by mu; extra holds a setup diagnosis, which replaces the verdict
	tornDown bool          // guarded by mu; the teardown has begun
	polled   time.Duration // guarded by mu; real time a scenario got while its clock advanced, when it then ran out
	wakeups  []instant     // guarded by mu; the instants the harness's own sleepers wake at, until all have woken
}

// instant gathers the harness's sleepers due at one virtual instant (see
// sleepOrdered).
type instant struct {
	at      time.Duration
	due     int       // sleepers registered for the instant
	arrived []*waking // those woken so far, waiting to be released
}

// waking is one sleeper of an instant: key orders it among the others,
// and it releases next when it goes on.
type waking struct {
	key  int
	go_  chan struct{}
	next *waking
}

// Run runs one scenario against a fresh task from newTask inside a bubble
// from bubble, and returns what happened. It never blocks longer than the
// scenario's real-time limit (ScenarioTimeout).
func Run(bubble Bubble, newTask NewTask, sc scenarios.Scenario, opts ...Option) *Result {
	cfg := newConfig(opts)
	cfg.detail = true
	defer cfg.claimHook()()
	return runScenario(cfg, bubble, newTask, sc)
}

func runScenario(cfg *config, bubble Bubble, newTask NewTask, sc scenarios.Scenario) *Result {
	if cfg.progress != nil {
		cfg.progress(sc)
	}
	if sc.Procs > 0 {
		if prev := runtime.GOMAXPROCS(sc.Procs); prev != sc.Procs {
			defer runtime.GOMAXPROCS(prev)
		}
	}
	r := &run{cfg: cfg, sc: sc, newTask: newTask}
	// Sized for the scenario's calls (the clients', the deliveries', the
	// teardown's two), each with a start and an end event.
	calls := len(sc.Deliveries) + 2
	for _, a := range sc.Actors {
		calls += len(a.Calls)
	}
	r.calls = make([]*callRecord, 0, calls)
	if cfg.detail { // goroutine ids and calls' events are recorded only with detail
		r.byGoid = make(map[int64]*callRecord, calls)
		r.events = make([]event, 0, 2*calls+4)
	}
	// Fault notes are for timelines: without detail they would only cost
	// formatting on the implementation's goroutines. Built here, before
	// the bubble starts, so the watchdog may read it whatever the bubble
	// does.
	var pointNote sim.Note
	if cfg.detail {
		pointNote = r.note
	}
	r.points = sim.NewPoints(sc.Points, pointNote)
	r.fails = sim.NewFails(sc.Fails, pointNote)
	defer cfg.aim(r.points)()
	done := make(chan any, 1)
	go func() {
		var p any
		normal := false
		defer func() {
			if !normal && p == nil {
				p = errors.New("the bubble's goroutine exited (runtime.Goexit: the bubble's test failed, e.g. a data race)")
			}
			done <- p
		}()
		func() {
			defer func() { p = recover() }()
			bubble(r.main)
		}()
		normal = true
	}()

	res := &Result{Scenario: sc, detailed: cfg.detail}
	r.watch(res, done)
	r.mu.Lock()
	defer r.mu.Unlock()
	if cfg.detail || res.Failed() {
		res.Relaxations = cfg.relaxations()
		events := r.events
		if !cfg.detail {
			events = append(r.callEvents(), events...)
		}
		res.Timeline = make([]Event, len(events))
		for i, e := range events {
			res.Timeline[i] = e.format()
		}
		sort.SliceStable(res.Timeline, func(i, j int) bool { return res.Timeline[i].At < res.Timeline[j].At })
	}
	res.points = r.points
	if cfg.detail {
		res.Points = r.points.Names()
	}
	res.Fails = r.fails.Names()
	res.Killer = r.killer
	return res
}

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
	var sample [1]metrics.Sample
	sample[0].Name = "/memory/classes/heap/objects:bytes"
	metrics.Read(sample[:])
	if sample[0].Value.Kind() == metrics.KindUint64 && sample[0].Value.Uint64() > r.cfg.maxHeap {
		return &Violation{Class: ClassLeak, Clause: ClauseLimits, Call: "the task",
			Got:  fmt.Sprintf("%d MiB of heap in use during the scenario", sample[0].Value.Uint64()>>20),
			Want: fmt.Sprintf("at most %d MiB (Limits)", r.cfg.maxHeap>>20)}
	}
	return nil
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
			// Without detail the bubble's id is not known: the verdict
			// stands, and the detailed rerun of a failing scenario finds
			// the goroutines.
			if r.bubble.Load() != 0 {
				leaked = r.bubbleGoroutines(dumpAll())
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
	r.mu.Lock()
	ended := r.phase.Load() == phaseEnded
	idle := r.inflight == 0
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
	} else if !ended && !idle {
		r.events = append(r.events, event{at: r.last, who: "harness",
			what: "deadlock: every goroutine blocked, some on a sync.Mutex or a channel from outside the bubble; virtual time cannot advance"})
	}
	r.mu.Unlock()
	res.Abandoned = fmt.Sprintf("%d goroutines of the bubble left blocked or running in this process", len(gs))
	if !busy && (ended || idle) {
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

// note adds an event to the timeline. A note with no who comes from a fault
// point; it goes to the lane of the call the goroutine runs. One from a
// goroutine outside the scenario's bubble is left out: autopoint's hook is
// one per process, so a goroutine an abandoned scenario left behind, or
// code outside any bubble, reaches this scenario's points too, and its
// clock is not the scenario's (outside a bubble it is decades ahead).
func (r *run) note(who, what string) {
	var id int64
	if who == "" && r.cfg.detail {
		var bubble int64
		id, bubble = currentGoroutine()
		if bubble == 0 || bubble != r.bubble.Load() {
			return
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if who == "" {
		who = "task"
		if c := r.byGoid[id]; c != nil {
			who = c.who
		}
	}
	r.events = append(r.events, event{at: r.nowLocked(), who: who, what: what})
}

// callEvents returns the starts and ends of the calls, in the order they
// happened, for a timeline of a scenario run without detail (which
// records the calls but not their events). Call with r.mu held.
func (r *run) callEvents() []event {
	type seqEvent struct {
		seq int64
		e   event
	}
	evs := make([]seqEvent, 0, 2*len(r.calls))
	for _, c := range r.calls {
		evs = append(evs, seqEvent{c.startSeq, event{at: c.start, who: c.who, call: c}})
		if c.endSeq != 0 {
			evs = append(evs, seqEvent{c.endSeq, event{at: c.end, who: c.who, call: c, ends: true}})
		}
	}
	sort.Slice(evs, func(i, j int) bool { return evs[i].seq < evs[j].seq })
	out := make([]event, len(evs))
	for i, e := range evs {
		out[i] = e.e
	}
	return out
}

// nowLocked returns the virtual time; call with r.mu held, in the bubble.
func (r *run) nowLocked() time.Duration {
	r.progress.Add(1)
	d := time.Since(r.t0)
	r.last = max(r.last, d)
	return d
}

func (r *run) signal() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// waitFor waits until cond (called with r.mu held) holds, or d of virtual
// time has passed.
//
// It wakes at least every clockStep of virtual time to publish the clock
// (r.clock), so that the watchdog can tell a task that polls, whose
// scenario advances tick by tick, from a busy loop, which stops the clock.
func (r *run) waitFor(cond func() bool, d time.Duration) {
	end := time.Now().Add(d)
	step := clockStepMin
	if r.timer == nil {
		r.timer = time.NewTimer(min(d, step))
	} else {
		r.timer.Reset(min(d, step))
	}
	timer := r.timer
	defer timer.Stop()
	for {
		r.progress.Add(1)
		r.clock.Store(int64(time.Since(r.t0)))
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-timer.C:
			left := time.Until(end)
			if left <= 0 {
				return
			}
			step = min(10*step, clockStep)
			if r.slow.Load() {
				step = clockStepMin
			}
			timer.Reset(min(left, step))
		}
	}
}

// waitFor publishes the clock after clockStepMin of virtual time, then
// every 10 times as long up to clockStep; every clockStepMin again once the
// scenario is slow (r.slow), as one whose clock advances in small ticks is.
const (
	clockStepMin = 10 * time.Millisecond
	clockStep    = time.Second
	slowAfter    = 5 * time.Millisecond // real time: a scenario past it is slow
)

// main is the body of the bubble: it plays the world, the clients and the
// teardown, then records what is left.
func (r *run) main() {
	if r.cfg.detail {
		_, bubble := currentGoroutine()
		r.bubble.Store(bubble)
	}
	r.mu.Lock()
	r.t0 = time.Now()
	r.changed = make(chan struct{}, 1)
	r.mu.Unlock()
	defer r.phase.Store(phaseEnded)

	// The process's notes are for timelines, which only detail wants:
	// without it they are not even formatted.
	var procNote sim.Note
	if r.cfg.detail {
		procNote = r.note
	}
	proc := sim.NewProcess(Pid, r.sc.Exit, r.sc.Signal, procNote)
	defer proc.Exit(r.sc.Exit.Status, "exits (harness cleanup)")
	task := r.build(proc)
	if task == nil {
		return
	}
	killer, _ := task.(Killer)
	r.mu.Lock()
	r.killer = killer != nil
	r.mu.Unlock()

	go r.monitor(task, proc)
	r.mu.Lock()
	r.actors = len(r.sc.Actors)
	if r.sc.Exit.After != faults.Never {
		r.planLocked(r.sc.Exit.After + r.lastDelivery() + r.cfg.grace)
	}
	r.mu.Unlock()
	for i, a := range r.sc.Actors {
		go r.actor(i, a, task, killer)
	}
	why := r.awaitClients()
	r.mu.Lock()
	r.tornDown = true
	r.mu.Unlock()
	r.note("teardown", "teardown begins"+why)

	// Teardown: the process exits, a lost exit is delivered, the task is
	// deleted, and everything gets time to end.
	r.fails.Disarm() // the fault has cleared: the teardown Delete must be able to succeed
	if len(r.sc.Fails) > 0 {
		r.note("teardown", "injected failures stop")
	}
	proc.Exit(r.sc.Exit.Status, "exits at teardown")
	if r.sc.Lost() {
		rec := &callRecord{who: "teardown", seq: 1, op: scenarios.Reap, teardown: true}
		status, _ := proc.Status()
		go r.reap(rec, task, Exit{Pid: Pid, Status: status})
	}
	r.waitFor(func() bool { return r.reaped }, r.lastDelivery()+r.cfg.grace)
	del := &callRecord{who: "teardown", seq: 1, op: scenarios.Delete, teardown: true,
		ctx: faults.Ctx{Kind: faults.Timeout, After: r.cfg.teardownCtx}}
	go func() {
		ctx, cancel := del.ctx.Context()
		defer cancel()
		r.invoke(del, func() (Exit, error) { return task.Delete(ctx) })
	}()
	r.waitFor(func() bool { return r.inflight == 0 }, r.cfg.teardownCtx+2*r.cfg.grace)
	time.Sleep(r.cfg.windDown)
	synctest.Wait()

	r.mu.Lock()
	defer r.mu.Unlock()
	r.judgedAt = r.nowLocked()
	r.judged = true
	if r.inflight > 0 && r.cfg.detail {
		r.dump = r.bubbleGoroutines(dumpAll())
	}
}

// awaitClients waits until every client has made its calls, and returns
// "" then. It stops waiting earlier once nothing the scenario planned can
// happen any more (see planLocked) and a grace period has passed since
// that and since the last call began or returned: the calls still in
// flight then wait for what only the teardown brings (an exit that never
// comes, a lost exit), and waiting on would cost a task that polls real
// time for every tick. The horizon caps the wait. It returns why it
// stopped early, for the timeline.
func (r *run) awaitClients() string {
	for {
		r.mu.Lock()
		now := time.Since(r.t0)
		quiet := max(r.planned, r.last) + r.cfg.grace
		done, inflight := r.actors == 0, r.inflight
		r.mu.Unlock()
		switch {
		case done:
			return ""
		case now >= r.cfg.horizon:
			return fmt.Sprintf(" at the horizon (%s), %d call(s) in flight", notation.FormatDuration(r.cfg.horizon), inflight)
		case now >= quiet:
			return fmt.Sprintf(": nothing planned is left, %d call(s) in flight wait for it", inflight)
		}
		r.waitFor(func() bool { return r.actors == 0 }, min(quiet, r.cfg.horizon)-now)
	}
}

// planLocked records that something planned may happen as late as t
// (virtual); call with r.mu held.
func (r *run) planLocked(t time.Duration) { r.planned = max(r.planned, t) }

// lastDelivery returns the latest delay of a planned delivery after the
// exit.
func (r *run) lastDelivery() time.Duration {
	var last time.Duration
	for _, d := range r.sc.Deliveries {
		last = max(last, d.After)
	}
	return last
}

// build makes the task, reporting a panic in the constructor.
func (r *run) build(proc *sim.Process) (task Task) {
	defer func() {
		if p := recover(); p != nil {
			r.mu.Lock()
			r.extra = append(r.extra, &Violation{Class: ClassPanic, Clause: ClauseNoPanic, Call: "NewTask",
				Got: fmt.Sprintf("panic: %v", p), Want: "a task", Evidence: trimStack(debug.Stack())})
			r.mu.Unlock()
			task = nil
		}
	}()
	point := r.points.Point
	if r.cfg.handOff {
		point = func(string) {}
	}
	task = r.newTask(Env{Process: signalRecorder{proc, r}, Point: point, Fail: r.fails.Fail})
	if task == nil {
		r.mu.Lock()
		r.extra = append(r.extra, &Violation{Class: ClassContract, Clause: "new-task", Call: "NewTask",
			Got: "nil", Want: "a task"})
		r.mu.Unlock()
	}
	return task
}

// signalRecorder is the process as the task sees it: every Signal is
// credited to the Kills in flight, for kill-delivers.
type signalRecorder struct {
	*sim.Process
	r *run
}

// Signal records sig for every Kill in flight, then delivers it. The exit
// it may cause, and that exit's deliveries, are planned events.
func (p signalRecorder) Signal(sig syscall.Signal) error {
	p.r.mu.Lock()
	p.r.planLocked(time.Since(p.r.t0) + p.r.sc.Signal.ExitAfter + p.r.lastDelivery() + p.r.cfg.grace)
	for _, c := range p.r.calls {
		if c.op == scenarios.Kill && c.endSeq == 0 {
			c.signalled = append(c.signalled, sig)
		}
	}
	p.r.mu.Unlock()
	return p.Process.Signal(sig)
}

// Keys of the harness's sleepers (sleepOrdered): at one instant the
// monitor's deliveries go on first, in the plan's order, then the clients,
// client1 first.
const (
	keyDelivery = 0
	keyClient   = 1 << 16
)

// sleepOrdered sleeps d of virtual time, then goes on in the order of key
// among the harness's sleepers woken at the same instant, and returns
// what releases the next of them: the caller calls it once, as soon as it
// has recorded what it starts (invoke does, through callRecord.release).
// synctest wakes a bubble's timers due at the same instant in a random
// order, on purpose; the scenario's own events (clients' calls,
// deliveries) must not be, or a scenario that failed would replay another
// way. Each sleeper registers for its instant before it sleeps; the last
// to wake releases the first in key order, and each released one releases
// the next once its call has begun: on one processor the next runs once
// this one blocks (the scheduler's next goroutine is the last one
// readied), with no yield in between that would go through the global run
// queue, whose turn depends on a tick count the scenario does not decide.
// Timers of the task's own, and the process's and the contexts', are not
// ordered.
func (r *run) sleepOrdered(d time.Duration, key int) (release func()) {
	if d <= 0 {
		return nothing
	}
	r.mu.Lock()
	at := time.Since(r.t0) + d
	if i := r.instantLocked(at); i >= 0 {
		r.wakeups[i].due++
	} else {
		r.wakeups = append(r.wakeups, instant{at: at, due: 1})
	}
	r.mu.Unlock()
	time.Sleep(d)
	r.mu.Lock()
	i := r.instantLocked(at)
	in := &r.wakeups[i]
	if in.due == 1 { // alone at its instant: no order to keep
		r.wakeups = slices.Delete(r.wakeups, i, i+1)
		r.mu.Unlock()
		return nothing
	}
	me := &waking{key: key, go_: make(chan struct{})}
	in.arrived = append(in.arrived, me)
	var order []*waking
	if len(in.arrived) == in.due {
		order = in.arrived
		r.wakeups = slices.Delete(r.wakeups, i, i+1)
	}
	r.mu.Unlock()
	if order != nil {
		slices.SortFunc(order, func(a, b *waking) int { return a.key - b.key })
		for i := range order[1:] {
			order[i].next = order[i+1]
		}
		close(order[0].go_)
	}
	<-me.go_
	if me.next == nil {
		return nothing
	}
	return func() { close(me.next.go_) }
}

// nothing is a release with nothing to release.
var nothing = func() {}

// instantLocked returns the index in r.wakeups of the instant at, or -1.
func (r *run) instantLocked(at time.Duration) int {
	return slices.IndexFunc(r.wakeups, func(in instant) bool { return in.at == at })
}

// monitor plays the monitor: once the process exits it makes the planned
// deliveries (none if the exit is lost; teardown delivers it then).
func (r *run) monitor(task Task, proc *sim.Process) {
	<-proc.Done()
	status, _ := proc.Status()
	for i, d := range r.sc.Deliveries {
		st := status
		if d.Status != faults.StatusReal {
			st = d.Status
		}
		rec := &callRecord{who: "monitor", seq: i + 1, op: scenarios.Reap}
		go func() {
			rec.release = r.sleepOrdered(d.After, keyDelivery+i)
			r.reap(rec, task, Exit{Pid: proc.Pid(), Status: st})
		}()
	}
}

func (r *run) reap(rec *callRecord, task Task, e Exit) {
	rec.reapExit = e
	r.invoke(rec, func() (Exit, error) { task.Reap(e); return Exit{}, nil })
}

// actor plays one client, making its calls in order.
func (r *run) actor(idx int, a scenarios.Actor, task Task, killer Killer) {
	name := scenarios.ActorName(idx)
	defer func() {
		r.mu.Lock()
		r.actors--
		r.mu.Unlock()
		r.signal()
	}()
	for i, c := range a.Calls {
		release := nothing
		if c.Delay > 0 {
			r.mu.Lock()
			r.planLocked(time.Since(r.t0) + c.Delay)
			r.mu.Unlock()
			release = r.sleepOrdered(c.Delay, keyClient+idx)
		}
		rec := &callRecord{who: name, seq: i + 1, op: c.Op, ctx: c.Ctx, release: release}
		ctx, cancel := rec.ctx.Context()
		switch c.Op {
		case scenarios.Wait:
			r.invoke(rec, func() (Exit, error) { return task.Wait(ctx) })
		case scenarios.Delete:
			r.invoke(rec, func() (Exit, error) { return task.Delete(ctx) })
		case scenarios.Kill:
			if killer == nil {
				r.note(name, "kill skipped: the task does not implement Killer")
				break
			}
			rec.signal = c.Signal
			r.invoke(rec, func() (Exit, error) { return Exit{}, killer.Kill(ctx, c.Signal) })
		default:
			r.note(name, fmt.Sprintf("%s skipped: clients do not make this call", c.Op))
		}
		rec.releaseNext() // a skipped call releases the next as well
		cancel()
		r.mu.Lock()
		stuck := !rec.returned && rec.startSeq != 0
		r.mu.Unlock()
		if stuck { // a Goexit or panic ended the call without a return
			return
		}
	}
}

// invoke makes one call, recording its start, its end or panic, and the
// goroutine it runs on.
func (r *run) invoke(rec *callRecord, call func() (Exit, error)) {
	var id int64
	if r.cfg.detail {
		id, _ = currentGoroutine()
	}
	r.mu.Lock()
	rec.goid = id
	rec.start = r.nowLocked()
	rec.startSeq = r.seq.Add(1)
	rec.ctxDone = never
	if d := rec.ctx.Done(); d != faults.Never {
		rec.ctxDone = rec.start + d
		r.planLocked(rec.ctxDone + r.cfg.grace)
	}
	switch {
	case rec.op == scenarios.Reap:
		r.planLocked(rec.start + r.cfg.grace)
	case rec.op == scenarios.Kill && r.cfg.killBound > 0:
		r.planLocked(rec.start + r.cfg.killBound + r.cfg.grace)
	}
	if id != 0 {
		r.byGoid[id] = rec
	}
	r.calls = append(r.calls, rec)
	r.inflight++
	if r.cfg.detail { // else callEvents makes them from r.calls if a timeline is wanted
		r.events = append(r.events, event{at: rec.start, who: rec.who, call: rec})
	}
	r.mu.Unlock()
	rec.releaseNext() // the next call due at this instant may begin

	var exit Exit
	var err error
	normal := false
	defer func() {
		p := recover()
		var stack, panicText, errText string
		var esrch bool
		if p != nil {
			stack = trimStack(debug.Stack())
			panicText = fmt.Sprint(p)
		}
		// The implementation's values are turned into text here, on its
		// own goroutine: the watchdog judges under r.mu, and must not call
		// into code that might block on the task's state.
		if err != nil {
			errText, esrch = err.Error(), errors.Is(err, syscall.ESRCH)
		}
		r.mu.Lock()
		rec.end = r.nowLocked()
		rec.endSeq = r.seq.Add(1)
		switch {
		case p != nil:
			rec.panicked, rec.panicValue, rec.panicStack = true, panicText, stack
		case !normal:
			rec.goexit = true
		default:
			rec.returned, rec.exit, rec.err, rec.errText, rec.esrch = true, exit, err, errText, esrch
			if rec.op == scenarios.Reap {
				r.reaped = true
			}
		}
		r.inflight--
		if r.cfg.detail {
			r.events = append(r.events, event{at: rec.end, who: rec.who, call: rec, ends: true})
		}
		r.mu.Unlock()
		r.signal()
	}()
	exit, err = call()
	normal = true
}
