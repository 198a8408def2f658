// Package bridge carries the Ginkgo entry points (package specs) into
// package suites, which runs them: the isolated child process, the corpus,
// the reproducer and the time budget are the suites package's, shared with
// its go test entry points, while Ginkgo itself stays out of it, so that a
// user of go test alone never builds or downloads Ginkgo. Package suites
// fills the functions in at init; package specs imports it for that.
// It is plumbing, not API.
package bridge

import (
	"fmt"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/scenarios"
)

// Spec is the Ginkgo spec a check runs for.
type Spec struct {
	// Focus is the spec's full text: a child process is started with it
	// as -ginkgo.focus, and the corpus and the reproducer are named after
	// it.
	Focus string
	// Logf writes a line where the spec's output goes (GinkgoWriter).
	Logf func(format string, args ...any)
}

// The checks a spec runs. Each returns the failure to fail the spec with,
// or an error that is not a verdict on the task (a usage error, a check
// that could not run), which fails the spec as it is. In a child process
// started for the spec, they report to the parent and return nil, nil.
var (
	// Named runs the named scenario n once.
	Named func(s Spec, newTask harness.NewTask, n scenarios.NamedScenario, opts []harness.Option) (*harness.Failure, error)
	// Explore replays the corpus, runs the named scenarios and explores
	// generated ones under faults, keeping counterexamples in the corpus
	// named after corpus (the spec's text when it is ""); with
	// REAPTEST_REPLAY set it replays that file instead.
	Explore func(s Spec, corpus string, newTask harness.NewTask, opts []harness.Option) (*harness.Failure, error)
	// Around explores around base (harness.ExploreAround); with
	// REAPTEST_REPLAY set it replays that file instead.
	Around func(s Spec, newTask harness.NewTask, base scenarios.Scenario, opts []harness.Option) (*harness.Failure, error)
	// Dump reads the goroutine dump at path, turns the goroutines blocked
	// in typeName's methods into a starting scenario, logs it, and
	// explores around it as Around does. A dump that cannot be read or
	// turned into a scenario is an error.
	Dump func(s Spec, newTask harness.NewTask, path, typeName string, opts []harness.Option) (*harness.Failure, error)
)

// NotChecked is the error of a check that passed without checking what it
// was meant to: it ran no scenario (no time left before the test binary's
// -timeout), explored none after replaying the corpus and the named
// scenarios, or ran without the automatic fault points it was meant to
// have. The spec or test is skipped with Reason, one line that says what
// happened and how to get the full check, never passed.
type NotChecked struct{ Reason string }

func (e *NotChecked) Error() string { return e.Reason }

// SameSetup is the note of a check that TestTask or DescribeTask does not
// run because an earlier one, first (a subtest's or spec's name), stopped
// on a setup diagnosis: the task is plugged in the same way in every
// check, and first's report says how to fix it.
func SameSetup(first string) string {
	return fmt.Sprintf("reaptest: %s [%s]: not run: %s stopped on a setup problem of the same task (see there); fix that first",
		harness.ClassSetup, harness.ClauseOutsideBubble, first)
}
