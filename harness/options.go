package harness

import (
	"fmt"
	"time"

	"github.com/reaptest/reaptest/internal/notation"
	"github.com/reaptest/reaptest/scenarios"
)

// Option tunes a check. Options are applied in order; later ones win.
type Option interface{ apply(*config) }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// config is every knob, with its default set in one place: defaults.
type config struct {
	checks        int           // scenarios to explore
	grace         time.Duration // virtual: how late a call may return past its bound
	scenarioLimit time.Duration // real time one scenario may take
	maxActors     int
	maxCalls      int
	teardownCtx   time.Duration // virtual: the teardown Delete's deadline
	horizon       time.Duration // virtual: when teardown starts at the latest
	windDown      time.Duration // virtual: how long goroutines get to end after teardown
	deleteNoWait  bool          // Delete before the exit must fail, not wait
	killESRCH     bool          // Kill after the exit must fail with ESRCH
	killBound     time.Duration // virtual: Kill's own bound (KillBoundedBy), 0 when Kill is bounded by its ctx
	deleteNoExit  bool          // a successful Delete may return the zero Exit (DeleteReturnsNoExit)
	pidZero       bool          // a successful Wait or Delete may report pid 0 (ExitPidMayBeZero)
	waitInDelete  bool          // WaitMayFailDuringDelete was given: only listed, the default allows what it did
	repro         string        // command prefix that reruns this check
	logf          func(format string, args ...any)
	onFound       func(explored int)
	corpus        string // directory of saved scenarios, "" for none
	progress      func(sc scenarios.Scenario)
	heartbeat     func()        // called when a scenario slow in real time gets another limit (Heartbeat)
	isolate       int           // 0: the edge's default; 1 on; -1 off
	autoPoints    int           // 0: the edge's default (on); 1 on; -1 off
	instrument    []string      // further packages to instrument (Instrument)
	handOff       bool          // Env.Point does nothing (HandPoints(false))
	maxGoroutines int           // more goroutines than this during a scenario is a failure
	maxHeap       uint64        // more heap than this (bytes) during a scenario is a failure
	procs         int           // GOMAXPROCS while a check explores; 0 leaves it
	deadline      time.Time     // real time when exploring stops; zero for none
	typical       time.Duration // moving average of a scenario's real time, learned as a check runs
	watchTimer    *time.Timer   // the watchdog's, reused from scenario to scenario (they run one at a time)
	// leftSeen: a scenario of this check has left goroutines behind and
	// they were looked at (leftBehind); the scenarios after it that leave
	// some, without detail, are not (see ended).
	leftSeen   bool
	onExplored func(Coverage)
	onNothing  func(ran int) // the deadline stopped the check before it explored anything (onNothing)
	ownsHook   bool          // this check owns autopoint's hook (see autohook.go)
	hookBusy   bool          // another check owned it when this one started
	// detail records what a report needs beyond the verdict (the goroutine
	// of each call, every timeline): set for single runs and for failing
	// scenarios, off while exploring, where it would cost a third of the
	// time.
	detail bool
	bare   bool // Replay without detail (bare)
	// scale shares out the scenarios: shards, a seed, a soak (shard.go).
	scale scaling
}

func defaults() *config {
	return &config{
		checks:        5000,
		grace:         100 * time.Millisecond,
		scenarioLimit: 3 * time.Second,
		maxActors:     4,
		maxCalls:      3,
		teardownCtx:   10 * time.Second,
		horizon:       time.Minute,
		windDown:      time.Second,
		maxGoroutines: 100000,
		procs:         1,
		maxHeap:       4 << 30,
	}
}

func newConfig(opts []Option) *config {
	c := defaults()
	for _, o := range opts {
		if o != nil {
			o.apply(c)
		}
	}
	return c
}

// Checks sets how many scenarios a check explores (default 5000), in
// rounds of rapid's -rapid.checks (RAPID_CHECKS; default 100). An explicit
// -rapid.checks, -rapid.seed or -rapid.failfile flag takes precedence: the
// check is then one rapid run of -rapid.checks scenarios.
func Checks(n int) Option { return optionFunc(func(c *config) { c.checks = n }) }

// Grace sets how long, in virtual time, a call may take past the moment the
// contract says it must return (default 100ms).
func Grace(d time.Duration) Option { return optionFunc(func(c *config) { c.grace = d }) }

// ScenarioTimeout sets the real time one scenario may take before it is
// reported as a hang (default 3s). Scenarios run on virtual time and
// normally take microseconds; only busy loops and blocking the watchdog
// cannot classify come near it.
func ScenarioTimeout(d time.Duration) Option {
	return optionFunc(func(c *config) { c.scenarioLimit = d })
}

// MaxActors sets the most concurrent clients per scenario (default 4).
func MaxActors(n int) Option { return optionFunc(func(c *config) { c.maxActors = n }) }

// MaxCalls sets the most calls each client makes (default 3).
func MaxCalls(n int) Option { return optionFunc(func(c *config) { c.maxCalls = n }) }

// DeleteBeforeExitFails tightens the contract: a Delete before the process
// has exited must return an error within the grace period instead of
// waiting for the exit.
func DeleteBeforeExitFails() Option { return optionFunc(func(c *config) { c.deleteNoWait = true }) }

// KillAfterExitFails tightens the contract: a Kill after the exit was
// reaped must return an error wrapping syscall.ESRCH.
func KillAfterExitFails() Option { return optionFunc(func(c *config) { c.killESRCH = true }) }

// KillBoundedBy relaxes kill-bounded for a Kill that takes no deadline
// from its ctx but has one of its own, as moby's ContainerKill(name, sig):
// it signals, waits up to 10s for the exit, kills and waits 2s more, so
// KillBoundedBy(12*time.Second). Kill must then return within d + grace of
// its start, whatever its ctx, instead of within grace of its ctx's end.
// The other bounds on Kill stay: within grace when the exit was reaped
// before it began, and after a successful Delete. d <= 0 restores the
// default (bounded by its ctx).
func KillBoundedBy(d time.Duration) Option {
	return optionFunc(func(c *config) { c.killBound = max(d, 0) })
}

// DeleteReturnsNoExit relaxes one-exit for a Delete that reports no exit
// (moby's rm returns no exit code): a successful Delete may return the
// zero Exit, which is then not compared with the reaped exit. An Exit other
// than the zero one is judged as before, and Wait is unchanged; when Delete
// may succeed, how long it may take and what it must do to waiters are
// unchanged too.
func DeleteReturnsNoExit() Option { return optionFunc(func(c *config) { c.deleteNoExit = true }) }

// ExitPidMayBeZero relaxes one-exit for a task that forgets the pid at the
// exit (moby's container.State zeroes Pid in SetStopped): a successful
// Wait or Delete may report pid 0 in place of the process's pid. The status
// must still be the reaped exit's, and any other pid is still wrong.
func ExitPidMayBeZero() Option { return optionFunc(func(c *config) { c.pidZero = true }) }

// WaitMayFailDuringDelete is kept for callers written before the judge
// checked linearizability; it changes nothing. What it allowed — a Wait
// that overlaps a successful Delete may fail, the task gone (moby's rm
// drops the container from the daemon's store before it returns, and a
// `docker wait` arriving then gets "No such container") — is now the
// default: the Delete may have taken effect first. A Wait that returned
// before every successful Delete began must still see the exit.
func WaitMayFailDuringDelete() Option { return optionFunc(func(c *config) { c.waitInDelete = true }) }

// relaxations returns the contract relaxations opts state, one line each,
// as every report prints them after "contract relaxations:"; none for the
// default contract. The tightenings (DeleteBeforeExitFails,
// KillAfterExitFails) are not relaxations and are not listed.
func relaxations(opts ...Option) []string { return newConfig(opts).relaxations() }

// relaxations is the package-level relaxations for a config.
func (c *config) relaxations() []string {
	var out []string
	if c.killBound > 0 {
		out = append(out, fmt.Sprintf("KillBoundedBy(%s): Kill returns within %s + grace of its start, whatever its ctx (kill-bounded)",
			notation.FormatDuration(c.killBound), notation.FormatDuration(c.killBound)))
	}
	if c.deleteNoExit {
		out = append(out, "DeleteReturnsNoExit(): a successful Delete may return the zero Exit, which is not compared (one-exit)")
	}
	if c.waitInDelete {
		out = append(out, "WaitMayFailDuringDelete(): no effect, the default contract allows a Wait overlapping a successful Delete to fail (wait-sees-exit)")
	}
	if c.pidZero {
		out = append(out, "ExitPidMayBeZero(): a successful Wait or Delete may report pid 0 for the process's pid; the status must match (one-exit)")
	}
	return out
}

// Reproduce sets the command that reruns this check, e.g.
// "go test ./pkg -run '^TestTask$'"; reports append the seed to it. The
// suites package sets it to the test's own command; a caller of Check
// sets it for its test (default: no reproducer).
func Reproduce(cmd string) Option { return optionFunc(func(c *config) { c.repro = cmd }) }

// onFound sets a function Check calls when it first sees a failure, before
// it shrinks it, with the number of scenarios run so far (named ones
// included). Benchmarks use it to time detection apart from shrinking.
func onFound(f func(explored int)) Option { return optionFunc(func(c *config) { c.onFound = f }) }

// OnExplored sets a function a check calls when it ends, passing or not,
// with what it explored (see Coverage). The suites package formats it;
// Logf hears a default line.
func OnExplored(f func(Coverage)) Option { return optionFunc(func(c *config) { c.onExplored = f }) }

// Logf sets where progress notes go (default: nowhere); the suites
// package sets t.Logf.
func Logf(f func(format string, args ...any)) Option {
	return optionFunc(func(c *config) { c.logf = f })
}

// progress sets a function called with every scenario just before it runs.
// A supervisor uses it to know which scenario was running when its child
// process died.
func progress(f func(sc scenarios.Scenario)) Option {
	return optionFunc(func(c *config) { c.progress = f })
}

// heartbeat sets a function the watchdog calls, on its own goroutine,
// each time it gives a scenario another real-time limit because the
// scenario's virtual clock still advances (a task that polls): such a
// scenario may take minutes of real time without a new one beginning, and
// a supervisor that watches progress tells it from a stuck one by this.
func heartbeat(f func()) Option { return optionFunc(func(c *config) { c.heartbeat = f }) }

// bare makes Replay run without detail, as a check explores: detail's
// notes take the run's lock at every fault point, which orders the task's
// goroutines for the race detector and hides the race a replay is meant
// to confirm.
func bare() Option { return optionFunc(func(c *config) { c.bare = true }) }

// Isolate asks for (true) or declines (false) running the check in a child
// process, so that a panic on a goroutine of the task, a fatal runtime
// error or os.Exit is reported instead of killing the test binary. The
// harness records the choice; the suites package carries it out.
func Isolate(on bool) Option {
	return optionFunc(func(c *config) {
		c.isolate = -1
		if on {
			c.isolate = 1
		}
	})
}

// AutoPoints turns automatic fault points on or off. They are on by
// default in the suites package: the isolated check runs in a test binary
// built from a rewritten copy of the task's code, with a fault point
// before every synchronization operation (see internal/instrument), so
// races are explored without env.Point calls. The environment variable
// REAPTEST_AUTOPOINTS=0 turns them off where the options do not say.
// Automatic points need isolation (Isolate): without it they are off.
func AutoPoints(on bool) Option {
	return optionFunc(func(c *config) {
		c.autoPoints = -1
		if on {
			c.autoPoints = 1
		}
	})
}

// Instrument names further packages, by import path, whose
// synchronization operations become automatic fault points, e.g. a
// dependency such as "github.com/docker/docker/container" to explore
// inside it. By default the package that defines the task's factory and
// the packages of the main module it imports are instrumented.
func Instrument(pkgs ...string) Option {
	return optionFunc(func(c *config) { c.instrument = append(c.instrument, pkgs...) })
}

// HandPoints(false) makes Env.Point do nothing, so that only the
// automatic fault points are explored: it shows what a task's hand-placed
// points add, and that its races are found without them.
func HandPoints(on bool) Option { return optionFunc(func(c *config) { c.handOff = !on }) }

// autoPointsOf reports what opts say about automatic fault points: whether
// they say anything, whether they are on, and the further packages named
// by Instrument. It is for the suites package.
func autoPointsOf(opts ...Option) (set, on bool, pkgs []string) {
	c := newConfig(opts)
	return c.autoPoints != 0, c.autoPoints > 0, c.instrument
}

// isolation reports what opts say about isolation: whether they say
// anything, and if so whether it is on.
func isolation(opts ...Option) (set, on bool) {
	c := newConfig(opts)
	return c.isolate != 0, c.isolate > 0
}

// Limits sets the most goroutines the process may hold and the most heap
// (bytes) it may use while a scenario runs (defaults 100,000 and 4 GiB);
// past either the scenario fails, as a goroutine or memory bomb.
func Limits(goroutines int, heap uint64) Option {
	return optionFunc(func(c *config) { c.maxGoroutines, c.maxHeap = goroutines, heap })
}

// Procs sets GOMAXPROCS while a check runs (default 1; 0 leaves the
// process's). On one processor the Go scheduler switches goroutines only
// where they block or yield (at fault points), so every failure replays
// exactly, rapid's shrinking is reliable, and a scenario runs about 45%
// faster (measured on 2 cores); races that need two goroutines running at
// once with no fault point between them need Procs(0) to be found at all,
// and then only by chance.
func Procs(n int) Option { return optionFunc(func(c *config) { c.procs = n }) }

// onNothing sets a function a check calls when its deadline (stopAt)
// stopped it before it explored a single scenario beyond the fixed ones
// (corpus, named, warm-up), with how many of those it ran: the suites
// package then skips its test rather than passing it.
func onNothing(f func(ran int)) Option { return optionFunc(func(c *config) { c.onNothing = f }) }

// stopAt sets the real time at which a check stops exploring, so that it
// fits into the time its test has: the suites package sets it from
// t.Deadline, the test binary's -timeout, less what it needs itself (a
// caller of Check bounds a check with Checks or Soak). Stopping there is
// not a failure: the check logs "stopped early: out of time after N
// scenarios" and passes, unless it found a failure before.
func stopAt(t time.Time) Option { return optionFunc(func(c *config) { c.deadline = t }) }

// outOfTime reports whether the check's deadline has passed.
func (c *config) outOfTime() bool { return !c.deadline.IsZero() && time.Now().After(c.deadline) }
