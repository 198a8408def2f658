package suites

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
)

// earlyWait is correct but for its Wait, which does not wait: before the
// exit it fails at once with errNotYet, its ctx live and no Delete begun.
type earlyWait struct {
	exited chan struct{} // closed by the first Reap, under mu
	mu     sync.Mutex
	exit   harness.Exit // guarded by mu
	reaped bool         // guarded by mu
}

var errNotYet = errors.New("process has not exited yet")

func newEarlyWait(harness.Env) harness.Task { return &earlyWait{exited: make(chan struct{})} }

func (t *earlyWait) Reap(e harness.Exit) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.reaped {
		t.reaped, t.exit = true, e
		close(t.exited)
	}
}

func (t *earlyWait) Wait(context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	default:
		return harness.Exit{}, errNotYet // BUG: a Wait waits for the exit, until its ctx ends
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

func (t *earlyWait) Delete(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.exited:
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.exit, nil
}

// A Wait that returns an error at once before the exit, with its ctx live
// and no Delete begun, breaks the contract: issue 15 found it passing
// 20,000 scenarios, no clause saying that Wait waits. Through the suites
// entry it is caught as contract [wait-waits] on a Wait (the zoo,
// TestZoo, shows the quiet side: correct Waits that fail only once their
// ctx ended or a Delete that took the task overlapped them).
func TestEarlyErroringWait(t *testing.T) {
	f := checkT(t, newEarlyWait, harness.Isolate(false), harness.Checks(200), harness.Corpus(""))
	switch {
	case f == nil:
		t.Fatal("a Wait that fails at once before the exit (ctx live, no Delete) passed: want a contract violation")
	case f.Primary().Class != harness.ClassContract || f.Primary().Clause != harness.ClauseWaitWaits:
		t.Fatalf("caught as %s [%s], want %s [%s]:\n%s", f.Primary().Class, f.Primary().Clause, harness.ClassContract, harness.ClauseWaitWaits, f.Error())
	case !strings.Contains(f.Primary().Call, "Wait"):
		t.Fatalf("the violation names %s, want a Wait:\n%s", f.Primary().Call, f.Error())
	case !strings.Contains(f.Primary().Got, errNotYet.Error()):
		t.Fatalf("the violation's got %q does not show the Wait's early error %q:\n%s", f.Primary().Got, errNotYet, f.Error())
	default:
		t.Logf("caught: %s [%s] %s: got %s; want %s", f.Primary().Class, f.Primary().Clause, f.Primary().Call, f.Primary().Got, f.Primary().Want)
	}
}
