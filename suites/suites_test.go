package suites

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/reaptest/reaptest/harness"
	"github.com/reaptest/reaptest/suites/catalog"
)

// envJUnit names a JUnit report for TestSuites to write (.ci/run sets it).
const envJUnit = "REAPTEST_JUNIT"

// TestSuites runs the Ginkgo specs of the catalog verdicts (make run).
// envJUnit names a JUnit report to write.
func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	if path := os.Getenv(envJUnit); path != "" {
		reporterConfig.JUnitReport = path
	}
	RunSpecs(t, "reaptest", suiteConfig, reporterConfig)
}

// referenceChecks is how many scenarios the reference must pass.
const referenceChecks = 10000

var _ = describeCatalog("the bundled catalog", catalog.All(), harness.Checks(referenceChecks))
