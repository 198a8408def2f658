package suites

import (
	"flag"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
)

// FuzzBytes returns the check of newTask as a function of one input of
// bytes, for fuzzing engines that call such a function rather than a Go
// fuzz test: libFuzzer targets that OSS-Fuzz and ClusterFuzzLite build
// with compile_go_fuzzer (go114-fuzz-build), AFL. The input decides one
// scenario as in FuzzTask (the same decoding, so the same bytes give the
// same scenario as a FuzzTask target with Isolate(false) and the same
// options), which runs in this process, never in a child: such a binary
// is no go test binary that could start one, the engine isolates
// crashes itself, and its coverage sees the task's code. Automatic fault
// points need reaptest's instrumented go test build, so only hand-placed
// points (Env.Point, Env.Fail) are faulted. The first call learns the
// task's shape (a named scenario that fails is returned by every call).
// A failing input's error is reaptest's report (a *harness.Failure): the
// failure minimized, saved to testdata/reaptest/<name>/ under the working
// directory, and the command that replays the saved file through the go
// test fuzz target of that name in the caller's package (FuzzTask). The
// function returned may be called from several goroutines (it runs one
// input at a time); it
// needs a *testing.T for testing/synctest, which it gets by running the
// testing package's own main on a goroutine of its own (testing.Main),
// once, when the binary is not a go test binary.
//
//	var checkExitPath = suites.FuzzBytes("FuzzExitPath", NewTask)
//
//	// LibFuzzExitPath is the libFuzzer target: compile_go_fuzzer <pkg> LibFuzzExitPath fuzz_exit_path
//	func LibFuzzExitPath(data []byte) int {
//		if err := checkExitPath(data); err != nil {
//			panic(err) // the engine keeps the input as a crash; the message is the report
//		}
//		return 0
//	}
func FuzzBytes(name string, newTask harness.NewTask, opts ...harness.Option) func(data []byte) error {
	repro := fmt.Sprintf("go test %s -count=1 -run '%s'", callerPackage(), runPattern(name))
	fz := &fuzzer{name: name, newTask: newTask, opts: opts, corpus: corpusDir(name), repro: repro, inProcess: true}
	var mu sync.Mutex
	return func(data []byte) error {
		mu.Lock()
		defer mu.Unlock()
		var f *harness.Failure
		withTestingT(func(t *testing.T) {
			shape, failed := fz.learn(t)
			if failed != nil {
				f = failed
				return
			}
			sc, what := decode(t, shape, data, false) // skips t for an input too short to decode: no failure
			f = fz.run(t, sc, what)
		})
		if f != nil {
			return f
		}
		return nil
	}
}

// callerPackage is the import path of the package that called the
// function that calls it.
func callerPackage() string {
	pc, _, _, ok := runtime.Caller(2)
	fn := runtime.FuncForPC(pc)
	if !ok || fn == nil {
		return "."
	}
	return funcPackage(fn.Name()) // example.com/x/fuzz.init or example.com/x/fuzz.F.func1
}

// withTestingT calls f with a *testing.T of its own and returns once f has
// returned (or called t.Skip or t.FailNow): in a go test binary through
// testrun.RunAsTest, elsewhere as a subtest of a test that runs forever
// under testing.Main on a goroutine started once (testing.RunTests alone
// runs nothing before testing's main has read its flags).
func withTestingT(f func(t *testing.T)) {
	if testing.Testing() {
		testrun.RunAsTest(f)
		return
	}
	mainT.once.Do(func() {
		mainT.calls = make(chan tCall)
		testing.Init()
		if !flag.Parsed() {
			// testing's main parses the command line unless it was: the
			// engine's own arguments are not the testing package's.
			_ = flag.CommandLine.Parse(nil)
		}
		match := func(pat, str string) (bool, error) { return true, nil }
		go testing.Main(match, []testing.InternalTest{{Name: "reaptest", F: serveT}}, nil, nil)
	})
	done := make(chan struct{})
	mainT.calls <- tCall{f: f, done: done}
	<-done
}

// mainT is the test withTestingT runs its calls in, outside a go test binary.
var mainT struct {
	once  sync.Once
	calls chan tCall
}

// tCall is one call of withTestingT.
type tCall struct {
	f    func(*testing.T)
	done chan struct{}
}

// serveT runs every call of withTestingT as a subtest of t, one after the
// other, forever.
func serveT(t *testing.T) {
	for c := range mainT.calls {
		t.Run("input", func(t *testing.T) {
			defer close(c.done)
			c.f(t)
		})
	}
}
