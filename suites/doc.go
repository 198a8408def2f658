// Package suites is reaptest's edge: the go test and Ginkgo entry points.
//
//   - [TestTask] checks a task from a go test function.
//   - [DescribeTask] registers the same checks as specs in the caller's
//     own Ginkgo suite; it never calls RunSpecs.
//   - [Bubble] runs a scenario in a testing/synctest bubble for a
//     *testing.T.
//
// Ginkgo specs have no *testing.T, which synctest.Test requires; the specs
// registered here get one by running their check as a test of its own
// through testing.RunTests (internal/testrun), quietly: it does not show
// under -v or go test -json.
//
// The catalog of bundled implementations is in the catalog subpackage;
// this package's own tests (make run) check the harness's verdict on each.
package suites
