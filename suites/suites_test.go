package suites

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/reaptest/reaptest/suites/catalog"
)

func TestSuites(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "reaptest catalog")
}

var _ = func() bool {
	for _, e := range catalog.All()[:3] {
		DescribeTask(e.Name, e.New)
	}
	return true
}()
