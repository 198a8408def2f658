// Package specs registers reaptest's checks as specs in a Ginkgo v2 suite.
// It is the Ginkgo twin of package suites' TestTask, ExploreAround and
// ExploreDump, run the same way: each check in a child process (see
// harness.Isolate), with the same corpus, reports and reproducers. It
// never calls RunSpecs: the suite is the caller's. Go test users need only
// package suites, which does not import Ginkgo.
//
//	var _ = specs.DescribeTask("my task", NewTask)
//
// Specs carry the label "reaptest" and are located at the Describe call
// that registered them; a failing spec fails with the report as its
// message, plain text, as JUnit reports keep it. Ginkgo locates the
// failure itself ("In [It] at:", the closing summary) at this package's
// call to Fail: it takes a failure's location from the stack, on which
// the Describe call is not when the spec runs.
package specs

import (
	"errors"
	"fmt"

	. "github.com/onsi/ginkgo/v2" //nolint:revive // Ginkgo's DSL reads best unqualified
	"github.com/onsi/ginkgo/v2/types"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
	_ "github.com/reaptest/reaptest/suites" // runs the checks: it fills in bridge
	"github.com/reaptest/reaptest/suites/internal/bridge"
)

// DescribeTask registers the checks for newTask as specs in the caller's
// own Ginkgo suite: one spec per named scenario, then one that explores
// generated scenarios under faults, the Ginkgo form of suites.TestTask.
// Call it while the spec tree is built, e.g. at package level:
//
//	var _ = specs.DescribeTask("my task", NewTask)
//
// Once a spec stops on a setup diagnosis (harness.ErrSetup), or on a
// hostile task (a busy loop, hang [real-time-limit]; a bomb, leak
// [limits]) whose goroutines nothing can stop, the specs after it in the
// process are not run: each skips with one line naming it. After each
// spec's check, a goroutine of reaptest's own that the check started
// outside its scenarios and left running fails the spec as a harness bug,
// never the task's, as in TestTask.
// Each spec's counterexamples are kept in testdata/reaptest/<spec text>;
// with REAPTEST_REPLAY set, the exploring spec replays that file instead.
func DescribeTask(text string, newTask harness.NewTask, opts ...harness.Option) bool {
	at := types.NewCodeLocation(1)
	// stopped is the note the specs after one that stopped the rest skip
	// with (bridge.StopNote), if any: they are not run in this process, as
	// in TestTask. Only the spec running, one at a time, touches it.
	stopped := ""
	check := func(run func() (*harness.Failure, error)) {
		if stopped != "" {
			Skip(stopped)
		}
		f, err := run()
		if note := bridge.StopNote(fmt.Sprintf("%q", CurrentSpecReport().FullText()), f); note != "" {
			stopped = note
		}
		failIf(f, err)
	}
	return Describe(text, Label("reaptest"), at, func() {
		for _, n := range scenarios.Named() {
			It(fmt.Sprintf("survives %s: %s", n.Name, n.Doc), at, func() {
				check(func() (*harness.Failure, error) { return bridge.Named(spec(), newTask, n, opts) })
			})
		}
		It("survives explored scenarios under faults", at, func() {
			check(func() (*harness.Failure, error) { return bridge.Explore(spec(), "", newTask, opts) })
		})
	})
}

// DescribeAround registers a spec in the caller's Ginkgo suite that
// explores around the scenario in the file at path (see
// harness.ExploreAround) and fails with the first failure found, the
// Ginkgo form of suites.ExploreAround. The file is read when the spec
// runs; a file that cannot be read or parsed fails the spec.
func DescribeAround(text string, newTask harness.NewTask, path string, opts ...harness.Option) bool {
	at := types.NewCodeLocation(1)
	return Describe(text, Label("reaptest"), at, func() {
		It("survives the scenario in "+path+" and the ones around it", at, func() {
			sc, err := scenarios.ParseFile(path)
			if err != nil {
				Fail(err.Error())
			}
			failIf(bridge.Around(spec(), newTask, sc, opts))
		})
	})
}

// DescribeDump registers a spec in the caller's Ginkgo suite that reads
// the goroutine dump of a hung process at path (the text a Go program
// prints on SIGQUIT), turns the goroutines blocked in typeName's Reap,
// Wait, Delete or Kill into a starting scenario (harness.ScenarioFromDump
// says which type names it takes), writes it to the spec's output, and
// explores around it as DescribeAround does: the Ginkgo form of
// suites.ExploreDump. A dump that cannot be read or has no call of
// typeName fails the spec.
func DescribeDump(text string, newTask harness.NewTask, path, typeName string, opts ...harness.Option) bool {
	at := types.NewCodeLocation(1)
	return Describe(text, Label("reaptest"), at, func() {
		It("survives the hang in "+path+" and the scenarios around it", at, func() {
			failIf(bridge.Dump(spec(), newTask, path, typeName, opts))
		})
	})
}

// spec describes the running spec to the suites package.
func spec() bridge.Spec {
	return bridge.Spec{
		Focus: CurrentSpecReport().FullText(),
		Logf:  func(format string, args ...any) { fmt.Fprintf(GinkgoWriter, format+"\n", args...) },
	}
}

// failIf fails the running spec with f's report, or with err, which is
// not a verdict on the task (a usage error, a check that could not run),
// and skips it when the check passed without checking what it was meant
// to (bridge.NotChecked).
func failIf(f *harness.Failure, err error) {
	var skip *bridge.NotChecked
	switch {
	case f == nil && errors.As(err, &skip):
		Skip(skip.Reason)
	case err != nil && f != nil:
		Fail(err.Error() + "\n\n" + f.Error())
	case err != nil:
		Fail(err.Error())
	case f != nil:
		Fail(f.Error())
	}
}
