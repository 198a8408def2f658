package suites

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best unqualified
	"github.com/onsi/ginkgo/v2/types"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
)

// DescribeTask registers the checks for newTask as specs in the caller's
// own Ginkgo suite: one spec per named scenario, then one that explores
// generated scenarios under faults. Use it while the spec tree is built,
// e.g. var _ = suites.DescribeTask("my task", NewTask). It never calls
// RunSpecs. Specs carry the label "reaptest" and are located at the
// DescribeTask call; a failing spec fails with the report as its message.
func DescribeTask(text string, newTask harness.NewTask, opts ...harness.Option) bool {
	at := types.NewCodeLocation(1)
	return Describe(text, Label("reaptest"), at, func() {
		for _, n := range scenarios.Named() {
			It(fmt.Sprintf("survives %s: %s", n.Name, n.Doc), at, func() {
				focus := CurrentSpecReport().FullText()
				repro := ginkgoRepro(focus)
				failIf(specIsolated(focus, "", repro, newTask, opts, func(t *testing.T, extra []harness.Option) (*harness.Failure, error) {
					f := harness.Replay(Bubble(t), newTask, n.Scenario, 1, append(append([]harness.Option{harness.Reproduce(repro)}, extra...), opts...)...)
					if f != nil {
						f.Name = "named scenario " + n.Name
					}
					return f, nil
				}))
			})
		}
		It("survives explored scenarios under faults", at, func() {
			focus := CurrentSpecReport().FullText()
			failIf(specCheck(focus, fileName(focus), newTask, opts))
		})
	})
}

// failIf fails the current spec with f's report, if f is a failure.
func failIf(f *harness.Failure) {
	if f != nil {
		Fail(f.Error())
	}
}

// specCheck runs the check of the spec focus — or, with REAPTEST_REPLAY
// set, the replay of that file — keeping counterexamples in the corpus
// testdata/reaptest/<corpus>.
func specCheck(focus, corpus string, newTask harness.NewTask, opts []harness.Option) *harness.Failure {
	repro := ginkgoRepro(focus)
	return specIsolated(focus, corpusDir(corpus), repro, newTask, opts, func(t *testing.T, extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			return replay(Bubble(t), newTask, path, repro, append(extra, opts...))
		}
		base := []harness.Option{harness.Reproduce(repro), harness.Corpus(corpusDir(corpus))}
		return harness.Check(fileName(focus), Bubble(t), newTask, append(append(base, extra...), opts...)...), nil
	})
}

// specIsolated runs check for the spec focus: in a child process when
// isolation is on, else here, with a *testing.T. A usage error fails the
// spec; it is never a verdict on the task.
func specIsolated(focus, corpus, repro string, newTask harness.NewTask, opts []harness.Option, check func(t *testing.T, extra []harness.Option) (*harness.Failure, error)) *harness.Failure {
	if passOver(focus) {
		return nil // a child started for another spec that the focus also matches
	}
	if !inChild() && isolated(opts) {
		if err := replayUsage(); err != nil {
			Fail(err.Error())
		}
		testNameOnce.Do(func() { testName = findRunSpecsCaller() })
		tg := target{name: focus, args: []string{"-ginkgo.focus=" + regexp.QuoteMeta(focus) + "$"}, ginkgo: true, corpus: corpus, repro: repro,
			logf: func(format string, args ...any) { fmt.Fprintf(GinkgoWriter, format+"\n", args...) }}
		if testName != "" {
			tg.args = append(tg.args, "-test.run=^"+testName+"$")
		}
		tg.deadline = binaryDeadline()
		tg.auto = autoFor(newTask, opts, tg.deadline)
		f, err := checkIsolated(tg)
		if err != nil {
			Fail(err.Error())
		}
		return f
	}
	var f *harness.Failure
	var err error
	if inChild() {
		childBegin(focus)
	}
	withT(func(t *testing.T) { f, err = check(t, childOptions()) })
	if inChild() {
		childDone(focus, f, err) // the parent reports; the child's spec passes
		return nil
	}
	if err != nil {
		Fail(err.Error())
	}
	return f
}

// DescribeAround registers a spec in the caller's Ginkgo suite that
// explores around the scenario in the file at path (see
// harness.ExploreAround) and fails with the first failure found. Its label
// is "reaptest"; it is located at the DescribeAround call.
func DescribeAround(text string, newTask harness.NewTask, path string, opts ...harness.Option) bool {
	at := types.NewCodeLocation(1)
	return Describe(text, Label("reaptest"), at, func() {
		It("survives the scenario in "+path+" and the ones around it", at, func() {
			sc, err := scenarios.ParseFile(path)
			if err != nil {
				Fail(err.Error())
			}
			focus := CurrentSpecReport().FullText()
			var f *harness.Failure
			withT(func(t *testing.T) {
				base := []harness.Option{harness.Reproduce(ginkgoRepro(focus)), harness.Corpus(corpusDir(fileName(focus)))}
				f = harness.ExploreAround(fileName(focus), Bubble(t), newTask, sc, append(base, opts...)...)
			})
			failIf(f)
		})
	})
}

// withT runs f with a *testing.T inside a Ginkgo spec, failing the spec
// if that cannot be done.
func withT(f func(t *testing.T)) {
	ran, ok := testrun.RunAsTest(f)
	if !ran {
		Fail("reaptest: could not start a test to run the scenario bubble in (a -test.skip pattern that matches \"reaptest\"?)")
	}
	if !ok {
		Fail("reaptest: the test running the scenario bubble failed (see its output above: a data race?)")
	}
}

var (
	testNameOnce sync.Once
	testName     string // the Go test function that called RunSpecs
)

// ginkgoRepro returns the command that reruns one spec.
func ginkgoRepro(focus string) string {
	testNameOnce.Do(func() { testName = findRunSpecsCaller() })
	cmd := fmt.Sprintf("go test%s %s -count=1", buildFlags(), packagePath())
	if testName != "" {
		cmd += fmt.Sprintf(" -run '^%s$'", testName)
	}
	cmd += fmt.Sprintf(" -ginkgo.focus '%s$'", regexp.QuoteMeta(focus))
	return cmd
}

// findRunSpecsCaller finds the test function blocked in RunSpecs, from the
// stacks of all goroutines.
func findRunSpecsCaller() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	lines := strings.Split(string(buf), "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "github.com/onsi/ginkgo/v2.RunSpecs(") {
			continue
		}
		for _, next := range lines[i+1:] {
			if strings.HasPrefix(next, "\t") {
				continue
			}
			fn := next
			if j := strings.LastIndex(fn, "("); j > 0 {
				fn = fn[:j]
			}
			if j := strings.LastIndex(fn, "."); j >= 0 {
				fn = fn[j+1:]
			}
			if strings.HasPrefix(fn, "Test") {
				return fn
			}
			break
		}
	}
	return ""
}

// started is about when the test binary started.
var started = time.Now()

// binaryDeadline is when the test binary's -test.timeout ends it, or zero:
// a Ginkgo spec has no t.Deadline to ask.
func binaryDeadline() time.Time {
	if fl := flag.Lookup("test.timeout"); fl != nil {
		if d, err := time.ParseDuration(fl.Value.String()); err == nil && d > 0 {
			return started.Add(d)
		}
	}
	return time.Time{}
}
