package harness_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// removal is a task whose Delete, once the exit is known, removes the task
// with an operation that can fail: the fail point "delete:remove". A Wait
// that finds a removal in progress waits for its outcome. Its two bugs are
// the two ways real runtimes got a failed removal wrong:
//
//   - strand (moby#34945): a failed removal never tells the waiters of its
//     outcome; a later removal makes a new channel, so they wait forever.
//   - stuck (containerd #8981): a failed removal leaves the task marked as
//     being removed, so no later Delete can succeed.
//
// With neither it is correct.
type removal struct {
	env           harness.Env
	strand, stuck bool
	exited        chan struct{} // closed by the first Reap, under mu

	mu       sync.Mutex
	exit     harness.Exit  // guarded by mu
	reaped   bool          // guarded by mu
	removing chan struct{} // guarded by mu; set while a removal runs, closed when it ends
	removed  bool          // guarded by mu
}

func newRemoval(strand, stuck bool) harness.NewTask {
	return func(env harness.Env) harness.Task {
		return &removal{env: env, strand: strand, stuck: stuck, exited: make(chan struct{})}
	}
}

func (t *removal) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *removal) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	ch := t.removing
	t.mu.Unlock()
	if ch != nil { // a removal is in progress: report after its outcome
		select {
		case <-ch:
		case <-ctx.Done():
			return harness.Exit{}, ctx.Err()
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *removal) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	switch {
	case t.removed:
		defer t.mu.Unlock()
		return t.exit, nil
	case t.removing != nil && t.stuck:
		t.mu.Unlock()
		return harness.Exit{}, errors.New("delete: removal already in progress")
	}
	ch := make(chan struct{})
	t.removing = ch
	t.mu.Unlock()

	err := t.env.Fail("delete:remove")

	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		if !t.strand {
			close(ch) // tell the waiters: the removal is over, it failed
		}
		if !t.stuck && !t.strand {
			t.removing = nil
		}
		return harness.Exit{}, fmt.Errorf("delete: remove: %w", err)
	}
	t.removed = true
	close(ch)
	t.removing = nil
	return t.exit, nil
}

// A failed removal that strands its waiters (moby#34945) is caught as a
// hang of a Wait after the exit was reaped; a Delete that cannot be
// retried after a failed removal (containerd #8981) is caught by the
// teardown Delete that fails; the fixed task passes.
func TestInjectedRemovalFailures(t *testing.T) {
	for _, tt := range []struct {
		name          string
		strand, stuck bool
		class         error
		clause        string
	}{
		{"waiters stranded", true, false, harness.ErrHang, harness.ClauseWaitSeesExit},
		{"delete not retriable", false, true, harness.ErrContract, harness.ClauseDeleteHonest},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := harness.Check(t.Name(), bubble(t), newRemoval(tt.strand, tt.stuck), harness.Checks(200))
			if f == nil {
				t.Fatal("not caught")
			}
			if p := f.Primary(); !errors.Is(f, tt.class) || p.Clause != tt.clause {
				t.Fatalf("primary %v, want %v [%s]:\n%s", p, tt.class, tt.clause, f)
			}
			if len(f.Scenario.Fails) == 0 || !strings.Contains(f.Error(), "fail delete:remove hit=") {
				t.Errorf("the counterexample injects no failure:\n%s", f)
			}
			if tt.stuck && !strings.Contains(f.Primary().Want, "injected failures had stopped") {
				t.Errorf("the teardown Delete's want does not say the failures had stopped:\n%s", f)
			}
			if !strings.Contains(f.Error(), "injected failure") {
				t.Errorf("the timeline does not show the injected failure:\n%s", f)
			}
			// The printed scenario replays: parsed back, it fails the same way.
			sc, err := scenarios.Parse(f.Scenario.String())
			if err != nil {
				t.Fatal(err)
			}
			res := harness.Run(bubble(t), newRemoval(tt.strand, tt.stuck), sc)
			if p := res.Primary(); p == nil || p.Clause != tt.clause {
				t.Errorf("the parsed counterexample gives %v, want [%s]", p, tt.clause)
			}
		})
	}
	t.Run("fixed", func(t *testing.T) {
		if f := harness.Check(t.Name(), bubble(t), newRemoval(false, false), harness.Checks(500)); f != nil {
			t.Fatalf("the fixed task fails:\n%s", f)
		}
	})
}

// The named failure scenarios run for every fail point the task passes,
// and the fixed task passes them; failures stop at teardown.
func TestFailNamedScenarios(t *testing.T) {
	for _, n := range scenarios.FailNamed("delete:remove") {
		for _, bug := range []struct {
			name          string
			strand, stuck bool
			fails         bool
		}{{"fixed", false, false, false}, {"strand", true, false, n.Name == "removal-fails-while-waiting"}} {
			res := harness.Run(bubble(t), newRemoval(bug.strand, bug.stuck), n.Scenario)
			if res.Failed() != bug.fails {
				t.Errorf("%s on %s: failed = %v, want %v:\n%s", n.Name, bug.name, res.Failed(), bug.fails, res.Report(""))
			}
			if got := strings.Join(res.Fails, ","); got != "delete:remove" {
				t.Errorf("%s on %s: Result.Fails = %q, want delete:remove", n.Name, bug.name, got)
			}
		}
	}
	// every pass fails until teardown: the teardown Delete still succeeds.
	sc, err := scenarios.Parse("process exit=0\nmonitor reap\nfail delete:remove\nclient1: delete; delete\n")
	if err != nil {
		t.Fatal(err)
	}
	if res := harness.Run(bubble(t), newRemoval(false, false), sc); res.Failed() {
		t.Errorf("fail hit=*: %s", res.Report(""))
	}
}
