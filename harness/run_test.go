package harness_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"go.uber.org/goleak"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/catalog"
)

// bubble runs each scenario under synctest.Test with t.
func bubble(t *testing.T) harness.Bubble {
	return func(f func()) { synctest.Test(t, func(*testing.T) { f() }) }
}

// releasedBubble is bubble for a test whose cleanup releases a bubble the
// harness abandoned (a busy loop, a goroutine blocked on a channel from
// outside): synctest.Test then ends a subtest of t's, which must happen
// before t itself completes, or testing reports a race of its own. Its
// cleanup waits for every bubble to end, 5s at most; register the cleanup
// that releases them after calling it (the last registered runs first).
func releasedBubble(t *testing.T) harness.Bubble {
	var running sync.WaitGroup
	t.Cleanup(func() {
		harness.ReleaseAbandoned() // its main holds until released
		ended := make(chan struct{})
		go func() { running.Wait(); close(ended) }()
		select {
		case <-ended:
		case <-time.After(5 * time.Second):
			t.Error("the scenario bubble the harness abandoned had not ended 5s after its release")
		}
	})
	return func(f func()) {
		running.Add(1)
		defer running.Done()
		synctest.Test(t, func(*testing.T) { f() })
	}
}

// reapedThenDeleted: the process exits at once, the exit is delivered, and
// one client deletes the task.
var reapedThenDeleted = scenarios.Scenario{
	Plan: faults.Plan{Exit: faults.ExitPlan{After: 0}, Deliveries: []faults.Delivery{{Status: faults.StatusReal}}},
	Actors: []scenarios.Actor{{Calls: []scenarios.Call{
		{Op: scenarios.Wait, Ctx: faults.Ctx{Kind: faults.Background}},
		{Op: scenarios.Delete, Ctx: faults.Ctx{Kind: faults.Background}},
	}}},
}

// base is a correct task, embedded by the broken ones below so that each
// breaks one thing.
type base struct {
	mu   sync.Mutex
	done chan struct{}
	exit harness.Exit // guarded by mu
	set  bool         // guarded by mu
}

func newBase() *base { return &base{done: make(chan struct{})} }

func (b *base) Reap(e harness.Exit) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.set {
		b.set, b.exit = true, e
		close(b.done)
	}
}

func (b *base) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-b.done:
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.exit, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (b *base) Delete(ctx context.Context) (harness.Exit, error) { return b.Wait(ctx) }

// deadlocking holds its mutex while it waits for the exit, which Reap
// needs the mutex to deliver.
type deadlocking struct{ *base }

func (d deadlocking) Delete(ctx context.Context) (harness.Exit, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	<-d.done
	return d.exit, nil
}

// A mutex deadlock freezes virtual time (a goroutine in sync.Mutex.Lock is
// not durably blocked); the watchdog must see it, report a hang with the
// stuck calls' stacks, and say what it left behind.
func TestRunReportsMutexDeadlock(t *testing.T) {
	sc := scenarios.Scenario{
		Plan:   faults.Plan{Exit: faults.ExitPlan{After: time.Millisecond}, Deliveries: []faults.Delivery{{Status: faults.StatusReal}}},
		Actors: []scenarios.Actor{{Calls: []scenarios.Call{{Op: scenarios.Delete, Ctx: faults.Ctx{Kind: faults.Background}}}}},
	}
	res := harness.Run(bubble(t), func(harness.Env) harness.Task { return deadlocking{newBase()} }, sc)
	p := res.Primary()
	if p == nil || p.Class != harness.ClassHang {
		t.Fatalf("primary violation = %v, want a hang\n%s", p, res.Report(""))
	}
	report := res.Report("")
	for _, want := range []string{"sync.Mutex.Lock", "deadlocking", "monitor Reap#1", "STUCK"} {
		if !strings.Contains(report, want) {
			t.Errorf("report lacks %q:\n%s", want, report)
		}
	}
	if res.Abandoned == "" {
		t.Error("the harness left a frozen bubble behind without saying so")
	}
}

// spinning never blocks in Wait until released.
type spinning struct {
	*base
	release *atomic.Bool
}

func (s spinning) Wait(ctx context.Context) (harness.Exit, error) {
	for !s.release.Load() {
	}
	return s.base.Wait(ctx)
}

// A busy loop cannot be seen by synctest at all; the real-time limit ends
// the scenario and reports it with the spinning call named.
func TestRunReportsBusyLoop(t *testing.T) {
	var release atomic.Bool
	b := releasedBubble(t)
	t.Cleanup(func() { release.Store(true) }) // stop the spinning goroutine after the test, before b's cleanup
	res := harness.Run(b, func(harness.Env) harness.Task { return spinning{newBase(), &release} },
		reapedThenDeleted, harness.ScenarioTimeout(50*time.Millisecond))
	p := res.Primary()
	if p == nil || p.Class != harness.ClassHang || p.Clause != harness.ClauseRealTime {
		t.Fatalf("primary violation = %v, want hang [%s]\n%s", p, harness.ClauseRealTime, res.Report(""))
	}
	if !strings.Contains(p.Call, "client1 Wait#1") || !strings.Contains(p.Evidence, "spinning") {
		t.Errorf("the busy call is not named or shown:\n%s", res.Report(""))
	}
}

// strayHelper leaves a goroutine behind on a channel from outside the
// bubble (a goroutine blocked on one is not durably blocked), so the
// bubble can never end by itself.
type strayHelper struct {
	*base
	outside chan struct{}
}

func (s strayHelper) Wait(ctx context.Context) (harness.Exit, error) {
	go func() { <-s.outside }()
	return s.base.Wait(ctx)
}

// A leaked goroutine that synctest does not count as durably blocked keeps
// the bubble from ending; the watchdog reports it as a leak of the call
// that started it.
func TestRunReportsNonDurableLeak(t *testing.T) {
	outside := make(chan struct{}) // made here, outside any bubble
	b := releasedBubble(t)
	t.Cleanup(func() { close(outside) }) // before b's cleanup
	res := harness.Run(b, func(harness.Env) harness.Task { return strayHelper{newBase(), outside} }, reapedThenDeleted)
	p := res.Primary()
	if p == nil || p.Class != harness.ClassLeak || p.Call != "client1 Wait#1" {
		t.Fatalf("primary violation = %v, want a leak by client1 Wait#1\n%s", p, res.Report(""))
	}
	if !strings.Contains(p.Evidence, "strayHelper") {
		t.Errorf("the leaked goroutine's stack is missing:\n%s", p.Evidence)
	}
}

// exiting calls runtime.Goexit in Delete: the call never returns to its
// caller.
type exiting struct{ *base }

func (exiting) Delete(context.Context) (harness.Exit, error) {
	runtime_Goexit()
	return harness.Exit{}, nil
}

// A call that ends its goroutine with runtime.Goexit is reported as such,
// not as a hang of the harness.
func TestRunReportsGoexit(t *testing.T) {
	res := harness.Run(bubble(t), func(harness.Env) harness.Task { return exiting{newBase()} }, reapedThenDeleted)
	p := res.Primary()
	if p == nil || p.Class != harness.ClassPanic || !strings.Contains(p.Got, "Goexit") {
		t.Fatalf("primary violation = %v, want a Goexit reported as panic\n%s", p, res.Report(""))
	}
}

// A constructor that panics is reported against NewTask.
func TestRunReportsPanicInNewTask(t *testing.T) {
	res := harness.Run(bubble(t), func(harness.Env) harness.Task { panic("no task for you") }, reapedThenDeleted)
	p := res.Primary()
	if p == nil || p.Class != harness.ClassPanic || p.Call != "NewTask" || !strings.Contains(p.Got, "no task for you") {
		t.Fatalf("primary violation = %v, want a panic in NewTask", p)
	}
}

// The reference passes every named scenario, and the timeline shows each
// call's start and return.
func TestRunReferencePassesNamedScenarios(t *testing.T) {
	for _, n := range scenarios.Named() {
		res := harness.Run(bubble(t), catalog.NewReference, n.Scenario)
		if res.Failed() {
			t.Errorf("%s:\n%s", n.Name, res.Report(""))
		}
		if !res.Killer {
			t.Errorf("%s: the reference implements Killer, but the result says it does not", n.Name)
		}
		begins, returns := 0, 0
		for _, e := range res.Timeline {
			if strings.Contains(e.What, "#") && strings.HasSuffix(e.What, " begins") {
				begins++
			}
			if strings.Contains(e.What, " → ") {
				returns++
			}
		}
		if begins == 0 || begins != returns {
			t.Errorf("%s: timeline has %d call starts and %d returns:\n%s", n.Name, begins, returns, res.Report(""))
		}
	}
}

// Check finds a double close, shrinks it to the two deliveries that cause
// it, and ends its report with the reproducer.
func TestCheckFindsAndMinimizes(t *testing.T) {
	f := harness.Check(t.Name(), bubble(t), catalog.NewUnguardedClose, harness.Checks(200), harness.Reproduce("go test ./x -run '^T$'"))
	if f == nil {
		t.Fatal("Check did not catch an unguarded close")
	}
	if !errors.Is(f, harness.ErrPanic) {
		t.Errorf("errors.Is(failure, ErrPanic) = false for %v", f.Primary())
	}
	if len(f.Scenario.Deliveries) != 2 || len(f.Scenario.Actors) != 0 {
		t.Errorf("scenario not minimized to two deliveries and no clients:\n%s", f.Scenario)
	}
	if !strings.HasSuffix(strings.TrimSpace(f.Error()), "go test ./x -run '^T$'") {
		t.Errorf("report does not end with the reproducer:\n%s", f.Error())
	}
}

// The reference passes an exploration, and the harness leaves no goroutine
// of its own behind.
func TestCheckReferenceLeavesNothingBehind(t *testing.T) {
	before := goleak.IgnoreCurrent()
	if f := harness.Check(t.Name(), bubble(t), catalog.NewReference, harness.Checks(300)); f != nil {
		t.Fatal(f)
	}
	goleak.VerifyNone(t, before)
}

// A leak found while exploring (where the harness records no detail) is
// reported with the leaked goroutine's stack, from the detailed rerun.
func TestCheckReportsLeakWithEvidence(t *testing.T) {
	f := harness.Check(t.Name(), bubble(t), catalog.NewLeakyWaiter, harness.Checks(100))
	if f == nil || !errors.Is(f, harness.ErrLeak) {
		t.Fatalf("Check = %v, want a leak", f)
	}
	if p := f.Primary(); !strings.Contains(p.Evidence, "leakyWaiter") || p.Call != "client1 Wait#1" {
		t.Errorf("the leak is not attributed to the Wait with the helper's stack:\n%s", f.Error())
	}
}
