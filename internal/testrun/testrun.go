// Package testrun runs a function as a test of its own inside a running
// test binary, for code that needs a *testing.T where none is at hand (a
// Ginkgo spec, a benchmark): testing/synctest.Test requires one. It is
// plumbing of reaptest's suites and benchmarks, not API.
package testrun

import (
	"flag"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/reaptest/reaptest/harness"
)

// WithBubble calls f with a harness.Bubble where no *testing.T is at hand:
// f runs as a test of its own through RunAsTest. It reports whether that
// test ran and passed. Call it only from a test binary.
func WithBubble(f func(harness.Bubble)) bool {
	ran, ok := RunAsTest(func(t *testing.T) {
		f(func(g func()) { synctest.Test(t, func(*testing.T) { g() }) })
	})
	return ran && ok
}

// RunAsTest runs f as a test named "reaptest" through testing.RunTests. It
// matches whatever -test.run says and never -test.skip, runs f once even
// under -test.count, and prints nothing under -v unless it fails.
func RunAsTest(f func(t *testing.T)) (ran, ok bool) {
	// -test.run and -test.skip are the caller's: this inner test matches
	// any run pattern, and the skip pattern is cleared while it runs.
	if fl := flag.Lookup("test.skip"); fl != nil && fl.Value.String() != "" {
		skip := fl.Value.String()
		_ = fl.Value.Set("")
		defer func() { _ = fl.Value.Set(skip) }()
	}
	var once sync.Once
	match := func(string, string) (bool, error) { return true, nil }
	// Quiet: under -v (and go test -json) the inner test would show as a
	// test of its own that the user never wrote.
	if fl := flag.Lookup("test.v"); fl != nil && fl.Value.String() != "false" {
		v := fl.Value.String()
		_ = fl.Value.Set("false")
		defer func() { _ = fl.Value.Set(v) }()
	}
	// RunTests sets GOMAXPROCS to each -test.cpu value in turn: keep the
	// caller's, inside and after.
	procs := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(procs)
	ok = testing.RunTests(match, []testing.InternalTest{{
		Name: "reaptest",
		F: func(t *testing.T) {
			once.Do(func() {
				ran = true
				runtime.GOMAXPROCS(procs)
				f(t)
			})
		},
	}})
	return ran, ok
}
