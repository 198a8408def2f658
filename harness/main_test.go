package harness_test

import (
	"testing"

	"github.com/reaptest/reaptest/internal/leakcheck"
)

// TestMain fails the test binary if a goroutine that no abandoned
// scenario's bubble holds is still running after the tests.
func TestMain(m *testing.M) { leakcheck.VerifyTestMain(m) }

// envFindRateN sets how many scenarios TestSpawnFindRate runs of each
// kind (startorder_test.go).
const envFindRateN = "REAPTEST_FINDRATE_N"
