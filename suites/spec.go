package suites

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/internal/leakcheck"
	"github.com/reaptest/reaptest/internal/testrun"
	"github.com/reaptest/reaptest/scenarios"
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

func init() {
	bridge.Named = specNamed
	bridge.Explore = specExplore
	bridge.Around = specAround
	bridge.Dump = specDump
}

// specNamed runs the named scenario n for the Ginkgo spec s (package
// specs' DescribeTask).
func specNamed(s bridge.Spec, newTask harness.NewTask, n scenarios.NamedScenario, opts []harness.Option) (*harness.Failure, error) {
	repro := ginkgoRepro(s.Focus)
	return specIsolated(s, "", repro, false, newTask, opts, func(t *testing.T, extra []harness.Option) (*harness.Failure, error) {
		f := harness.Replay(Bubble(t), newTask, n.Scenario, 1, append(append([]harness.Option{harness.Reproduce(repro)}, extra...), opts...)...)
		if f != nil {
			f.Name = "named scenario " + n.Name
		}
		return f, nil
	})
}

// specExplore runs the check of the Ginkgo spec s — or, with
// REAPTEST_REPLAY set, the replay of that file — keeping counterexamples
// in the corpus testdata/reaptest/<corpus>, named after the spec when
// corpus is "".
func specExplore(s bridge.Spec, corpus string, newTask harness.NewTask, opts []harness.Option) (*harness.Failure, error) {
	if corpus == "" {
		corpus = fileName(s.Focus)
	}
	repro := ginkgoRepro(s.Focus)
	return specIsolated(s, corpusDir(corpus), repro, os.Getenv(EnvReplay) == "", newTask, opts, func(t *testing.T, extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			return replayT(t, s.Logf, newTask, path, repro, append(extra, opts...))
		}
		base, err := withScale([]harness.Option{harness.Reproduce(repro), harness.Corpus(corpusDir(corpus))})
		if err != nil {
			return nil, err
		}
		return harness.Check(fileName(s.Focus), Bubble(t), newTask, append(append(base, extra...), opts...)...), nil
	})
}

// specAround explores around base for the Ginkgo spec s (package specs'
// DescribeAround) — or, with REAPTEST_REPLAY set, replays that file —
// isolated as ExploreAround is.
func specAround(s bridge.Spec, newTask harness.NewTask, base scenarios.Scenario, opts []harness.Option) (*harness.Failure, error) {
	corpus := corpusDir(fileName(s.Focus))
	repro := ginkgoRepro(s.Focus)
	return specIsolated(s, corpus, repro, os.Getenv(EnvReplay) == "", newTask, opts, func(t *testing.T, extra []harness.Option) (*harness.Failure, error) {
		if path := os.Getenv(EnvReplay); path != "" {
			return replayT(t, s.Logf, newTask, path, repro, append(extra, opts...))
		}
		first, err := withScale([]harness.Option{harness.Reproduce(repro), harness.Corpus(corpus)})
		if err != nil {
			return nil, err
		}
		return harness.ExploreAround(fileName(s.Focus), Bubble(t), newTask, base, append(append(first, extra...), opts...)...), nil
	})
}

// specDump explores around the starting scenario of typeName's calls in
// the goroutine dump at path for the Ginkgo spec s (package specs'
// DescribeDump), as specAround does.
func specDump(s bridge.Spec, newTask harness.NewTask, path, typeName string, opts []harness.Option) (*harness.Failure, error) {
	sc, notes, err := dumpScenario(path, typeName)
	if err != nil {
		return nil, err
	}
	if !inChild() { // a child's output is not shown
		for _, n := range notes {
			s.Logf("%s", n)
		}
	}
	return specAround(s, newTask, sc, opts)
}

// specIsolated runs check for the spec s: in a child process when
// isolation is on, else here, with a *testing.T. The error is a usage
// error or a check that could not run, never a verdict on the task.
//
// After the check, in the parent, a goroutine of reaptest's own that it
// started outside its scenarios and left running is reported as a harness
// bug, as TestTask does (leftrunning.go).
func specIsolated(s bridge.Spec, corpus, repro string, explores bool, newTask harness.NewTask, opts []harness.Option, check func(t *testing.T, extra []harness.Option) (*harness.Failure, error)) (f *harness.Failure, err error) {
	if passOver(s.Focus) {
		return nil, nil // a child started for another spec that the focus also matches
	}
	if !inChild() {
		before := leakcheck.IDs()
		defer func() { err = specLeftRunning(before, err) }()
	}
	if err := envUsage(); err != nil {
		return nil, err
	}
	if !inChild() && isolated(opts) {
		if err := replayUsage(); err != nil {
			return nil, err
		}
		testNameOnce.Do(func() { testName = findRunSpecsCaller() })
		tg := target{name: s.Focus, args: []string{"-ginkgo.focus=" + regexp.QuoteMeta(s.Focus) + "$"}, ginkgo: true, corpus: corpus, repro: repro,
			logf: s.Logf, explores: explores}
		if testName != "" {
			tg.args = append(tg.args, "-test.run=^"+testName+"$")
		}
		tg.deadline = binaryDeadline()
		tg.auto = autoFor(newTask, opts, tg.deadline)
		tg.soak = soakOf(opts)
		children, err := childrenFor(opts)
		if err != nil {
			return nil, err
		}
		tg.children = children
		return checkIsolated(tg)
	}
	if inChild() {
		warmUpOnce(newTask)
		childBegin(s.Focus)
	}
	extra := childOptions()
	var only *replayHere // in this process, with no time left to explore
	nothing := -1        // in this process: the deadline stopped the check after this many fixed scenarios, before it explored any
	if explores && !inChild() {
		extra = append(extra, inProcessDeadline(opts, &only)...)
		extra = append(extra, hx.OnNothing(func(ran int) { nothing = ran }))
	}
	if werr := withT(func(t *testing.T) { f, err = check(t, extra) }); werr != nil && err == nil {
		err = werr
	}
	if inChild() {
		childDone(s.Focus, f, err) // the parent reports; the child's spec passes
		return nil, nil
	}
	if nc := only.skip(); f == nil && err == nil && nc != nil {
		return nil, nc
	}
	if f == nil && err == nil && nothing >= 0 {
		return nil, exploredNothing(nothing)
	}
	return f, err
}

// inProcessDeadline returns the options that keep an exploring spec's
// check in this process within the test binary's -timeout, as defaults
// does for a go test check: it stops exploring at three quarters of the
// time a child would be given, or, with less than a child is started
// with, explores nothing and sets *only (see replayHere).
func inProcessDeadline(opts []harness.Option, only **replayHere) []harness.Option {
	d := binaryDeadline()
	if d.IsZero() {
		return nil
	}
	if *only = replayOnlyHere(d, soakOf(opts)); *only != nil {
		return (*only).options()
	}
	left := target{deadline: d, soak: soakOf(opts)}.timeLeft()
	return []harness.Option{hx.Deadline(time.Now().Add(left * 3 / 4))}
}

// withT runs f with a *testing.T where none is at hand (a Ginkgo spec),
// as a test of its own: an error says it could not, or that test failed
// (a data race, say) apart from what f returns.
func withT(f func(t *testing.T)) error {
	ran, ok := testrun.RunAsTest(f)
	if !ran {
		return errors.New("reaptest: could not start a test to run the scenario bubble in (a -test.skip pattern that matches \"reaptest\"?)")
	}
	if !ok {
		return errors.New("reaptest: the test running the scenario bubble failed (see its output above: a data race?)")
	}
	return nil
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
