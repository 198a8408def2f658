// Package harness is reaptest's engine: it runs scenarios against a task's
// exit path (Reap, Wait, Delete and optionally Kill) under injected faults,
// on virtual time, and judges every call against the contract.
//
// # Plugging in
//
// An implementation is a [NewTask]: a factory that builds a fresh [Task]
// from an [Env] (the simulated [Process], the fault-point hook Env.Point
// and the fail-point hook Env.Fail, whose errors wrap [ErrInjected]).
// Tasks that can signal their process also implement [Killer].
// Most users do not call this package directly but the suites package:
// suites.TestTask for go test, specs.DescribeTask (suites/specs) for
// Ginkgo.
//
// # Entry points
//
//   - [Check] runs the named scenarios, explores generated ones with rapid,
//     and returns the first [Failure], minimized, with its reproducer.
//   - [Run] runs one scenario and returns its [Result].
//   - [Bubble] is how either gets a testing/synctest bubble.
//
// # What is judged
//
// Each [Violation] has a [Class] (panic, hang, leak, contract, race; setup
// for a task that waits on package-level state) and names its clause
// ([ClauseNoPanic] ... [ClauseNoRace], [ClauseOutsideBubble]); errors.Is
// matches the class sentinels [ErrPanic], [ErrHang], [ErrLeak],
// [ErrContract], [ErrRace] and [ErrSetup].
//
// # How hangs are seen without waiting
//
// Each scenario runs in its own synctest bubble, so deadlines and delays
// cost no real time, and a call that never returns is found as soon as
// everything else is blocked. A goroutine waiting for a sync.Mutex (or on a
// channel from outside the bubble) is not durably blocked, which freezes
// the bubble's clock; a watchdog outside the bubble sees the scenario stop
// making progress, reads one goroutine dump, sees that every goroutine of
// the bubble is blocked, and reports the deadlock within milliseconds (a
// dump costs about 1 µs per goroutine of the process, so none is taken
// while scenarios progress). Busy loops hit the real-time limit
// ([ScenarioTimeout]). What the harness cannot stop (a frozen or spinning
// bubble) it leaves behind and says so in Result.Abandoned.
//
// # Options
//
// What to explore: [Checks], [MaxActors], [MaxCalls], [Procs];
// an indexed scenario space to split among CI jobs or to soak: [Shard],
// [Seed], [Soak]; several child processes for one check: [Children].
// Bounds: [Grace], [ScenarioTimeout], [Limits]. The contract, tightened:
// [DeleteBeforeExitFails], [KillAfterExitFails]; relaxed, as every report
// lists (Result.Relaxations): [KillBoundedBy], [DeleteReturnsNoExit],
// [ExitPidMayBeZero], [WaitMayFailDuringDelete]. Fault points and
// isolation, carried out by the suites package: [AutoPoints],
// [HandPoints], [Instrument], [Isolate]. Where results go: [Corpus],
// [Reproduce], [Logf], [OnExplored]. The suites package sets these last
// four itself, and stops a check at its test's -timeout; a caller of
// [Check] sets what it wants of them and bounds a check with [Checks] or
// [Soak].
//
// # Replay and the corpus
//
// Failures are saved as scenario files ([Corpus]) and
// replayed first on every run; [Replay] runs one file, [ExploreAround]
// varies a scenario written from a bug report until it fails, and
// [ScenarioFromDump] turns a goroutine dump of a hung process into one.
//
// # Limits
//
// In this process, a panic on a goroutine the implementation starts
// itself, a fatal runtime error (concurrent map writes) or os.Exit ends the
// test binary: no recover can see them. The suites package runs checks in
// a child process ([Isolate]) to report those too.
// A busy goroutine keeps spinning after it is reported. Fault-point delays
// are scheduler yields, so races that need them are found by probability,
// not by construction; a counterexample that fails on one processor is
// replayed there (scenarios.Scenario.Procs), where it replays exactly.
package harness
