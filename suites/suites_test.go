package suites

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// TestSuites runs the Ginkgo specs of the catalog verdicts (make run).
// REAPTEST_JUNIT names a JUnit report to write.
func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	if path := os.Getenv("REAPTEST_JUNIT"); path != "" {
		reporterConfig.JUnitReport = path
	}
	RunSpecs(t, "reaptest", suiteConfig, reporterConfig)
}

// referenceChecks is how many scenarios the reference must pass.
const referenceChecks = 10000

var _ = describeCatalog("the bundled catalog", catalog.All(), harness.Checks(referenceChecks))
