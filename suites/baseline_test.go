package suites_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// The baseline: the stress loop a team writes today without a harness, to
// compare reaptest against. It is meant to be a fair, competent version:
//
//   - the same fault kinds as reaptest's fault model: the process exits by
//     itself after 0..50ms or never, a heeded signal makes it exit
//     (128+sig), SIGTERM may be ignored, a signal after the exit fails with
//     ESRCH; the monitor reaps once, twice or three times (duplicates as
//     137 or 143, concurrent when their delays match), late, or loses the
//     exit, which is then delivered at the end; one to four clients make
//     one to three calls each (Wait, Delete, Kill when the task can), after
//     real time.Sleep delays, with a background context, a real deadline,
//     a cancellation after a delay, or an already cancelled one;
//   - the fault points yield (runtime.Gosched), which helps it find races:
//     no handicap;
//   - recover() around every call; a real-time bound per call to call it a
//     hang (its ctx's end + grace, or grace after the exit was reaped, for
//     Reap grace after it began), with the same 100ms grace as reaptest;
//   - the same result contract, in simplified form: no Wait or Delete
//     succeeds before any Reap began, every successful Wait and Delete
//     reports the same exit (the first Reap's, when it returned before
//     another began: a duplicate does not change it), a Wait that starts
//     after the exit was reaped (and before a Delete succeeded) gets it,
//     and the final Delete succeeds;
//   - at the end it delivers a lost exit, deletes, and calls goleak.Find
//     against a snapshot taken when the iteration began (goroutines stuck
//     in earlier iterations are not this one's leak);
//   - iterations repeat, sequentially, until the first failure (fail fast:
//     the time of the first failure is what is measured) or the budget.
//
// What it cannot do is what a harness adds: virtual time (every delay and
// deadline is slept for real), seeing a deadlock before its real-time
// bound, choosing interleavings, and shrinking to a minimal scenario.
var (
	baselineBudget     = flag.Duration("baseline.budget", 3*time.Second, "bench: the baseline's wall-time budget per seed")
	baselineIterations = flag.Int("baseline.iterations", 2000, "bench: the baseline's iteration budget per seed")
)

const (
	stressGrace   = 100 * time.Millisecond // how late a call may return past its bound
	stressHorizon = 100 * time.Millisecond // when an iteration's end (teardown) comes at the latest
	stressCap     = 5 * time.Second        // safety net: an iteration never takes longer
)

// stressUntilFailure runs stress iterations against tasks from newTask, with
// the randomness seeded by seed, until one fails or the budget (wall time or
// iterations) is spent.
func stressUntilFailure(newTask harness.NewTask, seed uint64, budget time.Duration, maxIters int) sample {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	start := time.Now()
	for i := 1; i <= maxIters && time.Since(start) < budget; i++ {
		if at, err := stressIteration(rng, newTask); err != nil {
			var sf *stressFailure
			class := ""
			if errors.As(err, &sf) {
				class = sf.class
			}
			d := at.Sub(start)
			return sample{Found: true, Class: class, Scenarios: i, Detect: d, Report: d}
		}
	}
	return sample{}
}

// stressFailure is what an iteration found.
type stressFailure struct {
	class string // panic, hang, leak, contract
	what  string
}

func (f *stressFailure) Error() string { return f.class + ": " + f.what }

// Drawn values, the same sets as reaptest's generator (a 200ms late delivery
// is 50ms here: a stress loop sleeps for real, so it keeps delays short).
var (
	stressExitAfters   = []time.Duration{0, time.Millisecond, 3 * time.Millisecond, 10 * time.Millisecond, 50 * time.Millisecond, -1}
	stressStatuses     = []int{0, 1, 2, 137, 255}
	stressSignalAfters = []time.Duration{0, time.Millisecond, 10 * time.Millisecond}
	stressDeliveries   = []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond}
	stressDupStatuses  = []int{-1, 137, 143} // -1: the real status
	stressCallDelays   = []time.Duration{0, time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond}
	stressCtxAfters    = []time.Duration{time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond}
)

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

type ctxKind int

const (
	ctxBackground ctxKind = iota
	ctxTimeout
	ctxCancelAfter
	ctxCancelled
)

type stressCall struct {
	op    string // Wait, Delete, Kill
	delay time.Duration
	ctx   ctxKind
	after time.Duration
	sig   syscall.Signal
}

// stressProc is a process on real time: it exits after a real delay, on a
// heeded signal, or when told to.
type stressProc struct {
	ignoreTerm bool
	sigAfter   time.Duration
	done       chan struct{}

	mu     sync.Mutex
	exited bool          // guarded by mu
	status int           // guarded by mu
	timers []*time.Timer // guarded by mu
}

func newStressProc(after time.Duration, status int, ignoreTerm bool, sigAfter time.Duration) *stressProc {
	p := &stressProc{ignoreTerm: ignoreTerm, sigAfter: sigAfter, done: make(chan struct{})}
	if after >= 0 {
		p.mu.Lock()
		p.timers = append(p.timers, time.AfterFunc(after, func() { p.exit(status) }))
		p.mu.Unlock()
	}
	return p
}

func (p *stressProc) Pid() int { return harness.Pid }

func (p *stressProc) Signal(sig syscall.Signal) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return fmt.Errorf("signal %d to pid %d: %w", int(sig), harness.Pid, syscall.ESRCH)
	}
	if sig != syscall.SIGKILL && p.ignoreTerm {
		return nil
	}
	status := 128 + int(sig)
	p.timers = append(p.timers, time.AfterFunc(p.sigAfter, func() { p.exit(status) }))
	return nil
}

// exit makes the process exit with status unless it already has.
func (p *stressProc) exit(status int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.exited {
		return
	}
	p.exited, p.status = true, status
	for _, t := range p.timers {
		t.Stop()
	}
	p.timers = nil
	close(p.done)
}

func (p *stressProc) exitStatus() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.status
}

// outcome is what one call did.
type outcome struct {
	exit     harness.Exit
	err      error
	panicked bool
	value    any
	hang     string // why a call that did not return is a hang
}

// stressRun is one iteration in flight.
type stressRun struct {
	task   harness.Task
	proc   *stressProc
	reaped chan struct{} // closed when the first Reap returns
	failed chan struct{} // closed at the first failure
	stop   chan struct{} // closed when the iteration ends: drivers start nothing new

	mu        sync.Mutex
	err       error         // guarded by mu; the first failure
	failedAt  time.Time     // guarded by mu
	reapBegan bool          // guarded by mu
	reaps     int           // guarded by mu; Reaps begun
	first     *harness.Exit // guarded by mu; the exit of the first Reap to return
	firstSure bool          // guarded by mu; it returned before any other Reap began
	deleted   bool          // guarded by mu; a Delete succeeded
	seen      *harness.Exit // guarded by mu; the first exit a Wait or Delete returned
}

func (r *stressRun) fail(class, format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return
	}
	r.err = &stressFailure{class: class, what: fmt.Sprintf(format, args...)}
	r.failedAt = time.Now()
	close(r.failed)
}

// hasFailed reports whether the iteration has failed.
func (r *stressRun) hasFailed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != nil
}

// call runs f on a goroutine of its own, recovering a panic, and waits for
// it: at most limit (if limit >= 0), and, if afterReap, at most grace past
// the moment the exit was reaped (or the call began, if later). It reports
// false for a hang. It never waits unboundedly: a Reap that does not return
// fails the iteration, which closes r.stop.
func (r *stressRun) call(f func() (harness.Exit, error), limit time.Duration, afterReap bool) (outcome, bool) {
	start := time.Now()
	ch := make(chan outcome, 1) // a hung call's goroutine never blocks on it
	go func() {
		var o outcome
		defer func() {
			if p := recover(); p != nil {
				o = outcome{panicked: true, value: p}
			}
			ch <- o
		}()
		o.exit, o.err = f()
	}()
	var deadline <-chan time.Time
	if limit >= 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		deadline = t.C
	}
	var reaped <-chan struct{}
	if afterReap {
		reaped = r.reaped
	}
	var grace <-chan time.Time
	for {
		select {
		case o := <-ch:
			return o, true
		case <-reaped:
			reaped = nil
			t := time.NewTimer(stressGrace)
			defer t.Stop()
			grace = t.C
		case <-deadline:
			return outcome{hang: fmt.Sprintf("still blocked %v after it began, bound %v", time.Since(start).Round(time.Millisecond), limit)}, false
		case <-grace:
			return outcome{hang: fmt.Sprintf("still blocked %v after the exit was reaped (%v after it began)", stressGrace, time.Since(start).Round(time.Millisecond))}, false
		case <-r.stop: // the iteration has already failed
			return outcome{}, false
		}
	}
}

// reap delivers e to the task, as the monitor does.
func (r *stressRun) reap(who string, e harness.Exit) {
	r.mu.Lock()
	r.reapBegan = true
	r.reaps++
	r.mu.Unlock()
	o, ok := r.call(func() (harness.Exit, error) { r.task.Reap(e); return harness.Exit{}, nil }, stressGrace, false)
	switch {
	case !ok:
		r.fail("hang", "%s Reap(%v): %s", who, e, o.hang)
		return
	case o.panicked:
		r.fail("panic", "%s Reap(%v) panicked: %v", who, e, o.value)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.first == nil {
		r.first = &e
		r.firstSure = r.reaps == 1
		close(r.reaped)
	}
}

// check judges an exit a Wait or Delete returned with a nil error, and
// returns what is wrong with it, or "". Call with r.mu held.
func (r *stressRun) check(what string, e harness.Exit) string {
	switch {
	case !r.reapBegan:
		return fmt.Sprintf("%s succeeded with %v before any Reap began", what, e)
	case e.Pid != harness.Pid:
		return fmt.Sprintf("%s returned %v: wrong pid", what, e)
	case r.firstSure && e != *r.first:
		return fmt.Sprintf("%s returned %v, want the first Reap's %v", what, e, *r.first)
	case r.seen != nil && e != *r.seen:
		return fmt.Sprintf("%s returned %v, an earlier call %v", what, e, *r.seen)
	case r.seen == nil:
		r.seen = &e
	}
	return ""
}

// client makes its calls in turn.
func (r *stressRun) client(name string, calls []stressCall) {
	for i, c := range calls {
		select {
		case <-r.stop:
			return
		case <-time.After(c.delay):
		}
		select {
		case <-r.stop:
			return
		default:
		}
		var ctx context.Context
		var cancel context.CancelFunc
		stopTimer := func() bool { return false }
		limit := time.Duration(-1)
		switch c.ctx {
		case ctxBackground:
			ctx, cancel = context.WithCancel(context.Background())
		case ctxTimeout:
			ctx, cancel = context.WithTimeout(context.Background(), c.after)
			limit = c.after + stressGrace
		case ctxCancelAfter:
			ctx, cancel = context.WithCancel(context.Background())
			stopTimer = time.AfterFunc(c.after, cancel).Stop
			limit = c.after + stressGrace
		case ctxCancelled:
			ctx, cancel = context.WithCancel(context.Background())
			cancel()
			limit = stressGrace
		}
		what := fmt.Sprintf("%s call %d: %s(ctx=%d/%v)", name, i+1, c.op, c.ctx, c.after)
		r.mu.Lock()
		reapedBefore, deletedBefore := r.first != nil, r.deleted
		r.mu.Unlock()
		ctxDoneBefore := ctx.Err() != nil

		var o outcome
		var ok bool
		switch c.op {
		case "Wait":
			o, ok = r.call(func() (harness.Exit, error) { return r.task.Wait(ctx) }, limit, true)
		case "Delete":
			o, ok = r.call(func() (harness.Exit, error) { return r.task.Delete(ctx) }, limit, true)
		case "Kill":
			k := r.task.(harness.Killer)
			o, ok = r.call(func() (harness.Exit, error) { return harness.Exit{}, k.Kill(ctx, c.sig) }, limit, true)
		}
		stopTimer()
		cancel()
		switch {
		case !ok:
			r.fail("hang", "%s: %s", what, o.hang)
			return
		case o.panicked:
			r.fail("panic", "%s panicked: %v", what, o.value)
			return
		case c.op == "Kill":
			continue
		}
		r.mu.Lock()
		wrong := ""
		if o.err == nil {
			wrong = r.check(what, o.exit)
			if c.op == "Delete" {
				r.deleted = true
			}
		} else if c.op == "Wait" && reapedBefore && !deletedBefore && !r.deleted && !ctxDoneBefore {
			wrong = fmt.Sprintf("%s began after the exit was reaped, returned %v", what, o.err)
		}
		r.mu.Unlock()
		if wrong != "" {
			r.fail("contract", "%s", wrong)
			return
		}
	}
}

// stressIteration runs one randomized iteration against a fresh task and
// returns its first failure, if any, and when it was seen.
func stressIteration(rng *rand.Rand, newTask harness.NewTask) (time.Time, error) {
	ignore := goleak.IgnoreCurrent()

	proc := newStressProc(pick(rng, stressExitAfters), pick(rng, stressStatuses), rng.IntN(2) == 0, pick(rng, stressSignalAfters))
	defer proc.exit(137)
	r := &stressRun{proc: proc, reaped: make(chan struct{}), failed: make(chan struct{}), stop: make(chan struct{})}
	r.task = newTask(harness.Env{Process: proc, Point: func(string) { runtime.Gosched() }})
	_, killer := r.task.(harness.Killer)

	var deliveries []time.Duration // empty: the exit is lost
	var statuses []int
	if rng.IntN(8) != 7 {
		for i := range 1 + rng.IntN(3) {
			deliveries = append(deliveries, pick(rng, stressDeliveries))
			st := -1
			if i > 0 {
				st = pick(rng, stressDupStatuses)
			}
			statuses = append(statuses, st)
		}
	}
	ops := []string{"Wait", "Delete"}
	if killer {
		ops = append(ops, "Kill")
	}
	clients := make([][]stressCall, 1+rng.IntN(4))
	for i := range clients {
		for range 1 + rng.IntN(3) {
			c := stressCall{op: pick(rng, ops), delay: pick(rng, stressCallDelays), ctx: ctxKind(rng.IntN(4))}
			if c.ctx == ctxTimeout || c.ctx == ctxCancelAfter {
				c.after = pick(rng, stressCtxAfters)
			}
			c.sig = syscall.SIGTERM
			if rng.IntN(2) == 0 {
				c.sig = syscall.SIGKILL
			}
			clients[i] = append(clients[i], c)
		}
	}

	// The drivers: the clients and the monitor. Each of their waits is
	// bounded, so they end once r.stop is closed.
	var drivers, clientsWG sync.WaitGroup
	for i, calls := range clients {
		clientsWG.Add(1)
		drivers.Go(func() {
			defer clientsWG.Done()
			r.client(fmt.Sprintf("client%d", i+1), calls)
		})
	}
	drivers.Go(func() {
		select {
		case <-proc.done:
		case <-r.stop:
			return
		}
		var wg sync.WaitGroup
		for i, after := range deliveries {
			wg.Go(func() {
				select {
				case <-time.After(after):
				case <-r.stop:
					return
				}
				st := statuses[i]
				if st < 0 {
					st = proc.exitStatus()
				}
				r.reap(fmt.Sprintf("monitor#%d", i+1), harness.Exit{Pid: harness.Pid, Status: st})
			})
		}
		wg.Wait()
	})
	finish := func() (time.Time, error) {
		close(r.stop)
		drivers.Wait() // bounded: every wait in a driver is
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.failedAt, r.err
	}
	all := make(chan struct{})
	go func() { drivers.Wait(); close(all) }()
	clientsDone := make(chan struct{})
	go func() { clientsWG.Wait(); close(clientsDone) }()

	// The end: once the clients are done, at the horizon at the latest, the
	// process exits and a lost exit is delivered.
	horizon := time.NewTimer(stressHorizon)
	defer horizon.Stop()
	select {
	case <-clientsDone:
	case <-horizon.C:
	case <-r.failed:
	}
	if r.hasFailed() {
		return finish()
	}
	proc.exit(137)
	if len(deliveries) == 0 {
		r.reap("teardown", harness.Exit{Pid: harness.Pid, Status: proc.exitStatus()})
	}
	safety := time.NewTimer(stressCap)
	defer safety.Stop()
	select {
	case <-all:
	case <-r.failed:
	case <-safety.C:
		r.fail("hang", "the iteration did not end within %v", stressCap)
	}
	if r.hasFailed() { // select picks at random among ready cases: look again
		return finish()
	}

	// Teardown: the task is deleted (the exit was reaped: it must succeed
	// promptly), then no goroutine of this iteration may remain.
	const teardownCtx = 10 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), teardownCtx)
	o, ok := r.call(func() (harness.Exit, error) { return r.task.Delete(ctx) }, teardownCtx+stressGrace, true)
	cancel()
	switch {
	case !ok:
		r.fail("hang", "teardown Delete: %s", o.hang)
	case o.panicked:
		r.fail("panic", "teardown Delete panicked: %v", o.value)
	case o.err != nil:
		r.fail("contract", "teardown Delete after the exit was reaped failed: %v", o.err)
	default:
		r.mu.Lock()
		wrong := r.check("teardown Delete", o.exit)
		r.mu.Unlock()
		if wrong != "" {
			r.fail("contract", "%s", wrong)
		}
	}
	if at, err := finish(); err != nil {
		return at, err
	}
	if err := goleak.Find(ignore); err != nil {
		return time.Now(), &stressFailure{class: "leak", what: err.Error()}
	}
	return time.Time{}, nil
}

// BenchmarkBaselineReference runs the baseline stress loop on the reference
// implementation: its throughput (iterations/s) and memory per iteration,
// to set beside BenchmarkCheckReference; and a check that the baseline
// reports nothing on a correct task (no false alarms).
func BenchmarkBaselineReference(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 0x5eed))
	var bytes, allocs uint64
	b.ResetTimer()
	for range b.N {
		var err error
		by, al := memDelta(func() { _, err = stressIteration(rng, catalog.NewReference) })
		bytes += by
		allocs += al
		if err != nil {
			b.Fatalf("the baseline failed on the reference: %v", err)
		}
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(n/b.Elapsed().Seconds(), "iterations/s")
	b.ReportMetric(float64(bytes)/n, "B/iteration")
	b.ReportMetric(float64(allocs)/n, "allocs/iteration")
}
