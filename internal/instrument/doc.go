// Package instrument builds the test binary reaptest's isolated child runs:
// the same tests, compiled from a rewritten copy of the code under test in
// which every synchronization operation first calls the hook package
// [HookPath] (harness/autopoint), so that the harness can yield there. The
// user's files are never touched: the rewritten copies live in a cache
// directory and reach the compiler through go test -overlay.
//
// # Building
//
// [Build] makes the binary: go test -c -overlay=<rewritten files> with the
// running test binary's build flags, for the running test binary's
// package. It instruments the package that defines the task's type and
// the packages of the main module it imports ([Config.TaskPkg]), and any
// package named in [Config.Packages]. It is done once per test binary run
// and cached across runs under os.UserCacheDir()/reaptest, keyed by
// everything that determines the binary (toolchain, flags, the sources of
// every package and test file), which takes go list -export and type-checking
// the instrumented packages to know (0.15-0.4 s). A later run of the same
// test binary skips that: a memo keyed by the running binary's Go build ID
// (which the go command derives from those same inputs), its flags and the
// go command's environment names the cached binary (well under 1 ms). Of
// processes building the same binary at once (parallel Ginkgo processes)
// one builds it, under a file lock, and the others wait for it (at most 5 minutes, then they build too); every
// file reaches the cache through a temporary file renamed into place. A
// rewritten file that does not compile (which the tests have not seen
// happen) is left out and the build tried once more without it; the file
// and the compiler's message are in [Binary.Unrewritten]. When the build
// fails (no go command, a build error, no writable cache) its error is one
// line that says why; the caller then runs uninstrumented and says so.
// The cache is bounded (EnvCacheSize, least recently used binaries
// evicted first) and private to the user; see cache.go.
//
// A package in the module cache cannot be overlaid (the go command
// refuses): its module is then replaced, through a copy of the main
// module's go.mod passed as -modfile, by a copy of the module in the cache
// directory (hard links to its files, and the rewritten ones; a module
// with no go.mod of its own, such as an +incompatible one, gets the
// "module <path>" the go command makes up for it). This does
// not work in workspace mode (go.work) or for a module that go.mod already
// replaces by another module version; such packages are listed in
// [Binary.Unrewritten].
//
// Build flags carry over from the running binary's build info: -race,
// -tags, -gcflags, -ldflags (not recorded under -trimpath), -trimpath,
// -cover and the covermode the caller passes ([Config.CoverMode]), and
// CGO_ENABLED, GOOS, GOARCH, GOEXPERIMENT and the like. What the running
// binary cannot know, such as -coverpkg, goes in the environment variable
// REAPTEST_BUILDFLAGS ([EnvBuildFlags]), e.g.
//
//	REAPTEST_BUILDFLAGS='-coverpkg=./...' go test -cover -coverpkg=./... ./...
//
// REAPTEST_AUTOPOINTS=0 ([EnvAutopoints], [Enabled]) turns automatic fault
// points off.
//
// # Coverage
//
// With -cover, go test hands the cover tool the original files, not the
// overlay's (golang/go#73802): a covered package would silently be built
// uninstrumented. Build then runs the build through a small -toolexec
// wrapper (built once into the cache) that gives the cover tool the
// rewritten files. Because the rewriting adds no statement and keeps every
// position (below), the child's coverage metadata is identical to the
// parent's, and a child run with -test.gocoverdir=<the parent's>
// ([Binary.Args]) adds its counts to the parent's report exactly: same
// percentage, same profile, as if the check had run in process. A child
// that crashes writes no coverage. A parent with no -test.gocoverdir (go
// test always passes one; the ginkgo command's -cover and a binary run by
// hand with only -test.coverprofile do not) merges from a directory it
// makes at its exit, so the child's counts cannot reach its report.
//
// # What is rewritten
//
// In the Go files of the instrumented packages (see [Build]), with type
// information, so that a user's method named Lock or Wait is left alone
// and an embedded sync.Mutex is not:
//
//   - sync.Mutex, RWMutex and Locker: Lock, Unlock, TryLock, RLock,
//     RUnlock, TryRLock; WaitGroup: Add, Done, Wait, Go; Once: Do; Cond:
//     Wait, Signal, Broadcast. The call mu.Lock() becomes
//     autopoint.V(id, mu.Lock)().
//   - sync/atomic functions (named Add, Load, Store, Swap, CompareAndSwap,
//     And, Or) and every method of the atomic types.
//   - channel send (autopoint.V(id, ch) <- v), receive (<-autopoint.V(id,
//     ch)), in any expression, condition or loop header; close(ch).
//   - for v := range ch becomes for v := range autopoint.Range(id, ch), a
//     range over a function that receives from ch: the point is passed
//     before every receive, on the loop's goroutine. (Over a type
//     parameter whose type set is channels, the point is passed once,
//     before the loop.) The loop's body then runs inside a function
//     literal the compiler makes, which stack traces show as
//     "(*T).loop-range1" above autopoint.Range's frame.
//   - select: its point wraps the channel of its first communication, which
//     is evaluated first when the select begins; its cases are not points
//     of their own.
//   - go f(x) becomes go autopoint.V(id, f)(x): the point is passed before
//     the goroutine starts, on the goroutine that starts it.
//   - defer mu.Unlock() becomes defer autopoint.Deferred(id, mu.Unlock), and
//     defer close(ch) defer autopoint.DeferredClose(id, ch): the point is
//     passed when the deferred call runs.
//
// A point is named by where it is and what it does, as internal/hook's
// Name gives it: "task.go:42 close", "task.go:37 Unlock".
//
// Not rewritten: test files, except the methods they declare when the
// task's factory is in the test package or its external test package (a
// task type written in a _test.go file; the tests, their helpers and
// package-level code stay as they are), cgo files (the Go files of a cgo
// package are), assembly, the standard library, and reaptest's own
// packages unless named. Not points: a deferred operation with arguments (defer
// wg.Add(-1)), a go statement calling a builtin or an implicitly
// instantiated generic function with no typed argument to wrap, a method
// value called later (f := mu.Unlock; f()). Each but the last is listed
// in [Binary.Skips].
//
// # Positions
//
// A file of a module whose go.mod says a version older than the rewritten
// file needs (go1.18 for the generic V, go1.23 for Range) gets "&& go1.N"
// on its //go:build line (or a //go:build go1.N line before its first,
// followed by a directive that numbers the lines as before).
//
// No statement is added: every operation is wrapped in an expression, and
// every inserted text is followed by a /*line file:line:col*/ directive that
// gives the original text after it its original position. The import goes
// on the package clause's line and the sites' registration after the
// file's last line. So stack traces, go vet and coverage name the user's
// lines and columns, and the cover tool sees the same blocks with the same
// statement counts as in the original: its coverage metadata is identical,
// and a child's coverage counters merge with its parent's exactly.
package instrument
