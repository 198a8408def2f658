package suites

import (
	"testing"
	"testing/synctest"

	"github.com/reaptest/reaptest/harness"
)

// Bubble returns a harness.Bubble that runs each scenario under
// synctest.Test with t.
func Bubble(t *testing.T) harness.Bubble {
	return func(f func()) {
		synctest.Test(t, func(*testing.T) { f() })
	}
}
