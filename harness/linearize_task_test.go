package harness_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// errGone is what owner's calls return once the task is deleted.
var errGone = errors.New("no such task")

// owner is a correct task in actor style: one goroutine owns the state and
// serves requests; Delete makes the task gone (and the owner stops), then
// releases the task's resources (1ms) before it returns, as moby's rm
// drops the container from the daemon's store before it is done. A Wait
// that reaches the owner after that gets errGone: it overlaps the
// Delete, which took effect first.
type owner struct {
	reqs chan ownerReq // served by the owner goroutine
	done chan struct{} // closed when the owner stops (task gone)
}

// ownerReq is one request: f runs on the owner, which then closes ran.
type ownerReq struct {
	f   func(*ownerState)
	ran chan struct{}
}

type ownerState struct {
	exit    harness.Exit
	exited  bool
	waiters []chan harness.Exit
	stop    bool
}

func newOwner(harness.Env) harness.Task {
	t := &owner{reqs: make(chan ownerReq), done: make(chan struct{})}
	go func() {
		defer close(t.done)
		var st ownerState
		for !st.stop {
			req := <-t.reqs
			req.f(&st)
			close(req.ran)
		}
		for _, w := range st.waiters {
			close(w) // released: the task is gone
		}
	}()
	return t
}

// do runs f on the owner and returns once it ran; false once the task
// is gone (or ctx is done first).
func (t *owner) do(ctx context.Context, f func(*ownerState)) bool {
	req := ownerReq{f: f, ran: make(chan struct{})}
	select {
	case t.reqs <- req:
		<-req.ran // the owner runs every request it takes
		return true
	case <-t.done:
		return false
	case <-ctx.Done():
		return false
	}
}

func (t *owner) Reap(e harness.Exit) {
	t.do(context.Background(), func(st *ownerState) {
		if st.exited {
			return
		}
		st.exit, st.exited = e, true
		for _, w := range st.waiters {
			w <- e
		}
		st.waiters = nil
	})
}

func (t *owner) Wait(ctx context.Context) (harness.Exit, error) {
	w := make(chan harness.Exit, 1)
	if !t.do(ctx, func(st *ownerState) {
		if st.exited {
			w <- st.exit
			return
		}
		st.waiters = append(st.waiters, w)
	}) {
		if ctx.Err() != nil {
			return harness.Exit{}, ctx.Err()
		}
		return harness.Exit{}, errGone
	}
	select {
	case e, ok := <-w:
		if !ok {
			return harness.Exit{}, errGone
		}
		return e, nil
	case <-ctx.Done():
		return harness.Exit{}, ctx.Err()
	}
}

func (t *owner) Delete(ctx context.Context) (harness.Exit, error) {
	for {
		var exit harness.Exit
		var exited bool
		if !t.do(ctx, func(st *ownerState) {
			exit, exited = st.exit, st.exited
			st.stop = exited // forget the task: every later call gets errGone
		}) {
			if ctx.Err() != nil {
				return harness.Exit{}, ctx.Err()
			}
			return harness.Exit{}, errGone
		}
		if exited {
			time.Sleep(time.Millisecond) // release the task's resources
			return exit, nil
		}
		// Not exited: wait for the exit, then delete.
		if _, err := t.Wait(ctx); err != nil {
			return harness.Exit{}, err
		}
	}
}

// The owner passes: a Wait that overlaps its successful Delete and gets
// errGone is explained by the Delete taking effect first (the judge checks
// linearizability, not the order calls returned in). Before, it failed
// wait-sees-exit in this very scenario.
func TestOwnerForgetsBeforeDeleteReturns(t *testing.T) {
	sc, err := scenarios.Parse(`
schedule procs=1
process exit=1ms
monitor reap
client1: delete after=5ms
client2: wait after=5ms
`)
	if err != nil {
		t.Fatal(err)
	}
	res := harness.Run(bubble(t), newOwner, sc)
	var waitGone bool
	for _, e := range res.Timeline {
		waitGone = waitGone || e.Who == "client2" && strings.Contains(e.What, errGone.Error())
	}
	if res.Failed() || !waitGone {
		t.Fatalf("want a pass in which client2's Wait gets %q (the Delete took effect first); failed: %v\n%s", errGone, res.Failed(), res.Report(""))
	}
	if f := harness.Check(t.Name(), bubble(t), newOwner, harness.Checks(300), harness.Corpus("")); f != nil {
		t.Fatalf("the owner task is correct:\n%s", f.Error())
	}
}

// earlyWait's Wait gives up at once before the exit, its ctx live and no
// Delete begun: it did not wait (clause wait-waits). The old judge passed
// it in 20,000 scenarios.
type earlyWait struct{ *base }

var errNotYet = errors.New("not exited yet")

func (t earlyWait) Wait(ctx context.Context) (harness.Exit, error) {
	select {
	case <-t.done:
		return t.base.Wait(ctx)
	default:
		return harness.Exit{}, errNotYet
	}
}

func TestEarlyWaitIsCaught(t *testing.T) {
	newTask := func(harness.Env) harness.Task { return earlyWait{newBase()} }
	f := harness.Check(t.Name(), bubble(t), newTask, harness.Checks(200), harness.Corpus(""))
	if f == nil {
		t.Fatal("a Wait that fails at once before the exit passed: want contract [wait-waits]")
	}
	v := f.Primary()
	if v.Class != harness.ClassContract || v.Clause != harness.ClauseWaitWaits || !strings.Contains(v.Call, "Wait") ||
		!strings.Contains(f.Error(), "no order of these calls explains their results") {
		t.Fatalf("want contract [wait-waits] on a Wait with the calls in conflict, got:\n%s", f.Error())
	}
	t.Logf("caught as expected:\n%s", f.Error())
}
