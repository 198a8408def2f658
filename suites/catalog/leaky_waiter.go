package catalog

import (
	"context"
	"fmt"

	"github.com/reaptest/reaptest/harness"
)

// NewLeakyWaiter builds a task whose Wait starts a helper goroutine that
// waits for the exit and sends it on an unbuffered channel; when the caller
// gives up because its ctx ended, nobody receives, and after the exit the
// helper blocks on that send forever: a goroutine leak. Results are correct.
func NewLeakyWaiter(env harness.Env) harness.Task {
	return &leakyWaiter{core: newCore(env)}
}

// leakyWaiter is core (correct Reap and Delete; fields guarded as
// documented there) with a Wait that waits through a helper goroutine.
//
// The leak, step by step: a Wait whose ctx is short starts the helper,
// which blocks on the exit channel; the ctx ends and Wait returns its
// error, so nobody will ever receive from the helper's results channel;
// later the Reap closes the exit channel, and the helper wakes, reads the
// exit and blocks on its send for good. The task may be deleted and
// dropped, but the helper stays, keeping the task reachable for the life
// of the process: one leaked goroutine per Wait that gave up. The harness
// finds the helper still blocked after teardown and reports a leak; the
// fault point "wait:send" sits just before the send.
//
// The fix is a buffer of one on results, so that the send never blocks;
// better, no helper at all: Wait itself selects on the exit channel and on
// ctx.Done(), as core's Wait does.
type leakyWaiter struct {
	core
}

// Wait returns the exit once it is reaped, or an error wrapping ctx.Err()
// if ctx ends first, and so far it is correct. It does not wait itself: a
// helper goroutine blocks until the exit channel is closed, reads the exit
// and hands it back over results, while Wait receives from results or
// gives up when ctx ends. Giving up is where the bug bites: the helper is
// still there, with no ctx to tell it to stop.
func (t *leakyWaiter) Wait(ctx context.Context) (harness.Exit, error) {
	t.env.Point("wait:start")
	results := make(chan harness.Exit) // BUG: unbuffered; should have capacity 1
	go func() {
		<-t.exited
		e := t.result()
		t.env.Point("wait:send")
		results <- e // blocks forever once the caller below has returned on ctx
	}()
	select {
	case e := <-results:
		return e, nil
	case <-ctx.Done():
		return harness.Exit{}, fmt.Errorf("wait: %w", ctx.Err())
	}
}
