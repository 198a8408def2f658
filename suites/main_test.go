package suites

import (
	"testing"

	"github.com/reaptest/reaptest/internal/leakcheck"
)

// TestMain fails the test binary if a goroutine that no abandoned
// scenario's bubble holds is still running after the tests.
func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }
