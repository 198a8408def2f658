package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/reaptest/reaptest/faults"
	"github.com/reaptest/reaptest/scenarios"
)

// These tests judge synthetic traces: call records written by hand, with no
// goroutines and no bubbles, so that each clause of evaluate is checked in
// isolation.

const msec = time.Millisecond

var (
	ctBg = faults.Ctx{Kind: faults.Background}
	// errCT is an implementation's error, e.g. "task deleted".
	errCT = errors.New("task gone")
)

func ctTimeout(d time.Duration) faults.Ctx { return faults.Ctx{Kind: faults.Timeout, After: d} }
func ctCancel(d time.Duration) faults.Ctx  { return faults.Ctx{Kind: faults.CancelAfter, After: d} }

// cb builds one callRecord of a synthetic trace; its methods set fields and
// return the builder, and rec returns the record.
type cb struct{ c *callRecord }

// ctCall starts a record: a call with a background ctx that has not begun.
func ctCall(who string, seq int, op scenarios.Op) cb {
	return cb{&callRecord{who: who, seq: seq, op: op, ctx: ctBg, ctxDone: never}}
}

// fixCtx sets ctxDone as the harness does: start + ctx.Done(), or never.
func (b cb) fixCtx() cb {
	b.c.ctxDone = never
	if d := b.c.ctx.Done(); d != faults.Never {
		b.c.ctxDone = b.c.start + d
	}
	return b
}

func (b cb) ctx(x faults.Ctx) cb { b.c.ctx = x; return b.fixCtx() }

// began sets the start (virtual time and order number).
func (b cb) began(at time.Duration, seq int64) cb {
	b.c.start, b.c.startSeq = at, seq
	return b.fixCtx()
}

// ended marks a normal return (virtual time and order number).
func (b cb) ended(at time.Duration, seq int64) cb {
	b.c.end, b.c.endSeq, b.c.returned = at, seq, true
	return b
}

func (b cb) exits(status int) cb { b.c.exit = Exit{Pid: Pid, Status: status}; return b }

// sig sets a Kill's signal; signalled sets what the process received
// while it was in flight.
func (b cb) sig(s syscall.Signal) cb { b.c.signal = s; return b }
func (b cb) signalled(sigs ...syscall.Signal) cb {
	b.c.signalled = append(b.c.signalled, sigs...)
	return b
}

// exitsAs sets the exit a success reports, pid included.
func (b cb) exitsAs(pid, status int) cb { b.c.exit = Exit{Pid: pid, Status: status}; return b }
func (b cb) fails(err error) cb {
	b.c.err, b.c.errText, b.c.esrch = err, err.Error(), errors.Is(err, syscall.ESRCH)
	return b
}
func (b cb) teardown() cb { b.c.teardown = true; return b }

// reaps sets a Reap's argument.
func (b cb) reaps(status int) cb {
	b.c.reapExit = Exit{Pid: Pid, Status: status}
	return b
}

// panics marks a call that panicked at (at, seq).
func (b cb) panics(at time.Duration, seq int64, v any, stack string) cb {
	b.c.end, b.c.endSeq = at, seq
	b.c.panicked, b.c.panicValue, b.c.panicStack = true, fmt.Sprint(v), stack
	return b
}

// goexits marks a call that ended in runtime.Goexit at (at, seq).
func (b cb) goexits(at time.Duration, seq int64) cb {
	b.c.end, b.c.endSeq, b.c.goexit = at, seq, true
	return b
}

func (b cb) rec() *callRecord { return b.c }

// ctWant is one expected violation.
type ctWant struct {
	class  Class
	clause string
	call   string
}

func (w ctWant) String() string { return fmt.Sprintf("%s/%s/%s", w.class, w.clause, w.call) }

const panicStack = "goroutine 7 [running]:\nexample.com/task.(*Task).Reap(...)\n\ttask.go:42"

func TestEvaluate(t *testing.T) {
	tests := []struct {
		name  string
		opts  []Option
		pid   int           // 0: Pid
		now   time.Duration // 0: one minute
		calls []*callRecord
		want  []ctWant
		// text, if set, must appear in the error of every violation.
		text string
		// evidence, if set, is every violation's Evidence.
		evidence string
	}{
		{
			// A correct trace: Reap, Wait gets the exit, Delete succeeds, the
			// repeated teardown Delete returns the same exit.
			name: "correct trace",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(1*msec, 4).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
				ctCall("client1", 2, scenarios.Delete).began(2*msec, 5).ended(2*msec, 6).exits(0).rec(),
				ctCall("teardown", 1, scenarios.Delete).teardown().ctx(ctTimeout(10*time.Second)).
					began(time.Minute, 7).ended(time.Minute, 8).exits(0).rec(),
			},
		},
		{
			// An empty trace breaks nothing.
			name: "no calls",
		},
		{
			// Clause 2: a Wait that returns a minute after its timeout ended hangs.
			name: "wait returns long after its timeout",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).ctx(ctTimeout(10*msec)).began(0, 1).
					ended(10*msec+time.Minute, 2).fails(context.DeadlineExceeded).rec(),
			},
			want: []ctWant{{ClassHang, ClauseWaitBounded, "client1 Wait#1"}},
		},
		{
			// Clause 2: a Wait that never returns, though its ctx ended, hangs (not a deadlock).
			name: "wait never returns with a finite bound",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).ctx(ctTimeout(10*msec)).began(0, 1).rec(),
			},
			want: []ctWant{{ClassHang, ClauseWaitBounded, "client1 Wait#1"}},
			text: "still blocked at +1m0s",
		},
		{
			// Clause 2: a Wait that returns within its ctx + grace is fine.
			name: "wait returns at its deadline",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).ctx(ctTimeout(10*msec)).began(0, 1).
					ended(110*msec, 2).fails(context.DeadlineExceeded).rec(),
			},
		},
		{
			// Clause 3: a Wait that errors after a Reap returned, its ctx live, misses the exit.
			name: "wait errors after the reap with a live ctx",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(2*msec, 4).fails(errCT).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
			},
			want: []ctWant{{ClassContract, ClauseWaitSeesExit, "client1 Wait#1"}},
		},
		{
			// Clause 3: the same error is allowed once the Wait's ctx is done.
			name: "wait errors after the reap with its ctx done",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).ctx(ctCancel(1*msec)).began(0, 1).
					ended(2*msec, 4).fails(context.Canceled).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
			},
		},
		{
			// Clause 3: a Wait that succeeds before any Reap began invents an exit.
			name: "wait succeeds before any reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(0, 2).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 3).ended(1*msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseWaitSeesExit, "client1 Wait#1"}},
		},
		{
			// Clause 3: a Wait blocked long after the Reap returned hangs.
			name: "wait returns long after the reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(500*msec, 4).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
			},
			want: []ctWant{{ClassHang, ClauseWaitSeesExit, "client1 Wait#1"}},
		},
		{
			// Clause 4: a Delete that succeeds before any Reap began deletes a live task.
			name: "delete succeeds before any reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).began(0, 1).ended(0, 2).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 3).ended(1*msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseDeleteHonest, "client1 Delete#1"}},
		},
		{
			// Clause 4: the teardown Delete must succeed once the exit was reaped.
			name: "teardown delete fails after the reap",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).ended(1*msec, 2).rec(),
				ctCall("teardown", 1, scenarios.Delete).teardown().ctx(ctTimeout(10*time.Second)).
					began(time.Minute, 3).ended(time.Minute, 4).fails(errCT).rec(),
			},
			want: []ctWant{{ClassContract, ClauseDeleteHonest, "teardown Delete#1"}},
		},
		{
			// Clause 4: a teardown Delete may fail when a client Delete already succeeded.
			name: "teardown delete fails after a client delete",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).ended(1*msec, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(2*msec, 3).ended(2*msec, 4).exits(0).rec(),
				ctCall("teardown", 1, scenarios.Delete).teardown().ctx(ctTimeout(10*time.Second)).
					began(time.Minute, 5).ended(time.Minute, 6).fails(errCT).rec(),
			},
		},
		{
			// Clause 4: a repeated Delete must return within grace of its start.
			name: "repeated delete is slow",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(1*msec, 3).ended(1*msec, 4).exits(0).rec(),
				ctCall("client1", 2, scenarios.Delete).began(2*msec, 5).ended(2*msec+time.Second, 6).exits(0).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeleteBounded, "client1 Delete#2"}},
		},
		{
			// Clause 6: concurrent Reaps, two successes with different exits.
			name: "concurrent reaps, different exits",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(1*msec, 7).exits(0).rec(),
				ctCall("client2", 1, scenarios.Wait).began(0, 2).ended(1*msec, 8).exits(137).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 3).ended(1*msec, 5).rec(),
				ctCall("monitor", 2, scenarios.Reap).reaps(137).began(1*msec, 4).ended(1*msec, 6).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client2 Wait#1"}},
		},
		{
			// Clause 6: concurrent Reaps, every success reports one exit (either one).
			name: "concurrent reaps, one exit",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(1*msec, 7).exits(137).rec(),
				ctCall("client2", 1, scenarios.Wait).began(0, 2).ended(1*msec, 8).exits(137).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 3).ended(1*msec, 5).rec(),
				ctCall("monitor", 2, scenarios.Reap).reaps(137).began(1*msec, 4).ended(1*msec, 6).rec(),
			},
		},
		{
			// Clause 6: the first Reap returned alone with 0, so a later Wait must not see 137.
			name: "wait reports a later reap's exit",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).ended(1*msec, 2).rec(),
				ctCall("monitor", 2, scenarios.Reap).reaps(137).began(5*msec, 3).ended(5*msec, 4).rec(),
				ctCall("client1", 1, scenarios.Wait).began(10*msec, 5).ended(10*msec, 6).exits(137).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Wait#1"}},
		},
		{
			// Clause 6: a success reporting another process's pid.
			name: "wrong pid",
			pid:  42,
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).ended(1*msec, 2).rec(),
				ctCall("client1", 1, scenarios.Wait).began(2*msec, 3).ended(2*msec, 4).exits(0).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Wait#1"}},
			text: "an exit of pid 42",
		},
		{
			// Clause 9: a Reap that never returns blocks the monitor.
			name: "reap stuck",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).rec(),
			},
			want: []ctWant{{ClassHang, ClauseReapPrompt, "monitor Reap#1"}},
			// One reason, not nested: the clause's own line says why.
			text: "want a return by +101ms (100ms after it began at +1ms)",
		},
		{
			// Clause 1: a Reap that panics, with its stack as evidence.
			name: "reap panicked",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 1).
					panics(1*msec, 2, "close of closed channel", panicStack).rec(),
			},
			want:     []ctWant{{ClassPanic, ClauseNoPanic, "monitor Reap#1"}},
			text:     "close of closed channel",
			evidence: panicStack,
		},
		{
			// Clause 1: a call that ends in runtime.Goexit counts as a panic.
			name: "wait goexits",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).goexits(0, 2).rec(),
			},
			want: []ctWant{{ClassPanic, ClauseNoPanic, "client1 Wait#1"}},
		},
		{
			// Clause 8: a Kill that began after the exit was reaped must return promptly.
			name: "kill after the reap is slow",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Kill).began(1*msec, 3).ended(1*msec+time.Second, 4).rec(),
			},
			want: []ctWant{{ClassHang, ClauseKillBounded, "client1 Kill#1"}},
		},
		{
			// Clause 8: by default a prompt nil from Kill after the exit is fine.
			name: "kill after the reap returns nil",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Kill).began(1*msec, 3).ended(1*msec, 4).rec(),
			},
		},
		{
			// KillAfterExitFails: a nil from Kill after the exit breaks clause 8.
			name: "KillAfterExitFails, nil error",
			opts: []Option{KillAfterExitFails()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Kill).began(1*msec, 3).ended(1*msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseKillBounded, "client1 Kill#1"}},
		},
		{
			// KillAfterExitFails: an error wrapping ESRCH is what is asked for.
			name: "KillAfterExitFails, ESRCH",
			opts: []Option{KillAfterExitFails()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Kill).began(1*msec, 3).ended(1*msec, 4).
					fails(fmt.Errorf("signal 15 to pid %d: %w", Pid, syscall.ESRCH)).rec(),
			},
		},
		{
			// KillAfterExitFails: a Kill before the exit may return nil.
			name: "KillAfterExitFails, kill before the exit",
			opts: []Option{KillAfterExitFails()},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).sig(syscall.SIGTERM).signalled(syscall.SIGTERM).began(0, 1).ended(0, 2).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(143).began(1*msec, 3).ended(1*msec, 4).rec(),
			},
		},
		{
			// DeleteBeforeExitFails: a Delete before any Reap must not wait past grace.
			name: "DeleteBeforeExitFails, delete waits for the exit",
			opts: []Option{DeleteBeforeExitFails()},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).ctx(ctTimeout(10*time.Second)).began(0, 1).
					ended(300*msec, 4).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(300*msec, 2).ended(300*msec, 3).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeleteBounded, "client1 Delete#1"}},
		},
		{
			// Default contract: the same Delete may wait for the exit within its ctx.
			name: "delete waits for the exit",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).ctx(ctTimeout(10*time.Second)).began(0, 1).
					ended(300*msec, 4).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(300*msec, 2).ended(300*msec, 3).rec(),
			},
		},
		{
			// DeleteBeforeExitFails: with the exit lost, a Delete that waits out its ctx hangs.
			name: "DeleteBeforeExitFails, delete waits out its ctx",
			opts: []Option{DeleteBeforeExitFails()},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).ctx(ctTimeout(200*msec)).began(0, 1).
					ended(200*msec, 2).fails(context.DeadlineExceeded).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeleteBounded, "client1 Delete#1"}},
		},
		{
			// Default contract: with the exit lost, a Delete may wait out its ctx.
			name: "delete waits out its ctx",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).ctx(ctTimeout(200*msec)).began(0, 1).
					ended(200*msec, 2).fails(context.DeadlineExceeded).rec(),
			},
		},
		{
			// Clause 5: a Wait in flight when Delete succeeds may return an error promptly.
			name: "wait errors after a delete",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(2*msec, 6).fails(errCT).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
				ctCall("client2", 1, scenarios.Delete).began(2*msec, 4).ended(2*msec, 5).exits(0).rec(),
			},
		},
		{
			// Clause 5: a Wait that begins after Delete succeeded must still return.
			name: "wait after a delete stuck",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(1*msec, 3).ended(1*msec, 4).exits(0).rec(),
				ctCall("client1", 2, scenarios.Wait).began(2*msec, 5).rec(),
			},
			want: []ctWant{{ClassHang, ClauseAfterDelete, "client1 Wait#2"}},
		},
		{
			// A clock frozen (a stalled bubble) before a stuck call's bound
			// breaks no bound yet: the call is reported as deadlocked, not as
			// late.
			name: "frozen before the bound",
			now:  time.Millisecond,
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).ctx(ctTimeout(10*time.Second)).began(0, 1).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeadlock, "client1 Wait#1"}},
		},
		{
			// one-exit compares with the success that returned first, not the
			// one that started first.
			name: "one-exit blames the later result",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 3).ended(0, 5).rec(),
				ctCall("monitor", 2, scenarios.Reap).reaps(137).began(0, 4).ended(0, 6).rec(),
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(0, 8).exits(137).rec(),
				ctCall("client2", 1, scenarios.Wait).began(0, 2).ended(0, 7).exits(0).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Wait#1"}},
		},
		{
			// Clause 8 by default: a Kill that waits 12s for the exit past its
			// 10ms deadline hangs.
			name: "kill ignores its ctx",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).ctx(ctTimeout(10*msec)).began(0, 1).ended(12*time.Second, 2).rec(),
			},
			want: []ctWant{{ClassHang, ClauseKillBounded, "client1 Kill#1"}},
		},
		{
			// KillBoundedBy(12s): the same Kill is within its own bound.
			name: "KillBoundedBy, within",
			opts: []Option{KillBoundedBy(12 * time.Second)},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).ctx(ctTimeout(10*msec)).signalled(0).began(0, 1).ended(12*time.Second, 2).rec(),
			},
		},
		{
			// KillBoundedBy(12s): past 12s + grace from its start, a Kill with
			// a background ctx (unbounded by default) hangs.
			name: "KillBoundedBy, past it",
			opts: []Option{KillBoundedBy(12 * time.Second)},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).began(5*msec, 1).ended(13*time.Second, 2).rec(),
			},
			want: []ctWant{{ClassHang, ClauseKillBounded, "client1 Kill#1"}},
			text: "KillBoundedBy(12s) from its start, ended at +12.005s",
		},
		{
			// KillBoundedBy keeps the prompt bound after the exit was reaped.
			name: "KillBoundedBy, after the exit",
			opts: []Option{KillBoundedBy(12 * time.Second)},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Kill).began(msec, 3).ended(time.Second, 4).rec(),
			},
			want: []ctWant{{ClassHang, ClauseKillBounded, "client1 Kill#1"}},
		},
		{
			// Clause 6 by default: a Delete that reports the zero Exit.
			name: "delete reports no exit",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).ended(msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Delete#1"}},
		},
		{
			// DeleteReturnsNoExit: the zero Exit is not compared.
			name: "DeleteReturnsNoExit, zero exit",
			opts: []Option{DeleteReturnsNoExit()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).ended(msec, 4).rec(),
				ctCall("client1", 2, scenarios.Wait).began(msec, 5).ended(msec, 6).exits(1).rec(),
			},
		},
		{
			// DeleteReturnsNoExit: an Exit that is reported is still judged,
			// and the option changes nothing for Wait.
			name: "DeleteReturnsNoExit, wrong exit",
			opts: []Option{DeleteReturnsNoExit()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).ended(msec, 4).exits(137).rec(),
				ctCall("client2", 1, scenarios.Wait).began(msec, 5).ended(msec, 6).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Delete#1"}, {ClassContract, ClauseOneExit, "client2 Wait#1"}},
		},
		{
			// DeleteReturnsNoExit: Delete still may not succeed before the exit.
			name: "DeleteReturnsNoExit, delete before the exit",
			opts: []Option{DeleteReturnsNoExit()},
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).began(0, 1).ended(0, 2).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(msec, 3).ended(msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseDeleteHonest, "client1 Delete#1"}},
		},
		{
			// Clause 6 by default: pid 0 is not the process's pid.
			name: "wait reports pid 0",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Wait).began(msec, 3).ended(msec, 4).exitsAs(0, 1).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Wait#1"}},
		},
		{
			// ExitPidMayBeZero: pid 0 with the right status passes, next to a
			// success that reports the pid.
			name: "ExitPidMayBeZero, pid 0",
			opts: []Option{ExitPidMayBeZero()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Wait).began(msec, 3).ended(msec, 4).exitsAs(0, 1).rec(),
				ctCall("client2", 1, scenarios.Delete).began(msec, 5).ended(msec, 6).exits(1).rec(),
			},
		},
		{
			// ExitPidMayBeZero: the status must still match, and another pid
			// is still wrong.
			name: "ExitPidMayBeZero, wrong status or pid",
			opts: []Option{ExitPidMayBeZero()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Wait).began(msec, 3).ended(msec, 4).exitsAs(0, 137).rec(),
				ctCall("client2", 1, scenarios.Wait).began(msec, 5).ended(msec, 6).exitsAs(7, 1).rec(),
			},
			want: []ctWant{{ClassContract, ClauseOneExit, "client1 Wait#1"}, {ClassContract, ClauseOneExit, "client2 Wait#1"}},
		},
		{
			// Linearizable: a Wait that fails while a Delete that succeeds
			// is in flight (it ends before the Delete returns): the Delete
			// took effect first (an owner goroutine, moby's rm).
			name: "wait fails during a delete",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).ended(msec, 6).exits(1).rec(),
				ctCall("client2", 1, scenarios.Wait).began(msec, 4).ended(msec, 5).fails(errCT).rec(),
			},
		},
		{
			// Linearizable: the same when the Wait begins after the Delete
			// began and returns after it (moby: "No such container").
			name: "wait begins during a delete, fails after it",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(5*msec, 3).ended(5*msec, 5).exitsAs(0, 1).rec(),
				ctCall("client4", 1, scenarios.Wait).began(5*msec, 4).ended(5*msec, 6).fails(errCT).rec(),
			},
			opts: []Option{ExitPidMayBeZero()},
		},
		{
			// Linearizable: a Delete that began before the Reap and returned
			// after it may have taken effect after it.
			name: "delete overlaps the reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).began(0, 1).ended(msec, 4).exits(0).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(msec, 2).ended(msec, 3).rec(),
				ctCall("client2", 1, scenarios.Wait).began(2*msec, 5).ended(2*msec, 6).fails(errCT).rec(),
			},
		},
		{
			// Linearizable: overlapping Reaps may go either way, and a Wait
			// overlapping both sees the exit of the one taken first.
			name: "overlapping reaps, the later delivery wins",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(msec, 6).exits(137).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(msec, 2).ended(msec, 5).rec(),
				ctCall("monitor", 2, scenarios.Reap).reaps(137).began(msec, 3).ended(msec, 4).rec(),
				ctCall("client1", 2, scenarios.Delete).began(2*msec, 7).ended(2*msec, 8).exits(137).rec(),
			},
		},
		{
			// A stuck Delete, blamed by its bound, may still have taken
			// effect: a Wait that then fails is explained by it.
			name: "stuck delete explains a failed wait",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).rec(),
				ctCall("client2", 1, scenarios.Wait).began(2*msec, 4).ended(2*msec, 5).fails(errCT).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeleteBounded, "client1 Delete#1"}},
		},
		{
			// wait-waits: a Wait that fails at once before the exit, its ctx
			// live and no Delete in sight, did not wait.
			name: "wait fails at once before the exit",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(0, 2).fails(errCT).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(msec, 3).ended(msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseWaitWaits, "client1 Wait#1"}},
			text: "a wait for the exit",
		},
		{
			// wait-waits: a Delete that fails excuses nothing.
			name: "wait fails before the exit during a failed delete",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Delete).began(0, 1).ended(msec, 4).fails(errCT).rec(),
				ctCall("client2", 1, scenarios.Wait).began(0, 2).ended(msec, 3).fails(errCT).rec(),
			},
			want: []ctWant{{ClassContract, ClauseWaitWaits, "client2 Wait#1"}},
		},
		{
			// wait-sees-exit: the Delete that succeeded began after the Wait
			// returned, so it cannot explain the Wait's error; the evidence
			// says so.
			name: "wait fails before a later delete",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Wait).began(msec, 3).ended(msec, 4).fails(errCT).rec(),
				ctCall("client2", 1, scenarios.Delete).began(2*msec, 5).ended(2*msec, 6).exits(0).rec(),
			},
			want:     []ctWant{{ClassContract, ClauseWaitSeesExit, "client1 Wait#1"}},
			evidence: "no order of these calls explains their results (a call that returned before another began comes first; overlapping calls go either way):\n  monitor Reap#1  +0..+0      delivered Exit{Pid: 4242, Status: 0}\n  client1 Wait#1  +1ms..+1ms  error \"task gone\"\neach order, and where the model of a task stops it:\n  monitor Reap#1, client1 Wait#1: client1 Wait#1 error \"task gone\": an error with its ctx (background) live needs the task deleted first; it was exited\n  (client2 Delete#1 succeeded, but began at +2ms, after client1 Wait#1 returned at +1ms: it cannot come first)\n",
		},
		{
			// kill-delivers only before the exit: a nil Kill without a
			// signal that overlaps the Reap may come after it.
			name: "kill without a signal overlapping the reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).sig(syscall.SIGTERM).began(0, 1).ended(msec, 4).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(143).began(msec, 2).ended(msec, 3).rec(),
			},
		},
		{
			// WaitMayFailDuringDelete still compiles and changes nothing:
			// the same Wait may fail by default.
			name: "WaitMayFailDuringDelete, during",
			opts: []Option{WaitMayFailDuringDelete()},
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 3).ended(msec, 6).exits(1).rec(),
				ctCall("client2", 1, scenarios.Wait).began(msec, 4).ended(msec, 5).fails(errCT).rec(),
			},
		},
		{
			// A Wait that ended before the successful Delete began must
			// still see the exit, a failed Delete excuses nothing, and a
			// successful Wait must still report the exit.
			name: "waits before and beside deletes",
			calls: []*callRecord{
				ctCall("monitor", 1, scenarios.Reap).reaps(1).began(0, 1).ended(0, 2).rec(),
				ctCall("client2", 1, scenarios.Wait).began(msec, 3).ended(msec, 4).fails(errCT).rec(),
				ctCall("client3", 1, scenarios.Delete).began(msec, 5).ended(msec, 8).fails(errCT).rec(),
				ctCall("client4", 1, scenarios.Wait).began(msec, 6).ended(msec, 7).fails(errCT).rec(),
				ctCall("client1", 1, scenarios.Delete).began(msec, 9).ended(msec, 12).exits(1).rec(),
				ctCall("client5", 1, scenarios.Wait).began(msec, 10).ended(msec, 11).exits(137).rec(),
			},
			want: []ctWant{
				{ClassContract, ClauseWaitSeesExit, "client2 Wait#1"},
				{ClassContract, ClauseWaitSeesExit, "client4 Wait#1"},
				{ClassContract, ClauseOneExit, "client5 Wait#1"},
			},
		},
		{
			// Clause 10: a Kill that returns nil before any Reap without
			// signalling the process.
			name: "kill returns nil without a signal",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).sig(syscall.SIGTERM).began(0, 1).ended(0, 2).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(143).began(msec, 3).ended(msec, 4).rec(),
			},
			want: []ctWant{{ClassContract, ClauseKillDelivers, "client1 Kill#1"}},
			text: "got nil without a signal at +0; want signal 15 sent to the process",
		},
		{
			// Clause 10: another signal than the one asked for is not it.
			name: "kill sends another signal",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).sig(syscall.SIGTERM).signalled(syscall.SIGINT).began(0, 1).ended(0, 2).rec(),
			},
			want: []ctWant{{ClassContract, ClauseKillDelivers, "client1 Kill#1"}},
			text: "having sent only signal(s) [2]",
		},
		{
			// Clause 10 holds only before any Reap began: a Kill may return
			// nil without a signal once the exit is being reaped, and may
			// return an error without one any time.
			name: "kill without a signal after the exit, or failing",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Kill).sig(syscall.SIGTERM).began(0, 1).ended(0, 2).fails(errCT).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(143).began(msec, 3).ended(2*msec, 5).rec(),
				ctCall("client2", 1, scenarios.Kill).sig(syscall.SIGTERM).began(msec, 4).ended(2*msec, 6).rec(),
			},
		},
		{
			// A stuck call with no bound and no other hang is a deadlock.
			name: "stuck with no bound",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeadlock, "client1 Wait#1"}},
		},
		{
			// A deadlock names every stuck call.
			name: "two stuck with no bound",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).rec(),
				ctCall("client2", 1, scenarios.Delete).began(0, 2).rec(),
			},
			want: []ctWant{{ClassHang, ClauseDeadlock, "client1 Wait#1, client2 Delete#1"}},
		},
		{
			// An unbounded stuck call next to another hang is still listed,
			// as blocked with no way forward, so its stack is shown too.
			name: "stuck with no bound beside a stuck reap",
			calls: []*callRecord{
				ctCall("client1", 1, scenarios.Wait).began(0, 1).rec(),
				ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).rec(),
			},
			want: []ctWant{{ClassHang, ClauseReapPrompt, "monitor Reap#1"}, {ClassHang, ClauseDeadlock, "client1 Wait#1"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := newConfig(tt.opts)
			pid, now := tt.pid, tt.now
			if pid == 0 {
				pid = Pid
			}
			if now == 0 {
				now = time.Minute
			}
			vs := evaluate(cfg, tt.calls, pid, now)

			var got, want []string
			for _, v := range vs {
				got = append(got, ctWant{v.Class, v.Clause, v.Call}.String())
			}
			for _, w := range tt.want {
				want = append(want, w.String())
			}
			sort.Strings(got)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("violations:\n  got  %q\n  want %q\nin full:\n%s", got, want, ctErrors(vs))
			}
			for _, v := range vs {
				msg := v.Error()
				if !strings.HasPrefix(msg, fmt.Sprintf("%s [%s] %s: ", v.Class, v.Clause, v.Call)) {
					t.Errorf("Error() = %q: does not name class, clause and call %q", msg, v.Call)
				}
				if v.Got == "" || v.Want == "" {
					t.Errorf("%s: empty Got or Want", msg)
				}
				if tt.text != "" && !strings.Contains(msg, tt.text) {
					t.Errorf("Error() = %q, want it to mention %q", msg, tt.text)
				}
				if tt.evidence != "" && v.Evidence != tt.evidence {
					t.Errorf("Evidence = %q, want %q", v.Evidence, tt.evidence)
				}
			}
		})
	}
}

func ctErrors(vs []*Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "  %s\n", v.Error())
	}
	return b.String()
}

// TestEvaluateDoesNotMutate checks that judging a trace leaves it as it was
// (the minimizer and the report reuse the records).
func TestEvaluateDoesNotMutate(t *testing.T) {
	mk := func() []*callRecord {
		return []*callRecord{
			ctCall("client1", 1, scenarios.Wait).began(0, 1).ended(2*msec, 4).fails(errCT).rec(),
			ctCall("monitor", 1, scenarios.Reap).reaps(0).began(1*msec, 2).ended(1*msec, 3).rec(),
			ctCall("client2", 1, scenarios.Delete).began(0, 5).rec(),
		}
	}
	calls, orig := mk(), mk()
	evaluate(defaults(), calls, Pid, time.Minute)
	for i := range calls {
		if fmt.Sprintf("%+v", *calls[i]) != fmt.Sprintf("%+v", *orig[i]) {
			t.Errorf("record %d changed:\n  got  %+v\n  want %+v", i, *calls[i], *orig[i])
		}
	}
}

// TestContractClausesHaveText checks that every clause a violation can
// name has a line in the report.
func TestContractClausesHaveText(t *testing.T) {
	for _, cl := range []string{ClauseNoPanic, ClauseWaitBounded, ClauseWaitSeesExit, ClauseDeleteBounded,
		ClauseDeleteHonest, ClauseAfterDelete, ClauseOneExit, ClauseNoLeak, ClauseKillBounded,
		ClauseReapPrompt, ClauseKillDelivers, ClauseDeadlock, ClauseRealTime, ClauseOutsideBubble,
		ClauseLimits, ClauseCrash, ClauseNoRace} {
		if clauseText[cl] == "" {
			t.Errorf("clause %q has no text", cl)
		}
	}
}

// TestReadmeNamesEveryClause checks that the README's contract table has
// a row for every clause a report can name.
func TestReadmeNamesEveryClause(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for cl := range clauseText {
		if !strings.Contains(string(readme), "| `"+cl+"`") {
			t.Errorf("README.md's contract table has no row for the clause %q", cl)
		}
	}
}

// TestViolationIs checks that each class matches its sentinel and no
// other, directly, wrapped, and through errors.Join.
func TestViolationIs(t *testing.T) {
	sentinels := map[Class]error{
		ClassPanic:    ErrPanic,
		ClassHang:     ErrHang,
		ClassLeak:     ErrLeak,
		ClassContract: ErrContract,
	}
	for class := range sentinels {
		v := &Violation{Class: class, Clause: "c", Call: "client1 Wait#1"}
		wrapped := fmt.Errorf("scenario 3: %w", v)
		joined := errors.Join(errors.New("other"), v)
		for other, sentinel := range sentinels {
			want := other == class
			if got := errors.Is(v, sentinel); got != want {
				t.Errorf("errors.Is(%s violation, %v) = %v, want %v", class, sentinel, got, want)
			}
			if got := errors.Is(wrapped, sentinel); got != want {
				t.Errorf("errors.Is(wrapped %s violation, %v) = %v, want %v", class, sentinel, got, want)
			}
			if got := errors.Is(joined, sentinel); got != want {
				t.Errorf("errors.Is(joined %s violation, %v) = %v, want %v", class, sentinel, got, want)
			}
		}
	}
	// A violation of no known class matches no sentinel.
	for _, s := range sentinels {
		if errors.Is(&Violation{Class: "odd"}, s) {
			t.Errorf("a violation of class %q matches %v", "odd", s)
		}
	}
}

// TestViolationResultErr checks that Result.Err joins the violations so
// that each class is found, and is nil when there are none.
func TestViolationResultErr(t *testing.T) {
	r := &Result{Violations: []*Violation{{Class: ClassHang}, {Class: ClassLeak}}}
	err := r.Err()
	for s, want := range map[error]bool{ErrHang: true, ErrLeak: true, ErrPanic: false, ErrContract: false} {
		if got := errors.Is(err, s); got != want {
			t.Errorf("errors.Is(Err(), %v) = %v, want %v", s, got, want)
		}
	}
	if !r.Failed() {
		t.Error("Failed() = false with violations")
	}
	empty := &Result{}
	if empty.Err() != nil || empty.Failed() {
		t.Errorf("empty result: Err() = %v, Failed() = %v; want nil, false", empty.Err(), empty.Failed())
	}
}

// TestResultPrimary checks the order a report leads with: panic > hang >
// contract > leak, the first of a class winning.
func TestResultPrimary(t *testing.T) {
	leak := &Violation{Class: ClassLeak, Call: "leak"}
	contract := &Violation{Class: ClassContract, Call: "contract"}
	hang1 := &Violation{Class: ClassHang, Call: "hang1"}
	hang2 := &Violation{Class: ClassHang, Call: "hang2"}
	panik := &Violation{Class: ClassPanic, Call: "panic"}
	tests := []struct {
		vs   []*Violation
		want *Violation
	}{
		{nil, nil}, // no violations, no primary
		{[]*Violation{leak, contract, hang1, panik}, panik}, // a panic beats all
		{[]*Violation{leak, contract, hang2, hang1}, hang2}, // a hang beats contract and leak; the first hang wins
		{[]*Violation{leak, contract}, contract},            // a contract violation beats a leak
		{[]*Violation{leak}, leak},                          // a leak alone
	}
	for i, tt := range tests {
		r := &Result{Violations: tt.vs}
		if got := r.Primary(); got != tt.want {
			t.Errorf("case %d: Primary() = %v, want %v", i, got, tt.want)
		}
	}
}
