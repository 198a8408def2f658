// Package catalog bundles implementations of harness.Task: one correct
// reference and a set of deliberately buggy variants, each with the failure
// class the harness must report for it (Entry.Want).
//
// Every implementation is built on one unexported type, core (core.go): the
// correct Reap, Wait and Delete, over an exit guarded by a sync.Mutex and an
// exit channel closed exactly once. The reference is core plus Kill; each
// buggy variant embeds core and, in its own file, writes only the method(s)
// that carry its bug, marked with a "BUG:" comment. Every field that
// changes is guarded by core's mutex (channel fields are set at
// construction, and only delete-strands-waiters reassigns one, under that
// mutex), so no implementation has a data race: the buggy ones are wrong in
// their logic. Fault points (harness.Env.Point) sit at the start of each
// method, between checks and the acts that depend on them, and just before
// channels are closed or sent on.
//
// The entries, in the order All returns them:
//
//   - reference (correct): first Reap wins and closes the exit channel under a
//     mutex-guarded flag; Wait, Delete and Kill honour their ctx; no goroutines.
//   - no-context-wait (hang): Wait ignores its ctx and blocks on the exit channel.
//   - unguarded-close (panic): every Reap closes the exit channel, so a
//     duplicate Reap panics.
//   - check-then-act (panic): Reap checks and closes in two critical sections,
//     so two concurrent Reaps both close the channel.
//   - lock-while-waiting (hang): Delete waits for the exit holding the mutex
//     Reap needs, so Delete before Reap deadlocks.
//   - leaky-waiter (leak): Wait's helper goroutine blocks forever on an
//     unbuffered send once the caller's ctx has ended.
//   - delete-strands-waiters (hang): Delete replaces the exit channel with a
//     never-closed one, so Waits after Delete block.
//   - last-exit-wins (contract): a duplicate Reap overwrites the recorded exit.
//   - delete-before-exit (contract): Delete succeeds with a zero Exit before
//     the process has exited.
//   - blocking-reap (hang): Reap hands the exit over an unbuffered channel and
//     blocks the monitor when no Wait is receiving.
//   - kill-waits-for-exit (hang): Kill waits for the exit ignoring its ctx.
package catalog
