// Package suites is reaptest's edge: the go test entry points, and the
// machinery behind the Ginkgo ones.
//
//   - [TestTask] checks a task from a go test function.
//   - [ExploreAround] and [ExploreDump] explore around a scenario written
//     from a bug report or read from a hung process's goroutine dump.
//   - [Bubble] runs a scenario in a testing/synctest bubble for a
//     *testing.T.
//
// The Ginkgo entry points, DescribeTask, DescribeAround and DescribeDump,
// are in the specs subpackage (suites/specs), so that this package does not import Ginkgo: a user of
// go test alone never builds or downloads it. They run the same way:
// isolated, with the same corpus, reports and reproducers. Ginkgo specs
// have no *testing.T, which synctest.Test requires; they get one by
// running their check as a test of its own through testing.RunTests
// (internal/testrun), quietly: it does not show under -v or go test -json.
//
// The catalog of bundled implementations is in the catalog subpackage;
// this package's own tests (make run) check the harness's verdict on each.
package suites
