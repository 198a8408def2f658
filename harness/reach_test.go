package harness_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites"
	"github.com/reaptest/reaptest/suites/catalog"
)

// crowdTask is correct on every path but one that few scenarios take: a
// Reap that finds two or more Deletes waiting for the exit hands it over
// on a path of its own, which (with bug set) checks reaped under mu, lets
// go, and re-locks to record the exit and close exited, so two concurrent
// Reaps can both pass the check (close of closed channel). Its fault
// point "reap:crowd", inside that window, is reached only on that path:
// the named and warm-up scenarios never take it, so a check learns it
// while exploring, or never draws a fault there.
type crowdTask struct {
	env      harness.Env
	bug      bool
	exited   chan struct{} // closed once, by the first Reap to record the exit
	mu       sync.Mutex
	exit     harness.Exit // guarded by mu
	reaped   bool         // guarded by mu
	deleting int          // guarded by mu; Deletes waiting for the exit
}

func newCrowdTask(bug bool) harness.NewTask {
	return func(env harness.Env) harness.Task {
		return &crowdTask{env: env, bug: bug, exited: make(chan struct{})}
	}
}

func (t *crowdTask) Reap(e harness.Exit) {
	t.env.Point("reap:start")
	t.mu.Lock()
	if t.deleting < 2 || !t.bug {
		defer t.mu.Unlock()
		if !t.reaped {
			t.reaped, t.exit = true, e
			close(t.exited)
		}
		if t.deleting >= 2 {
			t.env.Point("reap:crowd") // the same point, on the fixed path
		}
		return
	}
	done := t.reaped
	t.mu.Unlock()
	// BUG: another Reap can pass the same check here.
	t.env.Point("reap:crowd")
	if done {
		return
	}
	t.mu.Lock()
	t.reaped, t.exit = true, e
	t.mu.Unlock()
	close(t.exited)
}

func (t *crowdTask) await(ctx context.Context, op string) (harness.Exit, error) {
	return awaitExit(ctx, op, t.exited, &t.mu, &t.exit)
}

func (t *crowdTask) Wait(ctx context.Context) (harness.Exit, error) { return t.await(ctx, "wait") }

func (t *crowdTask) Delete(ctx context.Context) (harness.Exit, error) {
	t.mu.Lock()
	t.deleting++
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		t.deleting--
		t.mu.Unlock()
	}()
	return t.await(ctx, "delete")
}

// A point first reached while exploring joins the draws: crowdTask's
// window, on a path about one scenario in ten takes and that neither the
// named scenarios nor the warm-up take, is found in at least 19 of 20
// checks with the default budget, as a panic (before, a fault was never
// drawn there: the draw list was the prelude's). Fixed, the same path
// passes, and the summary counts the point reached and faulted.
func TestLearnWhileExploring(t *testing.T) {
	var shape scenarios.Shape
	if !testrun.WithBubble(func(bubble harness.Bubble) {
		shape, _ = harness.LearnShape(bubble, newCrowdTask(true))
	}) {
		t.Fatal("learning the shape failed")
	}
	if slices.Contains(shape.Points, "reap:crowd") {
		t.Fatalf("the prelude reached reap:crowd (points %q): the test needs a point first reached while exploring", shape.Points)
	}
	const runs = 20
	found, misses := countFound(t, runs, newCrowdTask(true), harness.ClassPanic)
	t.Logf("found %d of %d", len(found), runs)
	if len(found) < runs-1 {
		t.Errorf("found in %d of %d checks, want at least %d; missed: %s", len(found), runs, runs-1, strings.Join(misses, "; "))
	}
	f, cov := check(t, newCrowdTask(false))
	if f != nil {
		t.Fatalf("the fixed task failed:\n%s", f.Error())
	}
	if cov.HandPoints != 2 || cov.Faulted != 2 || !strings.Contains(cov.String(), "faults fired at 2 of the 2 reached") {
		t.Errorf("coverage %+v (%s): want 2 hand points reached, both faulted", cov, cov)
	}
}

// countFound runs runs fresh checks of newTask (no corpus, rapid writing
// no fail file and reading none: each run has a name of its own) and
// returns the failures of class want, and a line about each other run.
func countFound(t *testing.T, runs int, newTask harness.NewTask, want harness.Class, opts ...harness.Option) (found []*harness.Failure, misses []string) {
	t.Helper()
	noFailFiles(t)
	for i := range runs {
		var cov harness.Coverage
		o := append([]harness.Option{harness.Corpus(""), harness.OnExplored(func(c harness.Coverage) { cov = c })}, opts...)
		f := harness.Check(fmt.Sprintf("%s#%d", t.Name(), i), suites.Bubble(t), newTask, o...)
		if f != nil && f.Primary().Class == want {
			found = append(found, f)
			continue
		}
		what := "passed"
		if f != nil {
			what = fmt.Sprintf("%s [%s]", f.Primary().Class, f.Primary().Clause)
		}
		misses = append(misses, fmt.Sprintf("run %d: %s (%s)", i, what, cov))
	}
	return found, misses
}

// exitLog is the catalog's reference with a log of the exits delivered,
// sized for the three a monitor was thought to send at most (or four):
// Reap writes each exit into the next slot before it records it, so the
// (n+1)-th delivery indexes past the log and panics.
type exitLog struct {
	harness.Task
	mu    sync.Mutex
	exits []harness.Exit // guarded by mu; len n
	next  int            // guarded by mu
}

func newExitLog(n int) harness.NewTask {
	return func(env harness.Env) harness.Task {
		return &exitLog{Task: catalog.NewReference(env), exits: make([]harness.Exit, n)}
	}
}

func (t *exitLog) Reap(e harness.Exit) {
	t.log(e)
	t.Task.Reap(e)
}

func (t *exitLog) log(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.exits[t.next] = e // BUG: no room past n deliveries
	t.next++
}

// The exit is delivered up to five times: a Reap that fails at the 4th
// delivery, or at the 5th, is found as a panic in at least 19 of 20 fresh
// checks (deliveries were capped at three before, and neither was ever
// drawn), and the minimized scenario keeps exactly that many deliveries.
func TestFourthAndFifthDelivery(t *testing.T) {
	for _, n := range []int{3, 4} {
		const runs = 20
		found, misses := countFound(t, runs, newExitLog(n), harness.ClassPanic)
		for _, f := range found {
			if got := len(f.Scenario.Deliveries); got != n+1 {
				t.Errorf("log of %d: the minimized scenario has %d deliveries, want %d\n%s", n, got, n+1, f.Scenario)
			}
		}
		t.Logf("log of %d: found %d of %d", n, len(found), runs)
		if len(found) < runs-1 {
			t.Errorf("log of %d: found in %d of %d checks, want at least %d; missed: %s", n, len(found), runs, runs-1, strings.Join(misses, "; "))
		}
	}
}

// pendingKill is containerd #10589's shape with no latency in the window:
// Kill marks itself pending while it signals, a Reap that comes meanwhile
// queues its exit for Kill to apply, and Kill's error path (the signal
// failed: the process had exited) drops the queue, so the exit is lost
// and every later Wait and Delete hangs. Deliveries run before clients
// due at the same instant, so it takes two yields: the Reap's before it
// locks (letting Kill mark itself pending and signal), and Kill's before
// it re-locks (letting the Reap queue). With fixed set the error path
// applies the queue too.
type pendingKill struct {
	env     harness.Env
	fixed   bool
	exited  chan struct{} // closed by the first exit recorded
	mu      sync.Mutex
	exit    harness.Exit   // guarded by mu
	reaped  bool           // guarded by mu
	pending int            // guarded by mu; Kills signalling
	queued  []harness.Exit // guarded by mu; exits that came while a Kill signalled
}

func newPendingKill(fixed bool) harness.NewTask {
	return func(env harness.Env) harness.Task {
		return &pendingKill{env: env, fixed: fixed, exited: make(chan struct{})}
	}
}

// record records e if no exit was; call with mu held.
func (t *pendingKill) record(e harness.Exit) {
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *pendingKill) Reap(e harness.Exit) {
	t.env.Point("reap:lock")
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.pending > 0 {
		t.queued = append(t.queued, e)
		return
	}
	t.record(e)
}

func (t *pendingKill) Kill(ctx context.Context, sig syscall.Signal) error {
	t.env.Point("kill:lock")
	t.mu.Lock()
	t.pending++
	t.mu.Unlock()
	err := t.env.Process.Signal(sig)
	t.env.Point("kill:relock")
	t.mu.Lock()
	defer t.mu.Unlock()
	t.pending--
	if err != nil && !t.fixed {
		t.queued = nil // BUG: the exits queued while signalling are dropped
		return fmt.Errorf("kill: %w", err)
	}
	for _, e := range t.queued {
		t.record(e)
	}
	t.queued = nil
	return err
}

func (t *pendingKill) await(ctx context.Context, op string) (harness.Exit, error) {
	return awaitExit(ctx, op, t.exited, &t.mu, &t.exit)
}

func (t *pendingKill) Wait(ctx context.Context) (harness.Exit, error) { return t.await(ctx, "wait") }

func (t *pendingKill) Delete(ctx context.Context) (harness.Exit, error) {
	return t.await(ctx, "delete")
}

// The shapes' fixed twins pass a default check: what finds their bugs
// does not blame correct code. (crowdTask's fixed twin is checked in
// TestLearnWhileExploring; the delivery logs are the reference plus the
// bug.)
func TestShapesFixedPass(t *testing.T) {
	if f, cov := check(t, newPendingKill(true)); f != nil {
		t.Fatalf("pendingKill, fixed, failed (%s):\n%s", cov, f.Error())
	}
}

// awaitExit is Wait and Delete of the test tasks that close exited once
// the exit is recorded in *exit under mu: it waits for exited or ctx, an
// exit already recorded winning over a done ctx, and returns the exit,
// or an error naming op.
func awaitExit(ctx context.Context, op string, exited <-chan struct{}, mu *sync.Mutex, exit *harness.Exit) (harness.Exit, error) {
	select {
	case <-exited:
	case <-ctx.Done():
		select {
		case <-exited:
		default:
			return harness.Exit{}, fmt.Errorf("%s: %w", op, ctx.Err())
		}
	}
	mu.Lock()
	defer mu.Unlock()
	return *exit, nil
}
