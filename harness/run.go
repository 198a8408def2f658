package harness

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
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
	// abandoned is set by the watchdog when it gives up on the scenario
	// (abandon): its main then never returns (holdIfAbandoned).
	abandoned atomic.Bool

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
	// reapRank and clientRank order the deliveries and the clients at a
	// shared instant (sleepOrdered), from the scenario's order
	// (Scenario.Ranks); read-only once the bubble starts.
	reapRank, clientRank []int
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
	if len(sc.ChildFirst) > 0 {
		firsts := make([]sim.GoPass, len(sc.ChildFirst))
		for i, g := range sc.ChildFirst {
			firsts[i] = sim.GoPass{Name: g.Name, Hit: g.Hit}
		}
		r.points.ChildFirst(firsts, bubbleOf)
	}
	r.reapRank, r.clientRank = sc.Ranks()
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
	if res.Failed() {
		settleHelpers() // a helper of no scenario may not have done its part yet (helpers.go)
	}
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
	if cfg.scale.stats != nil {
		cfg.scale.stats.observe(r) // a soak's counts (soak.go)
	}
	return res
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
	defer r.holdIfAbandoned()
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

// abandonedHold is what the main of an abandoned scenario waits on: a
// channel made outside every bubble, so that the wait is not durable and
// testing/synctest never calls the bubble deadlocked. Only the harness's
// own tests close it (releaseAbandoned), for good, to end the bubbles
// they abandoned on purpose before their test returns.
var (
	abandonedHold    = make(chan struct{})
	abandonedRelease sync.Once
)

// releaseAbandoned lets the mains of abandoned scenarios return, from now
// on.
func releaseAbandoned() { abandonedRelease.Do(func() { close(abandonedHold) }) }

// holdIfAbandoned keeps the main of a scenario the watchdog abandoned from
// returning, should the scenario come unstuck later (a bomb whose
// allocation ends, a lock finally released): the bubble's synctest.Test
// would then end a subtest of a test that has long returned, which the
// race detector reports as a race inside package testing (its subtest's
// setRan against runTests), and which a child under -race took for the
// task's data race. The goroutine is left, as the abandoned scenario's
// others are.
func (r *run) holdIfAbandoned() {
	if r.abandoned.Load() {
		<-abandonedHold
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
		r.extra = append(r.extra, &Violation{Class: ClassContract, Clause: ClauseNewTask, Call: "NewTask",
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

// sleepOrdered sleeps d of virtual time, then goes on in the order of key
// among the harness's sleepers woken at the same instant (their ranks in
// the scenario's order, Scenario.Ranks: by default the monitor's
// deliveries first, in the plan's order, then the clients, client1
// first), and returns
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
			rec.release = r.sleepOrdered(d.After, r.reapRank[i])
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
			release = r.sleepOrdered(c.Delay, r.clientRank[idx])
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
