package suites

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/reaptest/reaptest/internal/leakcheck"
)

// TestMain fails the test binary if a goroutine that no abandoned
// scenario's bubble holds is still running after the tests. The zoo's
// process-wide reaper is left out: its package starts it once per
// process, on purpose (a helper of the process, not of any task), and it
// runs in every test binary that replays or explores that task.
func TestMain(m *testing.M) {
	leakcheck.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/reaptest/reaptest/internal/zoo.reapForever"))
}
