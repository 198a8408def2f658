// Package scenarios describes what happens to one task: the world's faults
// (a faults.Plan) and the clients' calls ([Actor], [Call]), as plain data.
//
//   - [Scenario] and its String form, one fact a line, as reports print it;
//     [Parse] and [ParseFile] read that form back.
//   - [Gen] draws scenarios with rapid, every choice before anything runs,
//     so that shrinking and replay see the same scenario; [Around] draws
//     variations of one. Both return rapid's *rapid.Generator, not a type
//     of this package: rapid (pgregory.net/rapid) is the property engine
//     every check already runs on, its flags and RAPID_ variables apply,
//     and its generator is what shrinks. A wrapper would have to hide
//     shrinking or re-export rapid's T to draw with; the generator itself
//     composes with rapid.Check, rapid.Map and rapid.MakeFuzz. An upgrade
//     of rapid that changes Generator changes this API.
//   - [Named] are hand-written scenarios for the situations of the fault
//     model (a lost exit, a duplicate exit, an exit after Delete, ...):
//     the harness runs them before it explores.
//
// # Scenario notation
//
// A scenario is text, one fact a line, as a report prints it and as a
// person writes it from a bug report (testdata/*.scenario has examples):
//
//	# optional: GOMAXPROCS, and who goes first at a shared instant (reapN, clientN)
//	schedule procs=<n> first=<lane>,<lane>,...
//	# the process: when it exits by itself, its status, how it takes signals
//	process exit=<dur>|never status=<n> sigterm=ignore|exit:<dur> [sigkill=exit:<dur>]
//	# the monitor: the exit is lost, or delivered by one Reap per line
//	monitor lost
//	monitor reap after=<dur> status=real|<n>
//	# a fault point: its pass number (or every pass) yields n times
//	point <name> hit=<n>|* yield=<n>
//	# a fail point: its pass number (or every pass, until teardown) fails
//	fail <name> hit=<n>|*
//	# a go statement of instrumented code: at that pass the new goroutine runs first
//	go <name> hit=<n>|* first=child
//	# the clients, client1, client2, ... in order, each line its calls in order
//	client1: <call>; <call>; ...
//	# a call
//	wait|delete|kill [sig=<n>|TERM|KILL] [after=<dur>] [ctx=background|timeout:<dur>|cancel:<dur>|cancelled]
//
// Blank lines are ignored, and so is everything from a # to the end of a
// line. Lines may be indented and come in any order, except that the
// monitor reap lines, the point lines and the fail lines keep theirs, and the clients are
// numbered in order. Within a line, keys come in any order and may be
// omitted, meaning: exit=never status=0 sigterm=exit:0 without a process
// line or key; no monitor line means monitor lost; after=0 status=real for
// a delivery; hit=* yield=1 for a point; hit=* for a fail; after=0
// ctx=background for a call.
// Only kill's sig is required. sigkill=exit:<dur> goes with sigterm=ignore
// and is SIGKILL's exit delay (with sigterm=exit:<dur>, that delay applies
// to every heeded signal). Durations are time.ParseDuration syntax (10ms,
// 1.5s, 500us or 500µs) or 0; exit= alone also takes never. A point or fail name
// is a token of A-Z a-z 0-9 _ : . / - or a Go quoted string ("reap close").
//
// [Scenario.String] prints the canonical form: every line and key in the
// order above, defaults written out except after=0 on calls and sigkill=
// when it is 0, signals as numbers. Parse reads what String prints back to
// the same scenario, and reports the first error with its line and column
// (in bytes) as a *[ParseError].
package scenarios
