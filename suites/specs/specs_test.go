package specs_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
	"github.com/reaptest/reaptest/suites/specs"
)

// TestSpecs runs the reference through DescribeTask and DescribeAround
// as a user's suite would: isolated, with automatic fault points. That
// they catch bugs, and report them, is suites' external test (a user
// module's failing specs, under go test and the Ginkgo CLI).
func TestSpecs(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "specs")
}

var _ = specs.DescribeTask("the reference through DescribeTask", catalog.NewReference)

var _ = specs.DescribeAround("the reference through DescribeAround", catalog.NewReference, "testdata/tworeaps.scenario", harness.Checks(200))

// The walk-through's goroutine dump of the lock-while-waiting daemon: the
// reference survives the scenario it gives and those around it.
var _ = specs.DescribeDump("the reference through DescribeDump", catalog.NewReference, "../testdata/walkthrough/daemon-sigquit.dump", "(*lockWhileWaiting)", harness.Checks(200))
